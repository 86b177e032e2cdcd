"""Reading whole messages: the customer's own words, their language, segments, references (no model)."""

from __future__ import annotations

import re

import pytest

from kb.language import detect_language
from kb.models import Language
from kb.reading import clean_subject, html_to_text, read_message
from kb.references import ReferenceKind, drop_requests_for, drop_sentences_with, find_references
from kb.segments import MAX_SEGMENTS, other_readings, segments

QUOTED_THREADS = {
    "gmail en": ("Can I still swap the blue mug for a green one?\n\nCheers,\nPaul\n\n"
                 "On Mon, 9 Nov 2026 at 08:02, Brightcart Support <help@brightcart.example> wrote:\n"
                 "> Your refund was sent today.\n> Kind regards",
                 "Can I still swap the blue mug for a green one?"),
    "gmail wrapped en": ("Is express shipping available to Cork?\n\nOn Mon, 9 Nov 2026 at 08:02, Brightcart Customer "
                         "Support Team <\nhelp@brightcart.example> wrote:\n> Old text about invoices.",
                         "Is express shipping available to Cork?"),
    "outlook en": ("Please close my account.\n\nFrom: Brightcart <help@brightcart.example>\nSent: Monday, "
                   "9 November 2026 08:02\nTo: Ann <ann@example.com>\nSubject: Your parcel\n\nYour parcel is late.",
                   "Please close my account."),
    "original message": ("Where do I enter a gift card?\n\n-----Original Message-----\nFrom: shop\n"
                         "Your order shipped.", "Where do I enter a gift card?"),
    "gmail lt": ("Kaip atsisakyti naujienlaiškio?\n\n2026-11-09, pr, 08:02 Brightcart <help@brightcart.example> "
                 "rašė:\n> Jūsų siunta vėluoja, atsiųskite užsakymo numerį.", "Kaip atsisakyti naujienlaiškio?"),
    "outlook lt": ("Ar galiu pakeisti pristatymo adresą?\n\nNuo: Brightcart <help@brightcart.example>\n"
                   "Išsiųsta: 2026 m. lapkričio 9 d. 08:02\nKam: Rūta\nTema: Sąskaita\n\nSąskaita pridėta.",
                   "Ar galiu pakeisti pristatymo adresą?"),
    "gmail ja": ("ギフトカードの残高はどこで見られますか？\n\n2026年11月9日(月) 8:02 Brightcart <help@brightcart.example>:\n"
                 "> ご返金の手続きが完了しました。", "ギフトカードの残高はどこで見られますか？"),
    "outlook ja": ("配送先を変更したいです。\n\n差出人: Brightcart <help@brightcart.example>\n送信日時: 2026年11月9日 8:02\n"
                   "宛先: 佐藤\n件名: 返金について\n\n返金しました。", "配送先を変更したいです。"),
    "gmail zh": ("礼品卡的余额在哪里看？\n\nBrightcart <help@brightcart.example> 于2026年11月9日周一 08:02写道：\n"
                 "> 您的退款已经处理。", "礼品卡的余额在哪里看？"),
    "qq zh": ("我想改一下收货地址。\n\n------------------ 原始邮件 ------------------\n发件人: \"Brightcart\"\n"
              "发送时间: 2026年11月9日(星期一) 上午8:02\n收件人: \"李\"\n主题: 退款\n\n已退款。", "我想改一下收货地址。"),
    "forwarded en": ("Why was I charged twice for this?\n\n---------- Forwarded message ---------\nFrom: Brightcart\n"
                     "Date: Mon, 9 Nov 2026\nSubject: Order BC-204817 confirmed\n\nThanks for your order.",
                     "Why was I charged twice for this?"),
    "forwarded ja": ("この注文をキャンセルできますか？\n\n---------- 転送メッセージ ----------\n差出人: Brightcart\n"
                     "件名: ご注文確認\n\nご注文ありがとうございます。", "この注文をキャンセルできますか？"),
    "forwarded zh": ("这个订单能取消吗？\n\n---------- 转发的邮件 ----------\n发件人: Brightcart\n主题: 订单确认\n\n感谢下单。",
                     "这个订单能取消吗？"),
    "forwarded lt": ("Ar galiu atšaukti šį užsakymą?\n\n---------- Persiųstas laiškas ---------\nNuo: Brightcart\n"
                     "Tema: Užsakymas patvirtintas\n\nAčiū už užsakymą.", "Ar galiu atšaukti šį užsakymą?"),
}


@pytest.mark.parametrize("name", QUOTED_THREADS)
def test_the_quoted_thread_is_set_aside(name):
    body, own = QUOTED_THREADS[name]
    message = read_message(body)
    assert message.text == own
    assert message.quoted and own not in message.quoted


FRAMES = {
    "en": ("Hi team,\n\nMy voucher code says it has expired. Can you check?\n\nBest regards,\nMarta Jonaitytė\n"
           "Head of Purchasing | +370 600 12345\n\nSent from my iPhone", "My voucher code says it has expired."),
    "lt": ("Laba diena,\n\nnegaliu prisijungti prie paskyros, ką daryti?\n\nPagarbiai\nJonas Petraitis\n"
           "+370 600 00000", "negaliu prisijungti prie paskyros, ką daryti?"),
    "ja": ("Brightcart ご担当者様\n\nいつもお世話になっております。\n領収書を発行していただけますか。\n\n"
           "よろしくお願いいたします。\n田中 花子\n090-0000-0000", "領収書を発行していただけますか。"),
    "zh": ("您好！\n\n请问可以用支付宝付款吗？\n\n谢谢！\n王芳\n发自我的iPhone", "请问可以用支付宝付款吗？"),
}


@pytest.mark.parametrize("language", FRAMES)
def test_greetings_closings_and_signatures_are_dropped(language):
    body, kept = FRAMES[language]
    text = read_message(body).text
    assert text.startswith(kept.split(" ")[0]) and kept.splitlines()[-1] in text
    for dropped in ("Hi team", "Laba diena", "お世話", "您好", "Best regards", "Pagarbiai", "よろしく", "谢谢",
                    "Jonaitytė", "Petraitis", "田中", "王芳", "iPhone", "+370"):
        assert dropped not in text, (language, dropped)


def test_a_disclaimer_goes_and_a_message_of_thanks_only_stays():
    body = ("Do you deliver to Iceland?\n\nThis e-mail and any attachments are confidential and intended solely "
            "for the addressee.")
    assert read_message(body).text == "Do you deliver to Iceland?"
    assert read_message("Thanks so much!").text == "Thanks so much!"


def test_a_greeting_word_does_not_swallow_a_chat_question():
    assert read_message("hi where is my order").text == "hi where is my order"
    assert read_message("Hello, can I pay by invoice?").text == "Hello, can I pay by invoice?"


def test_html_is_read_without_scripts_styles_or_the_quoted_part():
    html = ("<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
            "<div>Hello,</div><p>Can I return <b>sale</b> items?</p><div>Thanks<br>Ann</div>"
            "<div class='gmail_quote'><div>On Mon, Shop wrote:</div><blockquote>Your invoice is attached."
            "<blockquote>older</blockquote></blockquote></div></body></html>")
    text, quoted = html_to_text(html)
    assert "alert" not in text and "color" not in text and "invoice" not in text
    assert "invoice" in quoted and quoted.count("older") == 1
    assert read_message(html, html=True).text == "Can I return sale items?"


def test_subject_prefixes_are_dropped():
    assert clean_subject("RE: Fwd: Re: Refund for BC-123456") == "Refund for BC-123456"
    assert clean_subject("回复: 转发: 退款") == "退款"
    assert clean_subject("Ats: Pers: Grąžinimas") == "Grąžinimas"


@pytest.mark.parametrize("text, language", [
    ("Hello, how long does a refund take? I returned the lamp last week. Marta Jonaitytė, Šiauliai", Language.EN),
    ("Sveiki, kiek laiko užtrunka pinigų grąžinimas? Grąžinau lempą praėjusią savaitę.", Language.LT),
    ("sveiki, kiek laiko uztrunka pinigu grazinimas? grazinau lempa praejusia savaite", Language.LT),
    ("返金にはどのくらいかかりますか？先週 Lumo desk lamp を返品しました。", Language.JA),
    ("退款需要多久？我上周退了 Lumo desk lamp。", Language.ZH),
    ("Where is my parcel? I ordered the 电饭煲 rice cooker two weeks ago and the tracking never moved.", Language.EN),
])
def test_language_comes_from_the_share_of_the_words(text, language):
    assert detect_language(text).language is language


def test_segments_are_sentences_with_short_ones_joined():
    found = segments("I ordered boots. They are too small and the box was torn. Can I return them?\n\nOk.",
                     Language.EN)
    assert [s.text for s in found] == ["I ordered boots. They are too small and the box was torn.",
                                       "Can I return them?", "Ok."]
    assert [s.asks for s in found] == [False, True, False]
    assert [(s.text, s.covers) for s in other_readings(found)] == [
        ("I ordered boots. They are too small and the box was torn. Can I return them?", (0, 1))]
    cjk = segments("はい。靴が小さすぎました。返品できますか？", Language.JA)
    assert [s.text for s in cjk] == ["はい。靴が小さすぎました。", "返品できますか？"]


def test_a_very_long_message_keeps_its_questions_first():
    story = " ".join(f"On day {n} nothing happened at all in my garden." for n in range(200))
    found = segments(story + " How do I return the shovel?", Language.EN)
    assert len(found) == MAX_SEGMENTS and found[-1].text.endswith("How do I return the shovel?")


ORDER = ReferenceKind("order_number", re.compile(r"\bBC-?\d{6}\b"),
                      {Language.EN: ("order number",), Language.JA: ("注文番号",)})
ORDER_ZH = ReferenceKind("order_number", re.compile(r"\bBC-?\d{6}\b"), {Language.ZH: ("订单号",)})


def test_references_are_found_once_in_order():
    found = find_references("BC-654321 is late; BC-123456 too. Again: BC-654321", (ORDER,))
    assert [r.value for r in found] == ["BC-654321", "BC-123456"]


def test_a_reply_does_not_ask_for_a_reference_already_given():
    given = find_references("order BC-123456", (ORDER,))
    body = ("1. Sign in.\n2. Have your order number ready (e.g. BC-123456). Then open the chat.\n"
            "**Tip:** keep your order number handy.\nThat's all.")
    assert drop_requests_for(body, given, (ORDER,), Language.EN) == "1. Sign in.\n2. Then open the chat.\nThat's all."
    assert drop_requests_for(body, [], (ORDER,), Language.EN) == body
    # a clause that says more than the request keeps it, with the customer's number
    late = "Write to us within 30 days with your order number, company name and VAT number; we'll add them."
    assert drop_requests_for(late, given, (ORDER,), Language.EN) == (
        "Write to us within 30 days with your order number (BC-123456), company name and VAT number; we'll add them.")
    assert drop_requests_for("Pick the order (order numbers look like BC-000001) to see its status.", given, (ORDER,),
                             Language.EN) == "Pick the order (order numbers look like BC-123456) to see its status."
    japanese = "注文番号をご用意ください。チャットでご連絡ください。"
    assert drop_requests_for(japanese, given, (ORDER,), Language.JA) == "チャットでご連絡ください。"
    # a longer Japanese clause names the customer's number even where kana follow the label
    named = drop_requests_for("お問い合わせの際は、注文番号をお知らせいただくと、担当者がすぐに配送状況と返金の予定を確認できます。",
                              given, (ORDER,), Language.JA)
    assert "注文番号（BC-123456）" in named or "注文番号 (BC-123456)" in named


def test_steps_after_a_dropped_one_are_numbered_on():
    given = find_references("order BC-123456", (ORDER,))
    body = ("1. Sign in.\n2. Have your order number ready.\n3. Open the chat.\n4. Send.\n\nThen:\n"
            "1. Wait.\n2. Have your order number ready.\n3. Read the reply.")
    assert drop_requests_for(body, given, (ORDER,), Language.EN) == (
        "1. Sign in.\n2. Open the chat.\n3. Send.\n\nThen:\n1. Wait.\n2. Read the reply.")
    assert drop_sentences_with("1. Read this.\n2. Contact us.\n3. Done.", ("contact us",), Language.EN) == (
        "1. Read this.\n2. Done.")


def test_a_dropped_last_chinese_clause_leaves_no_stray_comma():
    given = find_references("订单 BC-123456", (ORDER_ZH,))
    assert drop_requests_for("请在 30 天内联系我们，并提供订单号。", given, (ORDER_ZH,), Language.ZH) == (
        "请在 30 天内联系我们。")


@pytest.mark.parametrize("text, own", [
    ("On " * 6600, ("On " * 6600).strip()), ("\n" * 20_000, ""), ("2026年11月3日(火) 10:15 " * 900, None),
    ("> " * 10_000, ""), ("Thanks,\n" * 2800, ("Thanks,\n" * 2800).strip()), ("From: x\n" * 2500, ""),
])
def test_pathological_messages_are_read(text, own):
    """Inputs that made mail-parser-reply's own "wrote" header backtrack for 14 s ("On On On ...") or
    made line handling quadratic; they are read in milliseconds now (make bench measures reading)."""
    message = read_message(text)
    assert message.text == (own if own is not None else text.strip())

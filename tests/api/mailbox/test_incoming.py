"""Reading raw mail as customers' mailers send it: charsets, transfer encodings, MIME structures, the thread."""

from __future__ import annotations

import base64
import quopri
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.policy import SMTP

import pytest

from api.mailbox.incoming import UnreadableMail, decode_bytes, read_mail
from kb.reading import read_message

PARCEL = ("Hi,\n\nmy parcel was due on Monday, but the tracking page hasn't changed since Friday.\n"
          "The order number is 10442. Could you find out where it is?\n\nThanks,\nEmma\n")
PARCEL_JA = "髙橋と申します。①の注文の荷物がまだ届いていません。追跡番号を教えていただけますか。\n"
LOGIN_JA = ("ログインできません。パスワード再設定のメールが届かないのですが、どうすればよいでしょうか。\n"
            "㈱山田商事 山田\n")
REFUND_ZH = "您好，我是王喆。上周申请的退款到现在还没有到账，请问一般需要多久？\n"
LOGIN_ZH = "我的账号登录不了，一直提示密码错误。用户名是𠮷祥，麻烦帮我看一下。\n"
PARCEL_LT = ("Laba diena, užsakiau dviratį, bet siuntinys į Šiaulius vis dar neatkeliavo. Sąskaitą apmokėjau "
             "šiandien. Ar galėtumėte patikrinti, kur jis įstrigo? Jei negausiu jo per savaitę, prašau pinigų "
             "grąžinimo.\n"
             "Ačiū už pagalbą.\n")


def raw_mail(headers: list[tuple[str, str]], body: bytes) -> bytes:
    """Literal mail bytes, as a mailer put them on the wire."""
    return "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii") + b"\r\n" + body


def windows_iso2022jp(text: str) -> bytes:
    """ISO-2022-JP as Outlook writes it (CP50220): JIS X 0208 with the NEC and IBM rows of cp932."""
    encoded, kanji = bytearray(), False
    for character in text:
        if character.isascii():
            encoded += b"\x1b(B" * kanji + character.encode("ascii")
            kanji = False
            continue
        encoded += b"\x1b$B" * (not kanji)
        kanji = True
        lead, trail = character.encode("cp932")
        row = (lead - (0xC1 if lead >= 0xE0 else 0x81)) * 2 + 0x21
        if trail >= 0x9F:
            encoded += bytes((row + 1, trail - 0x7E))
        else:
            encoded += bytes((row, trail - 0x1F - (trail >= 0x80)))
    return bytes(encoded + b"\x1b(B" * kanji)


def b_word(text: str, charset: str, encoded: bytes | None = None) -> str:
    """An RFC 2047 B-encoded word."""
    data = encoded if encoded is not None else text.encode(charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode('ascii')}?="


def customer_mail(body: str = PARCEL, subject: str = "Where is my parcel?", **headers: str) -> EmailMessage:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "Emma Clarke <Emma.Clarke@Example.com>"
    mail["To"] = "support@shop.example"
    mail["Subject"] = subject
    mail["Message-ID"] = "<parcel-10442@example.com>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def test_an_english_mail_gives_its_sender_thread_and_body():
    mail = customer_mail(Reply_To="Emma <emma.home@example.org>", Cc="Tom <TOM@example.com>, orders@shop.example",
                         References="<first@shop.example> <second@example.com>", In_Reply_To="<second@example.com>")
    read = read_mail(mail.as_bytes())
    assert (read.message_id, read.subject, read.sender_name, read.sender_address) == (
        "<parcel-10442@example.com>", "Where is my parcel?", "Emma Clarke", "emma.clarke@example.com")
    assert read.reply_to == "emma.home@example.org"
    assert read.recipients == ("support@shop.example", "tom@example.com", "orders@shop.example")
    assert read.references == ("<first@shop.example>", "<second@example.com>")
    assert (read.body, read.html, read.attachments) == (PARCEL, False, ())
    assert (read.auto_submitted, read.precedence, read.list_header, read.auto_reply_header) == ("", "", "", "")
    assert read.return_path_null is False


def test_without_reply_to_the_reply_goes_to_the_sender():
    assert read_mail(customer_mail().as_bytes()).reply_to == "emma.clarke@example.com"


def test_iso_2022_jp_with_vendor_characters_in_body_subject_and_name():
    subject = "①注文の配送状況について"
    raw = raw_mail([("From", f"{b_word('', 'ISO-2022-JP', windows_iso2022jp('髙橋 健一'))} <takahashi@example.jp>"),
                    ("Subject", b_word("", "ISO-2022-JP", windows_iso2022jp(subject))),
                    ("Message-ID", "<20261203.1@example.jp>"), ("MIME-Version", "1.0"),
                    ("Content-Type", "text/plain; charset=ISO-2022-JP"), ("Content-Transfer-Encoding", "7bit")],
                   windows_iso2022jp(PARCEL_JA).replace(b"\n", b"\r\n"))
    read = read_mail(raw)
    assert (read.subject, read.sender_name, read.body) == (subject, "髙橋 健一", PARCEL_JA)


def test_iso_2022_jp_as_pythons_codec_writes_it_reads_too():
    mail = MIMEText("荷物が届きません。\n", "plain", "iso-2022-jp")
    mail["From"] = "takahashi@example.jp"
    assert read_mail(mail.as_bytes()).body == "荷物が届きません。\n"


def test_shift_jis_quoted_printable_is_read_as_cp932():
    raw = raw_mail([("From", "yamada@example.co.jp"), ("Subject", b_word("ログインについて", "Shift_JIS")),
                    ("Content-Type", 'text/plain; charset="Shift_JIS"'),
                    ("Content-Transfer-Encoding", "quoted-printable")],
                   quopri.encodestring(LOGIN_JA.encode("cp932").replace(b"\n", b"\r\n")))
    read = read_mail(raw)
    assert (read.subject, read.body) == ("ログインについて", LOGIN_JA)


def test_gb2312_label_with_a_gbk_character_in_body_subject_and_name():
    raw = raw_mail([("From", f"{b_word('', 'GB2312', '王喆'.encode('gbk'))} <wangzhe@example.cn>"),
                    ("Subject", b_word("退款进度查询", "GB2312")),
                    ("Content-Type", "text/plain; charset=gb2312"), ("Content-Transfer-Encoding", "base64")],
                   base64.encodebytes(REFUND_ZH.encode("gbk")))
    read = read_mail(raw)
    assert (read.sender_name, read.subject, read.body) == ("王喆", "退款进度查询", REFUND_ZH)


def test_gb18030_four_byte_characters():
    raw = raw_mail([("From", "user@example.cn"), ("Subject", "=?GB18030?Q?=B5=C7=C2=BC=CE=CA=CC=E2?="),
                    ("Content-Type", "text/plain; charset=GB18030"), ("Content-Transfer-Encoding", "8bit")],
                   LOGIN_ZH.encode("gb18030"))
    read = read_mail(raw)
    assert (read.subject, read.body) == ("登录问题", LOGIN_ZH)


@pytest.mark.parametrize("charset", ["windows-1257", "ISO-8859-13"])
def test_lithuanian_single_byte_charsets(charset):
    name = "Žydrūnė Kazlauskienė"
    raw = raw_mail([("From", f"=?{charset}?Q?{quopri.encodestring(name.encode(charset), header=True).decode()}?="
                             " <zydrune@example.lt>"),
                    ("Subject", b_word("Dėl siuntinio", charset)),
                    ("Content-Type", f"text/plain; charset={charset}"),
                    ("Content-Transfer-Encoding", "quoted-printable")],
                   quopri.encodestring(PARCEL_LT.encode(charset)))
    read = read_mail(raw)
    assert (read.sender_name, read.subject, read.body) == (name, "Dėl siuntinio", PARCEL_LT)
    assert set("ąčęėįšųūž") <= set(read.body)


def test_an_unknown_charset_label_falls_back_to_utf8():
    raw = raw_mail([("From", "zydrune@example.lt"), ("Subject", "=?x-unknown?Q?Ats=C4=8Dkaita?="),
                    ("Content-Type", "text/plain; charset=x-unknown"), ("Content-Transfer-Encoding", "8bit")],
                   PARCEL_LT.encode("utf-8"))
    read = read_mail(raw)
    assert (read.subject, read.body) == ("Atsčkaita", PARCEL_LT)


def test_a_wrong_charset_label_gives_replacement_characters_not_an_error():
    raw = raw_mail([("From", "zydrune@example.lt"), ("Subject", "Siuntinys"),
                    ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "8bit")],
                   "Ačiū už pagalbą\n".encode("windows-1257"))
    assert read_mail(raw).body == "A\ufffdi\ufffd u\ufffd pagalb\ufffd\n"


def test_us_ascii_labelled_utf8_reads_as_utf8():
    assert decode_bytes("登录问题".encode(), "us-ascii") == "登录问题"


def test_raw_utf8_headers_are_read():
    raw = raw_mail([("Content-Type", "text/plain; charset=utf-8")], b"ok\r\n")
    raw = "Subject: Grąžinimas\r\nFrom: Rūta <ruta@example.lt>\r\n".encode() + raw
    read = read_mail(raw)
    assert (read.subject, read.sender_name) == ("Grąžinimas", "Rūta")


def test_an_encoded_display_name_with_a_comma_stays_one_address():
    raw = raw_mail([("From", f"{b_word('Clarke, Emma', 'utf-8')} <emma@example.com>"),
                    ("To", "support@shop.example")], b"Hello\r\n")
    read = read_mail(raw)
    assert (read.sender_name, read.sender_address, read.recipients) == (
        "Clarke, Emma", "emma@example.com", ("support@shop.example",))


def test_alternative_prefers_the_plain_text():
    mail = customer_mail()
    mail.add_alternative("<p>my parcel was due on Monday</p>", subtype="html")
    read = read_mail(mail.as_bytes())
    assert (read.body, read.html, read.attachments) == (PARCEL, False, ())


def test_an_html_only_mail_gives_the_html():
    mail = customer_mail()
    mail.set_content("<p>Refund for order 10442?</p>", subtype="html")
    read = read_mail(mail.as_bytes())
    assert (read.body, read.html) == ("<p>Refund for order 10442?</p>\n", True)


def test_related_html_with_an_inline_image_notes_the_image():
    mail = customer_mail()
    mail.set_content("<p>The login page shows this error: <img src='cid:error@example.com'></p>", subtype="html")
    mail.add_related(b"\x89PNG\r\n", "image", "png", cid="<error@example.com>", filename="error.png")
    read = read_mail(mail.as_bytes())
    assert read.html and "login page shows this error" in read.body
    assert read.attachments == ("error.png",)


def test_mixed_attachments_are_named_and_never_read_as_body():
    mail = customer_mail(body=PARCEL_JA)
    mail.add_alternative(f"<p>{PARCEL_JA}</p>", subtype="html")
    mail.add_attachment(b"%PDF-1.7 receipt", "application", "pdf", filename="領収書.pdf")
    mail.add_attachment("tracking says: delivered to neighbour", filename="tracking.txt")
    mail.add_attachment(b"\x00\x01", "application", "octet-stream")
    read = read_mail(mail.as_bytes())
    assert (read.body, read.html) == (PARCEL_JA, False)
    assert read.attachments == ("領収書.pdf", "tracking.txt", "application/octet-stream")


def test_an_rfc2047_encoded_attachment_name_is_decoded():
    pdf = MIMEText("x", "plain", "utf-8")
    pdf.replace_header("Content-Type", "application/pdf")
    pdf["Content-Disposition"] = f'attachment; filename="{b_word("", "ISO-2022-JP", windows_iso2022jp("①請求書.pdf"))}"'
    mail = customer_mail()
    mail.make_mixed()
    mail.attach(pdf)
    assert read_mail(mail.as_bytes()).attachments == ("①請求書.pdf",)


def test_a_mail_that_is_only_an_attachment_has_an_empty_body():
    raw = raw_mail([("From", "emma@example.com"), ("Subject", "receipt"), ("Content-Type", "application/pdf"),
                    ("Content-Disposition", 'attachment; filename="receipt.pdf"'),
                    ("Content-Transfer-Encoding", "base64")], base64.encodebytes(b"%PDF-1.7"))
    read = read_mail(raw)
    assert (read.body, read.html, read.attachments) == ("", False, ("receipt.pdf",))


def forwarded_confirmation() -> EmailMessage:
    confirmation = EmailMessage()
    confirmation["From"] = "Shop <orders@shop.example>"
    confirmation["Subject"] = "Your order 10442 has shipped"
    confirmation["Date"] = "Fri, 27 Nov 2026 09:12:00 +0000"
    confirmation.set_content("Your order 10442 left our warehouse today with ParcelGo.\n")
    confirmation.add_attachment(b"%PDF", "application", "pdf", filename="invoice-10442.pdf")
    return confirmation


def test_a_forwarded_mail_follows_the_body_as_quoted_context():
    mail = customer_mail(body="Forwarding your confirmation: the parcel never arrived. Can you check?\n")
    mail.add_attachment(forwarded_confirmation())
    read = read_mail(mail.as_bytes())
    assert read.body == ("Forwarding your confirmation: the parcel never arrived. Can you check?\n\n"
                         "---------- Forwarded message ---------\nFrom: Shop <orders@shop.example>\n"
                         "Date: Fri, 27 Nov 2026 09:12:00 +0000\nSubject: Your order 10442 has shipped\n\n"
                         "Your order 10442 left our warehouse today with ParcelGo.\n")
    assert read.attachments == ("invoice-10442.pdf",)
    # the pipeline's reading keeps the forwarded mail as context, out of the customer's own words
    reading = read_message(read.body)
    assert "warehouse" not in reading.text and "warehouse" in reading.quoted
    assert "parcel never arrived" in reading.text


def test_a_forwarded_mail_under_an_html_body_is_a_blockquote():
    mail = customer_mail()
    mail.set_content("<p>The parcel <b>never</b> arrived.</p>", subtype="html")
    mail.add_attachment(forwarded_confirmation())
    read = read_mail(mail.as_bytes())
    assert read.html and "<blockquote>---------- Forwarded message ---------<br>" in read.body
    reading = read_message(read.body, html=True)
    assert "warehouse" not in reading.text and "warehouse" in reading.quoted


def test_a_missing_message_id_is_stable_per_mail():
    first, second = customer_mail(), customer_mail(subject="Refund")
    del first["Message-ID"], second["Message-ID"]
    made = read_mail(first.as_bytes()).message_id
    assert made.endswith("@kb-answers.invalid>") and len(made) == len("<@kb-answers.invalid>") + 64
    assert read_mail(first.as_bytes()).message_id == made != read_mail(second.as_bytes()).message_id


def test_a_message_id_without_brackets_gets_them():
    mail = customer_mail()
    mail.replace_header("Message-ID", "parcel-10442@example.com")
    assert read_mail(mail.as_bytes()).message_id == "<parcel-10442@example.com>"


def test_references_then_in_reply_to_without_repeats():
    raw = raw_mail([("From", "emma@example.com"),
                    ("References", "<a@shop.example>\r\n\t<b@example.com>  <a@shop.example>"),
                    ("In-Reply-To", "<c@shop.example> (Emma's reply)")], b"Any news?\r\n")
    assert read_mail(raw).references == ("<a@shop.example>", "<b@example.com>", "<c@shop.example>")


def test_the_loop_guard_headers_are_read():
    mail = customer_mail(Auto_Submitted="Auto-Replied; owner-email=emma@example.com", Precedence=" Bulk ",
                         List_Unsubscribe="<mailto:leave@lists.example>", List_Id="<news.lists.example>",
                         X_Auto_Response_Suppress="DR, OOF", Return_Path="<>")
    read = read_mail(mail.as_bytes())
    assert read.auto_submitted == "auto-replied; owner-email=emma@example.com"
    assert (read.precedence, read.list_header, read.auto_reply_header) == ("bulk", "List-Unsubscribe",
                                                                          "X-Auto-Response-Suppress")
    assert read.return_path_null is True


def test_suppressing_only_delivery_reports_is_no_auto_reply_header():
    mail = customer_mail(X_Auto_Response_Suppress="DR, RN, NRN", Return_Path="<emma@example.com>")
    read = read_mail(mail.as_bytes())
    assert (read.auto_reply_header, read.return_path_null) == ("", False)


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n", b"just some words, not a mail\r\n"])
def test_bytes_without_headers_are_unreadable(raw):
    with pytest.raises(UnreadableMail):
        read_mail(raw)

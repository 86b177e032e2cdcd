"""Our replies as mail: subject conventions, stable ids, threading, both bodies, the automatic-send marks."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser

import pytest

from api.mailbox.guards import automatic_reason
from api.mailbox.incoming import IncomingMail, read_mail
from api.mailbox.outgoing import build_reply, reply_message_id, reply_subject
from kb.models import Language

SENT_AT = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)
CUSTOMER = IncomingMail(
    message_id="<q-1@example.com>", subject="Where is my parcel?", sender_name="Emma Clarke",
    sender_address="emma@example.com", reply_to="emma@example.com", recipients=("support@shop.example",),
    body="Order 10442 has not arrived.", html=False, attachments=(), references=("<first@shop.example>",),
    auto_submitted="", precedence="", list_header="", auto_reply_header="", return_path_null=False)
REPLIES = {
    Language.EN: ("Emma Clarke", "Where is my parcel?", "Shop Support",
                  "Hello Emma,\n\nyour parcel 10442 is with ParcelGo and should reach you on Thursday. If it has not "
                  "arrived by Friday evening, reply to this mail and we will send a replacement straight away.\n"),
    Language.JA: ("髙橋 健一", "①注文の配送状況について", "ショップ サポート",
                  "髙橋様\n\nお問い合わせの荷物は明日お届けの予定です。追跡番号は 1234-5678-9012 です。\n"),
    Language.ZH: ("王喆", "退款进度查询", "商店客服",
                  "王喆您好：\n\n您的退款已于今天处理，一般三到五个工作日内到账。\n"),
    Language.LT: ("Žydrūnė Kazlauskienė", "Dėl prisijungimo", "Parduotuvės pagalba",
                  "Laba diena,\n\nslaptažodį galite atkurti paspaudę „Pamiršau slaptažodį“ – laišką gausite per "
                  "kelias minutes.\n"),
}


@pytest.mark.parametrize(("subject", "language", "expected"), [
    ("Where is my parcel?", Language.EN, "Re: Where is my parcel?"),
    ("RE: Re:  where is my   parcel", Language.EN, "Re: where is my parcel"),
    ("Aw: RE[2]: sv: Antw: Refund", Language.EN, "Re: Refund"),
    ("Re: 荷物について", Language.JA, "Re: 荷物について"),
    ("回复：回复: 退款进度", Language.ZH, "回复：退款进度"),
    ("答复: 退款进度", Language.ZH, "回复：退款进度"),
    ("ATS: Ats.: Re: Siuntinys", Language.LT, "ATS: Siuntinys"),
    ("Fwd: order 10442", Language.EN, "Re: Fwd: order 10442"),
    ("Review of my order", Language.EN, "Re: Review of my order"),
    ("Atsakymas dėl grąžinimo", Language.LT, "ATS: Atsakymas dėl grąžinimo"),
    ("", Language.LT, "ATS: Jūsų laiškas"),
    ("Re:", Language.JA, "Re: お問い合わせ"),
    ("  ", Language.ZH, "回复：您的来信"),
    ("", Language.EN, "Re: Your message"),
])
def test_reply_subject_has_one_prefix_in_the_language_convention(subject, language, expected):
    assert reply_subject(subject, language) == expected


def test_reply_message_id_is_stable_per_seed():
    made = reply_message_id("tenant/support:<q-1@example.com>", "shop.example")
    assert re.fullmatch(r"<kb-[0-9a-f]{32}@shop\.example>", made)
    assert made == reply_message_id("tenant/support:<q-1@example.com>", "shop.example")
    assert made != reply_message_id("tenant/support:<q-2@example.com>", "shop.example")


def reply_for(language: Language, automatic: bool):
    name, subject, from_name, text = REPLIES[language]
    mail = dataclasses.replace(CUSTOMER, sender_name=name, subject=subject)
    html = "<p>" + text.replace("\n\n", "</p><p>") + "</p>\n"
    reply = build_reply(mail, from_address="support@shop.example", from_name=from_name, text=text, html=html,
                        language=language, message_id="<kb-1@shop.example>", automatic=automatic, date=SENT_AT)
    return mail, text, html, reply.as_bytes()


@pytest.mark.parametrize("language", list(Language))
def test_a_reply_parses_back_to_its_headers_and_both_bodies(language):
    mail, text, html, raw = reply_for(language, automatic=True)
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 78
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    sender, recipient = parsed["From"].addresses[0], parsed["To"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (REPLIES[language][2], "support@shop.example")
    assert (recipient.display_name, recipient.addr_spec) == (mail.sender_name, "emma@example.com")
    assert parsed["Subject"] == reply_subject(mail.subject, language)
    assert (parsed["Message-ID"], parsed["In-Reply-To"]) == ("<kb-1@shop.example>", "<q-1@example.com>")
    assert parsed["References"] == "<first@shop.example> <q-1@example.com>"
    assert parsed["Date"].datetime == SENT_AT
    assert parsed["Content-Language"] == language.value
    assert (parsed["Auto-Submitted"], parsed["X-Auto-Response-Suppress"]) == ("auto-replied", "All")
    assert parsed.get_content_type() == "multipart/alternative"
    plain, rich = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert (plain.get_content_charset(), rich.get_content_charset()) == ("utf-8", "utf-8")
    # MIME text travels with CRLF line breaks (RFC 2046 §4.1.1)
    assert plain.get_content().replace("\r\n", "\n") == text
    assert rich.get_content().replace("\r\n", "\n") == html


def test_our_reader_reads_the_reply_back_exactly():
    _, text, _, raw = reply_for(Language.JA, automatic=True)
    read = read_mail(raw)
    assert (read.subject, read.sender_name, read.body) == ("Re: ①注文の配送状況について", "ショップ サポート", text)
    assert read.references == ("<first@shop.example>", "<q-1@example.com>")
    # our own reply coming back into the inbox is never answered
    assert automatic_reason(read, ["support@shop.example"]) == "sent from our own address support@shop.example"


def test_a_draft_has_no_automatic_marks():
    parsed = BytesParser(policy=policy.default).parsebytes(reply_for(Language.LT, automatic=False)[3])
    assert parsed["Auto-Submitted"] is None and parsed["X-Auto-Response-Suppress"] is None


def test_the_reply_goes_to_reply_to_and_repeats_no_reference():
    mail = dataclasses.replace(CUSTOMER, reply_to="emma.home@example.org",
                               references=("<first@shop.example>", "<q-1@example.com>"))
    reply = build_reply(mail, from_address="support@shop.example", from_name="", text="Hi\n", html="<p>Hi</p>",
                        language=Language.EN, message_id="<kb-2@shop.example>", automatic=False)
    assert (reply["To"], reply["From"]) == ("Emma Clarke <emma.home@example.org>", "support@shop.example")
    assert reply["References"] == "<first@shop.example> <q-1@example.com>"
    assert reply["Date"].datetime.tzinfo is not None


def test_an_invalid_address_is_refused():
    with pytest.raises(ValueError):
        build_reply(CUSTOMER, from_address="support at shop", from_name="Shop", text="Hi\n", html="<p>Hi</p>",
                    language=Language.EN, message_id="<kb-3@shop.example>", automatic=True)

"""Mail that must never get an automatic answer, and ordinary customer mail that must."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from api.mailbox.guards import automatic_reason
from api.mailbox.incoming import read_mail

OWN = ("support@shop.example", "Help@Shop.example")
QUESTIONS = {
    "en": ("Emma Clarke <emma@example.com>", "Refund",
           "I sent the jacket back two weeks ago. When will I get my money?"),
    "ja": ("山田 花子 <hanako@example.jp>", "ログインできません",
           "パスワードを変えたのに、ログインできなくなりました。"),
    "zh": ("李娜 <lina@example.cn>", "包裹还没到", "我的包裹已经一周没有物流更新了，能帮我查一下吗？"),
    "lt": ("Rūta Petrauskienė <ruta@example.lt>", "Pinigų grąžinimas",
           "Grąžinau batus prieš savaitę. Kada gausiu pinigus?"),
}


def mail_bytes(sender: str = "Emma Clarke <emma@example.com>", subject: str = "Refund",
               body: str = "When will I get my money back?", **headers: str) -> bytes:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = "support@shop.example"
    mail["Subject"] = subject
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_ordinary_customer_mail_is_answered(language):
    sender, subject, body = QUESTIONS[language]
    assert automatic_reason(read_mail(mail_bytes(sender, subject, body)), OWN) is None


@pytest.mark.parametrize("headers", [
    {"Auto_Submitted": "no"},
    {"Auto_Submitted": "No"},
    {"Precedence": "first-class"},
    {"X_Auto_Response_Suppress": "DR, RN, NRN"},  # Outlook asks for no receipts: still a person's mail
    {"Return_Path": "<emma@example.com>"},
])
def test_headers_of_a_persons_mail_do_not_skip_it(headers):
    assert automatic_reason(read_mail(mail_bytes(**headers)), OWN) is None


@pytest.mark.parametrize(("headers", "reason"), [
    ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
    ({"Auto_Submitted": "Auto-Generated"}, "Auto-Submitted: auto-generated"),
    ({"Auto_Submitted": "auto-notified; owner-email=ops@example.com"},
     "Auto-Submitted: auto-notified; owner-email=ops@example.com"),
    ({"Precedence": "bulk"}, "Precedence: bulk"),
    ({"Precedence": "List"}, "Precedence: list"),
    ({"Precedence": "junk"}, "Precedence: junk"),
    ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
    ({"List_Id": "Shop news <news.shop.example>"}, "mailing list (List-Id)"),
    ({"List_Unsubscribe": "<mailto:leave@news.example>"}, "mailing list (List-Unsubscribe)"),
    ({"List_Post": "<mailto:forum@lists.example>"}, "mailing list (List-Post)"),
    ({"Return_Path": "<>"}, "a bounce (empty Return-Path)"),
    ({"X_Autoreply": "yes"}, "auto-reply header X-Autoreply"),
    ({"X_Autorespond": "Out of office"}, "auto-reply header X-Autorespond"),
    ({"X_Auto_Response_Suppress": "All"}, "auto-reply header X-Auto-Response-Suppress"),
    ({"X_Auto_Response_Suppress": "OOF"}, "auto-reply header X-Auto-Response-Suppress"),
    ({"X_Loop": "support@shop.example"}, "auto-reply header X-Loop"),
])
def test_machine_mail_is_skipped_with_its_reason(headers, reason):
    assert automatic_reason(read_mail(mail_bytes(**headers)), OWN) == reason


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.jp", "no-reply@example.cn",
                                    "noreply@example.com", "No_Reply@example.lt", "DoNotReply@example.com",
                                    "do-not-reply@example.com", "noreply+orders@example.com"])
def test_automated_senders_are_skipped(sender):
    assert automatic_reason(read_mail(mail_bytes(f"Shop <{sender}>")), OWN) == f"automated sender {sender.lower()}"


def test_a_reply_to_a_no_reply_address_is_skipped():
    mail = read_mail(mail_bytes("Shop <orders@example.com>", Reply_To="noreply@example.com"))
    assert automatic_reason(mail, OWN) == "automated sender noreply@example.com"


def test_a_name_like_noreply_in_the_domain_is_no_automated_sender():
    assert automatic_reason(read_mail(mail_bytes("Ann <ann@noreply-consulting.example>")), OWN) is None


@pytest.mark.parametrize("sender", ["support@shop.example", "SUPPORT@shop.example", "help@shop.example"])
def test_our_own_mail_is_skipped(sender):
    assert automatic_reason(read_mail(mail_bytes(f"Shop support <{sender}>")), OWN) == (
        f"sent from our own address {sender.lower()}")


def test_a_reply_to_our_own_address_is_skipped():
    mail = read_mail(mail_bytes(Reply_To="support@shop.example"))
    assert automatic_reason(mail, OWN) == "Reply-To is our own address support@shop.example"


def test_a_mail_without_a_sender_is_skipped():
    mail = EmailMessage()
    mail["To"] = "support@shop.example"
    mail["Subject"] = "Where is my parcel?"
    mail.set_content("Order 10442 has not arrived.")
    assert automatic_reason(read_mail(mail.as_bytes()), OWN) == "no sender address"

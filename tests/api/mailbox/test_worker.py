"""The mailbox worker end to end, in process, on the real Dovecot and SMTP server: one poll answers, drafts
or skips each message once, and marks it in IMAP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from api.mailbox.worker import MailboxWorker
from kb.stores import MailState
from tests.api.mailbox.mailboxes import customer_mail
from tests.mailservers import SmtpSink


def poll(services, box, mailbox) -> dict[str, int]:
    return asyncio.run(MailboxWorker(services, box).poll_once("demo", mailbox.name)).outcomes


def test_a_confident_question_is_answered_by_smtp_within_one_poll_threaded(mail_services, box, mailbox):
    raw, message_id = customer_mail("Hello,\n\nI forgot my password and cannot log in. How can I reset it?\n\n"
                                    "Best regards,\nAnn", "Cannot log in")
    mailbox.deliver(raw)
    assert poll(mail_services, box, mailbox) == {"sent": 1}
    [reply] = mailbox.replies_to(message_id)
    assert reply["Subject"] == "Re: Cannot log in" and reply["References"] == message_id
    assert reply["To"].addresses[0].addr_spec == "ann@customer.example"
    assert reply["From"].addresses[0].addr_spec == "support@example.com"
    assert reply["Auto-Submitted"] == "auto-replied" and reply["Content-Language"] == "en"
    text, html = (reply.get_body((kind,)).get_content() for kind in ("plain", "html"))
    assert "Ann" in text and "password" in text.lower() and "<p>" in html
    record = mail_services.store.mail_messages.get("demo", mailbox.name, message_id)
    assert record.state is MailState.SENT and record.reply_id == reply["Message-ID"]
    [(_, flags)] = mailbox.folder("done")
    assert {"KbHandled", "KbSent"} <= flags and mailbox.folder("inbox") == []
    assert poll(mail_services, box, mailbox) == {}  # handled mail is never read again
    assert len(mailbox.replies_to(message_id)) == 1


def test_two_questions_get_one_reply_answering_both(mail_services, box, mailbox):
    raw, message_id = customer_mail("Hi,\n\nI need an invoice for order 4411 for my company's accounts.\n\n"
                                    "And separately: how can I change the delivery address of my order?\n\nThanks,\n"
                                    "Ann", "Invoice and address")
    mailbox.deliver(raw)
    assert poll(mail_services, box, mailbox) == {"sent": 1}
    [reply] = mailbox.replies_to(message_id)
    text = reply.get_body(("plain",)).get_content().lower()
    assert "invoice" in text and "address" in text


def test_an_unanswerable_mail_becomes_a_threaded_draft_and_nothing_is_sent(mail_services, box, mailbox):
    raw, message_id = customer_mail("Hello, what will the weather be like in Kaunas tomorrow?", "Weather")
    mailbox.deliver(raw)
    assert poll(mail_services, box, mailbox) == {"drafted": 1}
    assert mailbox.replies_to(message_id) == []
    [(draft, flags)] = mailbox.folder("drafts")
    assert "\\Draft" in flags and draft["In-Reply-To"] == message_id and draft["Auto-Submitted"] is None
    record = mail_services.store.mail_messages.get("demo", mailbox.name, message_id)
    assert record.state is MailState.DRAFTED and "handed over" in record.reason


def test_policy_draft_never_sends_even_a_sure_answer(mail_services, box, draft_mailbox):
    raw, message_id = customer_mail("I forgot my password. How do I reset it?", "Password")
    draft_mailbox.deliver(raw)
    assert poll(mail_services, box, draft_mailbox) == {"drafted": 1}
    assert draft_mailbox.replies_to(message_id) == []
    [(draft, _)] = draft_mailbox.folder("drafts")
    assert "password" in draft.get_body(("plain",)).get_content().lower()


def test_auto_replies_lists_and_our_own_mail_are_skipped_and_left_in_the_inbox(mail_services, box, mailbox):
    question = "I forgot my password. How do I reset it?"
    mails = [customer_mail(question, "Out of office", Auto_Submitted="auto-replied"),
             customer_mail(question, "[list] digest", List_Id="<customers.lists.example>"),
             customer_mail(question, "Bulk", Precedence="bulk"),
             customer_mail(question, "Bounce", sender="MAILER-DAEMON@mx.example"),
             customer_mail(question, "Loop", sender="Acme Support <support@example.com>")]
    for raw, _ in mails:
        mailbox.deliver(raw)
    assert poll(mail_services, box, mailbox) == {"skipped": 5}
    assert all(mailbox.replies_to(message_id) == [] for _, message_id in mails) and mailbox.folder("drafts") == []
    assert all({"KbHandled", "KbSkipped"} <= flags for _, flags in mailbox.folder("inbox"))
    reasons = {mail_services.store.mail_messages.get("demo", mailbox.name, message_id).reason
               for _, message_id in mails}
    assert any("Auto-Submitted" in reason for reason in reasons) and any("List-Id" in reason for reason in reasons)


def test_a_sender_over_the_reply_budget_is_skipped(mail_services, box, make_mailbox):
    mailbox = make_mailbox(sender_budget_per_day=2)
    mails = [customer_mail(f"Question {number}: how do I reset my password?", f"Password {number}")
             for number in range(3)]
    for raw, _ in mails:
        mailbox.deliver(raw)
    assert poll(mail_services, box, mailbox) == {"sent": 2, "skipped": 1}
    record = mail_services.store.mail_messages.get("demo", mailbox.name, mails[2][1])
    assert record.state is MailState.SKIPPED and "budget" in record.reason


def test_japanese_chinese_and_lithuanian_mail_in_their_own_charsets_are_answered_in_their_language(
        mail_services, box, mailbox):
    mails = {
        "ja": customer_mail("こんにちは。パスワードを忘れてしまい、ログインできません。どうすればリセットできますか？",
                            "ログインできません", sender="山田 花子 <hanako@customer.example>", charset="iso-2022-jp"),
        "zh": customer_mail("你好，我上周把鞋子寄回去了，什么时候能退款？", "退款", sender="王芳 <wang@customer.example>",
                            charset="gb2312"),
        "lt": customer_mail("Sveiki, pamiršau slaptažodį ir negaliu prisijungti. Kaip jį atkurti?", "Slaptažodis",
                            sender="Rūta Žukauskienė <ruta@customer.example>", charset="windows-1257"),
    }
    for raw, _ in mails.values():
        mailbox.deliver(raw)
    assert poll(mail_services, box, mailbox) == {"sent": 3}
    subjects = {"ja": "Re: ログインできません", "zh": "回复：退款", "lt": "ATS: Slaptažodis"}
    for language, (_, message_id) in mails.items():
        [reply] = mailbox.replies_to(message_id)
        assert reply["Content-Language"] == language and reply["Subject"] == subjects[language]
    ja_reply = mailbox.replies_to(mails["ja"][1])[0].get_body(("plain",)).get_content()
    assert "山田" in ja_reply and "パスワード" in ja_reply


def test_mail_handled_before_a_crash_is_only_marked_and_a_reply_being_sent_is_never_sent_again(
        mail_services, box, mailbox):
    sent_raw, sent_id = customer_mail("How do I reset my password?", "Password")
    sending_raw, sending_id = customer_mail("When will I get my refund?", "Refund")
    messages = mail_services.store.mail_messages
    for raw, message_id, state in ((sent_raw, sent_id, MailState.SENT), (sending_raw, sending_id, MailState.SENDING)):
        mailbox.deliver(raw)
        messages.claim("demo", mailbox.name, message_id, "ann@customer.example")
        messages.mark("demo", mailbox.name, message_id, state, reply_id="<kb-earlier@example.com>")
    assert poll(mail_services, box, mailbox) == {"finished": 1, "set_aside": 1}
    assert mailbox.replies_to(sent_id) == [] and mailbox.replies_to(sending_id) == []
    assert messages.get("demo", mailbox.name, sending_id).state is MailState.SET_ASIDE
    [(_, flags)] = mailbox.folder("inbox")  # set aside for an agent, in the inbox
    assert "KbSetAside" in flags


def test_a_refused_send_is_retried_later_and_set_aside_after_max_attempts(mail_services, box, make_mailbox,
                                                                           smtp_sink):
    mailbox = make_mailbox(max_attempts=2)
    raw, message_id = customer_mail("How do I reset my password?", "Password")
    mailbox.deliver(raw)
    messages = mail_services.store.mail_messages
    smtp_sink.refuse(True)
    try:
        assert poll(mail_services, box, mailbox) == {"failed": 1}
        record = messages.get("demo", mailbox.name, message_id)
        assert record.state is MailState.FAILED and "451" in record.reason and record.retry_at > datetime.now(UTC)
        assert poll(mail_services, box, mailbox) == {}  # not due yet
        messages.mark("demo", mailbox.name, message_id, MailState.FAILED, "451", retry_at=datetime.now(UTC)
                      - timedelta(seconds=1))
        assert poll(mail_services, box, mailbox) == {"set_aside": 1}
    finally:
        smtp_sink.refuse(False)
    assert mailbox.replies_to(message_id) == []
    assert messages.get("demo", mailbox.name, message_id).attempts == 2


def test_a_refused_send_goes_out_once_when_the_server_takes_it_again(mail_services, box, mailbox, smtp_sink):
    raw, message_id = customer_mail("How do I reset my password?", "Password")
    mailbox.deliver(raw)
    smtp_sink.refuse(True)
    try:
        assert poll(mail_services, box, mailbox) == {"failed": 1}
    finally:
        smtp_sink.refuse(False)
    mail_services.store.mail_messages.mark("demo", mailbox.name, message_id, MailState.FAILED, "451",
                                           retry_at=datetime.now(UTC) - timedelta(seconds=1))
    assert poll(mail_services, box, mailbox) == {"sent": 1}
    assert len(mailbox.replies_to(message_id)) == 1


def test_the_answer_log_counts_mailbox_answers_under_channel_email(mail_services, box, mailbox):
    raw, message_id = customer_mail("How do I reset my password?", "Password")
    mailbox.deliver(raw)
    poll(mail_services, box, mailbox)
    record = mail_services.store.mail_messages.get("demo", mailbox.name, message_id)
    mail_services.answer_log.flush()
    rows = mail_services.store.answers.rows("demo", datetime.now(UTC) - timedelta(minutes=5),
                                            datetime.now(UTC) + timedelta(minutes=1))
    [row] = [row for row in rows if row.answer_id == record.answer_id]
    assert row.channel == "email" and row.answered


def test_the_admin_api_shows_what_the_worker_did(mail_services, box, mailbox, client):
    mails = [customer_mail("How do I reset my password?", "Password"),
             customer_mail("What is the weather like in Kaunas?", "Weather"),
             customer_mail("How do I reset my password?", "Away", Auto_Submitted="auto-replied")]
    for raw, _ in mails:
        mailbox.deliver(raw)
    poll(mail_services, box, mailbox)
    shown = client.get(f"/v1/mailboxes/{mailbox.name}?recent=5").json()
    assert shown["status"]["messages"] == {"sent": 1, "drafted": 1, "skipped": 1}
    assert shown["status"]["last_poll_at"] is not None and shown["status"]["last_error"] is None
    states = {entry["message_id"]: (entry["state"], entry["reason"]) for entry in shown["recent"]}
    assert states[mails[0][1]][0] == "sent" and states[mails[1][1]][0] == "drafted"
    assert states[mails[2][1]] == ("skipped", "Auto-Submitted: auto-replied")
    before = client.get("/v1/analytics/summary?channel=email").json()["mailbox"]
    mailbox.deliver(customer_mail("When will I get my refund?", "Refund")[0])
    poll(mail_services, box, mailbox)
    summary = client.get("/v1/analytics/summary?channel=email").json()
    assert summary["mailbox"]["sent"] == before["sent"] + 1
    assert client.get("/v1/analytics/summary?channel=chat").json()["mailbox"] == {}


def test_a_message_that_cannot_be_read_is_set_aside_after_max_attempts(mail_services, box, make_mailbox):
    mailbox = make_mailbox(max_attempts=1)
    mailbox.deliver(b"\r\n\r\n")  # no header, no body: nothing a mail program would show
    assert poll(mail_services, box, mailbox) == {"set_aside": 1}
    [record] = mail_services.store.mail_messages.recent("demo", mailbox.name)
    assert record.state is MailState.SET_ASIDE and "no readable headers" in record.reason
    [(_, flags)] = mailbox.folder("inbox")
    assert "KbSetAside" in flags


class DroppingSink(SmtpSink):
    """An SMTP server that takes a message, then drops the connection before saying so."""

    async def handle_DATA(self, server, session, envelope) -> str:
        await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return "250 2.0.0 OK"


def test_a_connection_lost_mid_send_is_never_sent_again(mail_services, box, make_mailbox):
    with DroppingSink() as sink:
        mailbox = make_mailbox(smtp={"host": sink.host, "port": sink.port, "security": "none"})
        raw, message_id = customer_mail("How do I reset my password?", "Password")
        mailbox.deliver(raw)
        assert poll(mail_services, box, mailbox) == {"set_aside": 1}
        record = mail_services.store.mail_messages.get("demo", mailbox.name, message_id)
        assert "may have gone out" in record.reason and len(sink.messages()) == 1
        assert poll(mail_services, box, mailbox) == {}
        assert len(sink.messages()) == 1

"""The mail servers of the mailbox tests (tests/mailservers.py) are real: Dovecot stores, flags, pushes and
keeps mail over a restart; the SMTP server keeps what smtplib sends and refuses when told to."""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, LoginError

from tests.mailservers import Dovecot, SmtpSink, require_dovecot

SUPPORT = "support@example.com"
OTHER = "other@example.com"


@pytest.fixture(scope="module")
def dovecot():
    require_dovecot()
    with Dovecot({SUPPORT: "Lantern-Orchard-29", OTHER: "Pebble-Canyon-63"}) as server:
        yield server


def mail(sender: str, recipient: str, subject: str, text: str) -> bytes:
    """A raw RFC 5322 message (CRLF line ends) in UTF-8."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(text)
    return bytes(message)


JAPANESE = mail("佐藤 花子 <hanako@customer.example>", SUPPORT, "注文した商品がまだ届きません",
                "お世話になっております。\n先週注文したコーヒー豆がまだ届いていません。\n配送状況を教えていただけますか。\n")
CHINESE = mail("王伟 <wangwei@customer.example>", SUPPORT, "发票抬头填错了",
               "您好，我上周下单时把发票抬头写错了，请问还能修改吗？\n")
LITHUANIAN = mail("Ona Kazlauskienė <ona@customer.example>", SUPPORT, "Dėl užsakymo pristatymo",
                  "Laba diena,\nar galėčiau pakeisti pristatymo adresą? Užsakymas dar neišsiųstas.\nAčiū!\n")
ENGLISH = mail("Tom Baker <tom@customer.example>", SUPPORT, "Refund for a damaged kettle",
               "Hi,\nthe kettle I ordered arrived with a cracked lid. Could I get a refund or a replacement?\n"
               "Thanks,\nTom\n")


def test_appended_mail_reads_back_byte_for_byte_unseen(dovecot):
    uid = dovecot.deliver(SUPPORT, JAPANESE)
    stored = dovecot.messages(SUPPORT)
    assert stored[-1][0] == JAPANESE
    assert "\\Seen" not in stored[-1][1]
    client = dovecot.connect(SUPPORT)
    try:
        client.select_folder("INBOX", readonly=True)
        assert uid in client.search(["SUBJECT", "注文した商品"], charset="UTF-8")
    finally:
        client.logout()


def test_users_have_their_own_mail(dovecot):
    dovecot.deliver(SUPPORT, ENGLISH)
    assert ENGLISH in [raw for raw, _ in dovecot.messages(SUPPORT)]
    assert ENGLISH not in [raw for raw, _ in dovecot.messages(OTHER)]


def test_folders_exist_subscribed_with_drafts_marked(dovecot):
    client = dovecot.connect(OTHER)
    try:
        subscribed = {name: flags for flags, _, name in client.list_sub_folders()}
    finally:
        client.logout()
    assert set(subscribed) == {"INBOX", "Drafts", "Done"}
    assert b"\\Drafts" in subscribed["Drafts"]


def test_flags_and_keywords_set_by_a_client_are_seen(dovecot):
    uid = dovecot.deliver(OTHER, CHINESE, folder="Drafts")
    client = dovecot.connect(OTHER)
    try:
        client.select_folder("Drafts")
        client.add_flags([uid], [b"\\Draft", b"$KbHandled"])
    finally:
        client.logout()
    assert dovecot.messages(OTHER, "Drafts")[-1] == (CHINESE, {"\\Draft", "$KbHandled"})


@pytest.mark.parametrize("user, password", [(SUPPORT, "Lantern-Orchard-30"), (SUPPORT, "Pebble-Canyon-63"),
                                            ("nobody@example.com", "Lantern-Orchard-29")])
def test_a_wrong_login_is_refused(dovecot, user, password):
    client = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    try:
        with pytest.raises(LoginError):
            client.login(user, password)
    finally:
        client.shutdown()


def test_idle_is_offered_and_pushes_new_mail(dovecot):
    client = dovecot.connect(OTHER)
    try:
        assert b"IDLE" in client.capabilities()
        client.select_folder("INBOX")
        client.idle()
        dovecot.deliver(OTHER, JAPANESE)
        pushed = client.idle_check(timeout=10)
        client.idle_done()
    finally:
        client.logout()
    assert any(response[1:] == (b"EXISTS",) for response in pushed), pushed


def test_restart_keeps_the_port_and_the_mail_and_drops_clients(dovecot):
    uid = dovecot.deliver(SUPPORT, CHINESE)
    port = dovecot.port
    connected = dovecot.connect(SUPPORT)
    dovecot.restart()
    with pytest.raises(IMAPClientAbortError):
        connected.noop()
    assert dovecot.port == port
    assert dovecot.messages(SUPPORT)[-1][0] == CHINESE
    client = dovecot.connect(SUPPORT)
    try:
        client.select_folder("INBOX", readonly=True)
        assert uid in client.search("ALL")
    finally:
        client.logout()


def test_a_message_sent_with_smtplib_arrives_whole():
    with SmtpSink() as sink, smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
        client.sendmail(SUPPORT, ["ona@customer.example", "archive@example.com"], LITHUANIAN)
        received = sink.wait_for(1, timeout=10)
    assert [(message.sender, message.recipients, message.raw) for message in received] == \
        [(SUPPORT, ["ona@customer.example", "archive@example.com"], LITHUANIAN)]


def test_refusing_gives_smtplib_a_temporary_error_and_keeps_nothing():
    with SmtpSink() as sink, smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
        sink.refuse(True)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail(SUPPORT, ["tom@customer.example"], ENGLISH)
        assert refused.value.smtp_code == 451
        assert sink.messages() == []
        sink.refuse(False)
        client.sendmail(SUPPORT, ["tom@customer.example"], ENGLISH)
        assert len(sink.wait_for(1, timeout=10)) == 1


def test_with_users_a_login_is_required_and_checked():
    with SmtpSink({SUPPORT: "Copper-Lagoon-15"}) as sink, smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPDataError, match="Authentication required"):
            client.sendmail(SUPPORT, ["ona@customer.example"], LITHUANIAN)
        assert sink.messages() == []
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login(SUPPORT, "Copper-Lagoon-16")
        client.login(SUPPORT, "Copper-Lagoon-15")
        client.sendmail(SUPPORT, ["ona@customer.example"], LITHUANIAN)
        assert sink.wait_for(1, timeout=10)[0].raw == LITHUANIAN


def test_waiting_for_more_than_arrived_times_out():
    with SmtpSink() as sink, pytest.raises(TimeoutError):
        sink.wait_for(1, timeout=0.1)

"""The mailbox worker as it runs in production, ``python -m api.mailbox`` processes, on the real Dovecot and
SMTP server: killed mid-send, two on one mailbox, and the IMAP server restarted under it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from indexer.settings import PROJECT_ROOT
from kb.stores import MailState
from tests.api.mailbox.mailboxes import customer_mail, parsed
from tests.helpers import server_env, wait_for
from tests.mailservers import SmtpSink

LEASE_S = "4"  # a dead worker's mailboxes are taken over within seconds
SERVING_LEASE_S = "30"


class Worker:
    """A ``python -m api.mailbox`` process on the session's store and index; its log in ``log_path``."""

    def __init__(self, settings, log_path: Path, lease_s: str = LEASE_S):
        env = {**os.environ, **server_env(settings), "KB_LOG_LEVEL": "INFO"}
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "api.mailbox", "--lease", lease_s], cwd=PROJECT_ROOT,
                                            env=env, stderr=log)
        self.log_path = log_path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_worker(settings, tmp_path):
    workers: list[Worker] = []

    def start(lease_s: str = LEASE_S) -> Worker:
        workers.append(Worker(settings, tmp_path / f"worker-{len(workers)}.log", lease_s))
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()


class KillingSink(SmtpSink):
    """An SMTP server that kills a worker process the moment it has received its message, before answering
    250: the reply went out, and the worker never learns it."""

    victim: subprocess.Popen | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if self.victim is not None and self.victim.poll() is None:
            os.kill(self.victim.pid, signal.SIGKILL)
            self.victim.wait()
        return answer


def test_a_worker_killed_between_send_and_flag_does_not_send_again_after_restart(
        mail_services, box, dovecot, make_mailbox, start_worker):
    with KillingSink() as sink:
        mailbox = make_mailbox(smtp={"host": sink.host, "port": sink.port, "security": "none"})
        raw, message_id = customer_mail("Hello, I forgot my password. How do I reset it?", "Password")
        first = start_worker()
        sink.victim = first.process
        mailbox.deliver(raw)
        wait_for(lambda: first.process.poll() is not None, "the worker was not killed on sending", 120)
        assert len(sink.messages()) == 1  # the reply went out
        messages = mail_services.store.mail_messages
        assert messages.get("demo", mailbox.name, message_id).state is MailState.SENDING
        sink.victim = None
        second = start_worker()
        wait_for(lambda: messages.get("demo", mailbox.name, message_id).state is MailState.SET_ASIDE,
                 "the restarted worker did not set the half-sent message aside", 120)
        second.stop()
        assert len(sink.messages()) == 1  # and it was never sent a second time
        [(_, flags)] = mailbox.folder("inbox")
        assert "KbSetAside" in flags


def test_two_workers_on_one_mailbox_never_both_answer_a_message(mail_services, dovecot, smtp_sink, make_mailbox,
                                                                 start_worker):
    mailbox = make_mailbox()
    # a lease longer than any one answer takes on a busy machine: a lapse would let the other worker take over
    workers = [start_worker(SERVING_LEASE_S), start_worker(SERVING_LEASE_S)]
    mails = [customer_mail(f"Hello, order {number}: how do I reset my password?", f"Password {number}",
                           sender=f"Customer {number} <c{number}@customer.example>") for number in range(6)]
    for raw, _ in mails:
        mailbox.deliver(raw)
    wait_for(lambda: all(mailbox.replies_to(message_id) for _, message_id in mails),
             "not every message was answered", 180)
    for worker in workers:
        worker.stop()
    replied = Counter(parsed(received)["In-Reply-To"] for received in smtp_sink.messages())
    assert all(replied[message_id] == 1 for _, message_id in mails)
    serving = [worker for worker in workers if f"serving mailbox demo/{mailbox.name}" in worker.log()]
    assert len(serving) == 1  # one worker held the lease throughout


def test_the_imap_server_restarted_mid_run_loses_nothing_and_sends_nothing_twice(
        mail_services, dovecot, smtp_sink, make_mailbox, start_worker):
    mailbox = make_mailbox()
    before, after = ([customer_mail(f"Hi, question {part}{number}: when do I get my refund?", f"Refund {part}{number}",
                                    sender=f"Customer {part}{number} <{part}{number}@customer.example>")
                      for number in range(3)] for part in "ab")
    worker = start_worker()
    for raw, _ in before:
        mailbox.deliver(raw)
    wait_for(lambda: all(mailbox.replies_to(message_id) for _, message_id in before), "the first mail went "
             "unanswered", 180)
    dovecot.stop()
    wait_for(lambda: mail_services.store.mailboxes.status("demo", mailbox.name).last_error is not None,
             "the worker did not notice the IMAP server was gone", 60)
    dovecot.start()
    for raw, _ in after:
        mailbox.deliver(raw)
    wait_for(lambda: all(mailbox.replies_to(message_id) for _, message_id in after),
             "mail delivered after the restart went unanswered", 180)
    worker.stop()
    replied = Counter(parsed(received)["In-Reply-To"] for received in smtp_sink.messages())
    assert all(replied[message_id] == 1 for _, message_id in before + after)
    assert len(mailbox.folder("done")) == 6 and mailbox.folder("inbox") == []

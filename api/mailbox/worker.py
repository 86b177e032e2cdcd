"""The mailbox worker: serves every mailbox it can lease, answering each new message once.

One process serves many mailboxes, one task each; several processes may run, and a lease in the store
gives each mailbox to one of them at a time (renewed while it serves; taken over when a worker stops or
dies). Per new message, in order:

1. read the raw mail (:mod:`api.mailbox.incoming`) and claim its record in the store by Message-ID;
2. skip what must never get an automatic answer (:mod:`api.mailbox.guards`), and senders over their
   reply budget;
3. answer it through the answer pipeline (channel ``email``), decide (:mod:`api.autosend`);
4. send: record ``sending`` in the store, then SMTP, then ``sent`` — or draft: append to the drafts folder;
5. mark it handled in IMAP (a keyword; moved to the done folder when configured).

A message whose record says ``sending`` when it is seen again was being sent when a worker stopped: it is
never sent again; it is set aside for an agent. A failure is retried with backoff, and set aside after
the mailbox's ``max_attempts``. A server that is down is retried with backoff; nothing stops the mailbox.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from api import pipeline
from api.autosend import decide
from api.mailbox.config import MailboxSettings, Policy
from api.mailbox.connection import MailServerError, open_imap, open_smtp
from api.mailbox.guards import automatic_reason
from api.mailbox.inbox import Inbox
from api.mailbox.incoming import IncomingMail, UnreadableMail, content_message_id, read_mail
from api.mailbox.outgoing import build_reply, reply_message_id
from api.secrets import PasswordBox, SecretsKeyError
from api.services import AnswerService
from kb.compose import ReplyContext
from kb.filters import ArticleFilter
from kb.formats import ReplyFormat, render
from kb.language import UnsupportedLanguageError
from kb.models import Channel
from kb.reading import EmptyMessageError
from kb.stores import MailState

log = logging.getLogger("kb_mailbox")

DONE = {MailState.SENT: "sent", MailState.DRAFTED: "drafted", MailState.SKIPPED: "skipped",
        MailState.SET_ASIDE: "set_aside"}
RETRY_BASE_S = 30.0  # a failed message is tried again after 30 s, 60 s, 120 s, ... (at most an hour)
RETRY_MAX_S = 3600.0
RECONNECT_MAX_S = 60.0  # a server that is down is tried again after 1 s, 2 s, 4 s, ... (at most a minute)
SMTP_REFUSALS = (MailServerError,)
FETCH_BATCH = 20  # messages fetched from the server at a time  # the server refused before accepting the message: nothing was sent


@dataclass
class PollReport:
    """What one pass over a mailbox's new mail did, by outcome (``sent``, ``drafted``, ``skipped``,
    ``set_aside``, ``failed``, ``finished`` for mail handled before and only marked now)."""

    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class MailboxWorker:
    """Serves the mailboxes of every tenant in the service's store.

    Args:
        services: the loaded answer service (model, store, tenants).
        box: decrypts the mailboxes' passwords.
        holder: this worker's name in the leases (host, process and a random part by default).
        lease_s: how long a lease lasts unless renewed (renewed every third of it).
        max_mailboxes: most mailboxes this process serves at once.
    """

    def __init__(self, services: AnswerService, box: PasswordBox, holder: str | None = None, lease_s: float = 60.0,
                 max_mailboxes: int = 50):
        self.services = services
        self.store = services.store
        self.box = box
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_s = lease_s
        self.max_mailboxes = max_mailboxes

    async def run(self, stop: asyncio.Event) -> None:
        """Serve mailboxes until ``stop`` is set: look for mailboxes to take every third of a lease, serve
        each taken one in its own task, and give the leases up on the way out."""
        served: dict[tuple[str, str], asyncio.Task] = {}
        try:
            while not stop.is_set():
                for key, task in list(served.items()):
                    if task.done():
                        del served[key]
                try:
                    mailboxes = await asyncio.to_thread(self.store.mailboxes.list)
                except Exception as error:  # the store down: try again on the next round
                    log.warning("cannot list the mailboxes (retrying): %s", error)
                    mailboxes = []
                for mailbox in mailboxes:
                    key = (mailbox.tenant, mailbox.name)
                    if key in served or len(served) >= self.max_mailboxes:
                        continue
                    if mailbox.document.get("policy") == Policy.OFF.value:
                        continue
                    if await asyncio.to_thread(self.store.mailboxes.take_lease, *key, self.holder, self.lease_s):
                        log.info("serving mailbox %s/%s", *key)
                        served[key] = asyncio.create_task(self.serve(*key, stop), name=f"mailbox {key[0]}/{key[1]}")
                await _wait(stop, self.lease_s / 3)
        finally:
            for task in served.values():
                task.cancel()
            await asyncio.gather(*served.values(), return_exceptions=True)

    async def serve(self, tenant: str, name: str, stop: asyncio.Event) -> None:
        """Serve one mailbox while this worker holds its lease: poll, wait for new mail (IMAP IDLE, or the
        poll interval), renew the lease; reconnect with backoff after a failure; give the lease up at the end."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"imap-{tenant}-{name}")
        inbox: Inbox | None = None
        failures = 0
        try:
            while not stop.is_set():
                stored = await asyncio.to_thread(self.store.mailboxes.get, tenant, name)
                if stored is None or stored.document.get("policy") == Policy.OFF.value:
                    log.info("mailbox %s/%s removed or turned off: no longer served", tenant, name)
                    return
                try:
                    await asyncio.to_thread(self._renew, tenant, name)
                    settings = MailboxSettings.from_document(stored.document, self.box)
                    if inbox is None:
                        inbox = await _call(executor, _open_inbox, settings)
                    report = await self.poll(tenant, name, settings, inbox, executor)
                    await asyncio.to_thread(self.store.mailboxes.record_poll, tenant, name)
                    failures = 0
                    if report.outcomes:  # mail that came in meanwhile was announced during the poll: read it now
                        continue
                    new_mail = await _call(executor, inbox.wait, min(settings.poll_seconds, self.lease_s / 3))
                    if not new_mail and not inbox.can_idle:
                        await _wait(stop, min(settings.poll_seconds, self.lease_s / 3))
                except (asyncio.CancelledError, LeaseLost):
                    raise
                except Exception as error:  # the server down, a refused login, the store: retried with backoff
                    failures += 1
                    delay = min(RECONNECT_MAX_S, 2.0 ** (failures - 1))
                    log.warning("mailbox %s/%s: %s (retrying in %.0f s)", tenant, name, _describe(error), delay)
                    await asyncio.to_thread(_quietly, self.store.mailboxes.record_poll, tenant, name,
                                            _describe(error))
                    if inbox is not None:
                        await _call(executor, inbox.close)
                        inbox = None
                    await _wait(stop, delay)
        except LeaseLost as error:
            log.warning("mailbox %s/%s: %s", tenant, name, error)
        finally:
            if inbox is not None:
                await _call(executor, inbox.close)
            executor.shutdown(wait=False)
            await asyncio.to_thread(_quietly, self.store.mailboxes.release_lease, tenant, name, self.holder)

    async def poll_once(self, tenant: str, name: str) -> PollReport:
        """One pass over a mailbox's new mail on a connection of its own, under its lease (tests, the bench,
        ``--once``).

        Raises:
            MailServerError: the IMAP server could not be used.
            LookupError: no such mailbox.
            LeaseLost: another worker serves the mailbox.
        """
        stored = self.store.mailboxes.get(tenant, name)
        if stored is None:
            raise LookupError(f"tenant '{tenant}' has no mailbox '{name}'")
        settings = MailboxSettings.from_document(stored.document, self.box)
        executor = ThreadPoolExecutor(max_workers=1)
        try:
            self._renew(tenant, name)
            inbox = await _call(executor, _open_inbox, settings)
            try:
                report = await self.poll(tenant, name, settings, inbox, executor)
            finally:
                await _call(executor, inbox.close)
            self.store.mailboxes.record_poll(tenant, name)
            return report
        finally:
            executor.shutdown(wait=False)
            self.store.mailboxes.release_lease(tenant, name, self.holder)

    async def poll(self, tenant: str, name: str, settings: MailboxSettings, inbox: Inbox,
                   executor: ThreadPoolExecutor) -> PollReport:
        """Handle every new message of the inbox, a few fetched at a time, renewing the mailbox's lease
        before each (a long pass never outlives it).

        Raises:
            LeaseLost: another worker took the mailbox over.
        """
        report = PollReport()
        uids = await _call(executor, inbox.new_uids)
        for start in range(0, len(uids), FETCH_BATCH):
            fetched = await _call(executor, inbox.fetch, uids[start:start + FETCH_BATCH])
            for uid, raw in fetched.items():
                await asyncio.to_thread(self._renew, tenant, name)
                outcome = await self.handle(tenant, name, settings, inbox, executor, uid, raw)
                if outcome:
                    report.count(outcome)
        return report

    async def handle(self, tenant: str, name: str, settings: MailboxSettings, inbox: Inbox,
                     executor: ThreadPoolExecutor, uid: int, raw: bytes) -> str | None:
        """Handle one message; returns its outcome, or None when it is not due (a retry waiting)."""
        messages = self.store.mail_messages
        try:
            mail: IncomingMail | None = read_mail(raw)
            message_id = mail.message_id
        except UnreadableMail:
            mail, message_id = None, content_message_id(raw)
        record = await asyncio.to_thread(messages.get, tenant, name, message_id)
        if record is not None and record.state in DONE:  # handled before; only its IMAP marking is missing
            await _call(executor, inbox.finish, uid, DONE[record.state])
            return "finished"
        if record is not None and record.state is MailState.SENDING:
            reason = (f"a worker stopped while sending the reply {record.reply_id}: it may have gone out, so it is "
                      "never sent again; check the sent mail before answering")
            return await self._conclude(tenant, name, inbox, executor, uid, message_id, MailState.SET_ASIDE, reason)
        sender = mail.sender_address if mail else ""
        claimed = await asyncio.to_thread(messages.claim, tenant, name, message_id, sender,
                                          timedelta(seconds=self.lease_s))
        if claimed is None:
            return None
        try:
            if mail is None:
                raise UnreadableMail("the message has no readable headers or body")
            return await self._answer(tenant, name, settings, inbox, executor, uid, mail)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # retried with backoff, set aside after max_attempts
            return await self._failed(tenant, name, settings, inbox, executor, uid, message_id, claimed.attempts,
                                      error)

    async def _answer(self, tenant: str, name: str, settings: MailboxSettings, inbox: Inbox,
                      executor: ThreadPoolExecutor, uid: int, mail: IncomingMail) -> str:
        messages = self.store.mail_messages
        skip = automatic_reason(mail, settings.addresses)
        if skip is None:
            since = datetime.now(UTC) - timedelta(days=1)
            replied = await asyncio.to_thread(messages.replies_to, tenant, name, mail.sender_address, since)
            if replied >= settings.sender_budget_per_day:
                skip = f"the sender's reply budget is spent ({replied} replies in 24 hours)"
        if skip is None:
            answer, skip = await self._pipeline_answer(tenant, settings, mail)
        if skip is not None:
            log.info("mailbox %s/%s: skipped %s: %s", tenant, name, mail.message_id, skip)
            return await self._conclude(tenant, name, inbox, executor, uid, mail.message_id, MailState.SKIPPED, skip)
        decision = decide(answer, settings.policy.value, settings.auto_send_confidence)
        reply_id = reply_message_id(f"{tenant}/{name}/{mail.message_id}", settings.from_address.rpartition("@")[2])
        reply = build_reply(mail, from_address=settings.from_address, from_name=settings.from_name,
                            text=render(answer.text, ReplyFormat.TEXT), html=render(answer.text, ReplyFormat.HTML),
                            language=answer.language, message_id=reply_id, automatic=decision.send)
        if decision.send:
            await asyncio.to_thread(messages.mark, tenant, name, mail.message_id, MailState.SENDING,
                                    decision.reason, answer.answer_id, reply_id)
            try:
                await asyncio.to_thread(_send, settings, reply)
            except SMTP_REFUSALS:  # refused before the message was accepted: nothing went out, retry later
                await asyncio.to_thread(messages.mark, tenant, name, mail.message_id, MailState.RECEIVED,
                                        decision.reason)
                raise
            except Exception as error:  # lost mid-transaction: the reply may have gone out
                reason = (f"the connection to the SMTP server broke while sending the reply {reply_id} "
                          f"({_describe(error)}): it may have gone out, so it is never sent again; check the sent "
                          "mail before answering")
                log.error("mailbox %s/%s: %s %s", tenant, name, mail.message_id, reason)
                return await self._conclude(tenant, name, inbox, executor, uid, mail.message_id,
                                            MailState.SET_ASIDE, reason)
            state = MailState.SENT
        else:
            if not await _call(executor, inbox.has_draft, reply_id):
                await _call(executor, inbox.add_draft, bytes(reply))
            state = MailState.DRAFTED
        log.info("mailbox %s/%s: %s %s (%s)", tenant, name, DONE[state], mail.message_id, decision.reason)
        return await self._conclude(tenant, name, inbox, executor, uid, mail.message_id, state, decision.reason,
                                    answer.answer_id, reply_id)

    def _renew(self, tenant: str, name: str) -> None:
        """Take or renew the mailbox's lease.

        Raises:
            LeaseLost: another worker holds it.
        """
        if not self.store.mailboxes.take_lease(tenant, name, self.holder, self.lease_s):
            raise LeaseLost(f"the lease of mailbox {tenant}/{name} is held by another worker")

    async def _pipeline_answer(self, tenant: str, settings: MailboxSettings, mail: IncomingMail):
        """The pipeline's answer to the mail (channel email, Markdown), or why there is none to give."""
        message = pipeline.Message(
            text=mail.body, channel=Channel.EMAIL, subject=mail.subject or None, html=mail.html,
            reply_format=ReplyFormat.MARKDOWN,
            context=ReplyContext(customer_name=mail.sender_name or None, agent_name=settings.agent_name,
                                 company=settings.company))
        try:
            reading = await asyncio.to_thread(pipeline.read, message, self.services.embedder.cost)
        except (EmptyMessageError, UnsupportedLanguageError) as error:
            return None, f"nothing to answer automatically: {error}"
        # customers get published articles only, inside their validity window
        allowed = ArticleFilter(at=datetime.now(UTC).replace(second=0, microsecond=0))
        answer = await pipeline.answer(self.services, await self.services.open(tenant), message, allowed, reading)
        return answer, None

    async def _failed(self, tenant: str, name: str, settings: MailboxSettings, inbox: Inbox,
                      executor: ThreadPoolExecutor, uid: int, message_id: str, attempts: int,
                      error: Exception) -> str:
        if attempts >= settings.max_attempts:
            reason = f"failed {attempts} times, set aside for an agent; last: {_describe(error)}"
            log.error("mailbox %s/%s: %s %s", tenant, name, message_id, reason)
            return await self._conclude(tenant, name, inbox, executor, uid, message_id, MailState.SET_ASIDE, reason)
        delay = min(RETRY_MAX_S, RETRY_BASE_S * 2 ** (attempts - 1))
        log.warning("mailbox %s/%s: %s failed (attempt %d of %d, retried in %.0f s): %s", tenant, name, message_id,
                    attempts, settings.max_attempts, delay, _describe(error))
        await asyncio.to_thread(self.store.mail_messages.mark, tenant, name, message_id, MailState.FAILED,
                                _describe(error), None, None, datetime.now(UTC) + timedelta(seconds=delay))
        return "failed"

    async def _conclude(self, tenant: str, name: str, inbox: Inbox, executor: ThreadPoolExecutor, uid: int,
                        message_id: str, state: MailState, reason: str, answer_id: str | None = None,
                        reply_id: str | None = None) -> str:
        """Record the message's outcome in the store, then mark it in IMAP (a crash between the two only
        leaves the marking for the next poll)."""
        await asyncio.to_thread(self.store.mail_messages.mark, tenant, name, message_id, state, reason, answer_id,
                                reply_id)
        await _call(executor, inbox.finish, uid, DONE[state])
        return DONE[state]


class LeaseLost(RuntimeError):
    """Another worker holds the mailbox's lease: this one stops serving it."""


def _open_inbox(settings: MailboxSettings) -> Inbox:
    return Inbox(open_imap(settings), settings)


def _send(settings: MailboxSettings, reply) -> None:
    """Send a reply by SMTP; a refusal before the server took the message is a :class:`MailServerError`."""
    import smtplib

    client = open_smtp(settings)
    try:
        try:
            client.send_message(reply)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise MailServerError("smtp", "refused", str(error)) from None
    finally:
        try:
            client.quit()
        except Exception:  # noqa: S110 (the message was accepted; a failing goodbye changes nothing)
            pass


async def _call(executor: ThreadPoolExecutor, function, *args):
    return await asyncio.get_running_loop().run_in_executor(executor, partial(function, *args))


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


def _quietly(function, *args) -> None:
    try:
        function(*args)
    except Exception as error:
        log.warning("could not record the mailbox's state: %s", error)


def _describe(error: BaseException) -> str:
    if isinstance(error, MailServerError | SecretsKeyError | UnreadableMail):
        return str(error)
    return f"{type(error).__name__}: {error}"[:500]

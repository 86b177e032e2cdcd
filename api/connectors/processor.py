"""The connectors' job processor: takes each queued webhook delivery from the store, answers it through the
answer pipeline (channel ``ticket``) and writes the answer back to the help desk, once.

It runs in every API process (several replicas share the queue: a job is taken under a lease by one of them).
Per job: the connector's settings, the delivery as the vendor mapped it (:mod:`api.connectors.vendors`); a
delivery to ignore (an agent's or our own message) is recorded as ignored; else the answer, the decision
(:mod:`api.autosend`: a public reply only under policy ``auto`` and when every concern is sure; a private note
for the agent otherwise, with the draft, its sources and the handoff advice), then ``writing`` is recorded
before the first call to the vendor. A vendor that cannot be reached, or answers 429 or 5xx, before anything
was written is retried with backoff (30 s, 60 s, ... at most an hour) and the job is set aside after
:data:`MAX_ATTEMPTS`; a call that may have been made (a lost connection, a later call of several failing) is
never made again: the job is set aside for a person.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from api import pipeline
from api.autosend import decide
from api.connectors.config import ConnectorPolicy, ConnectorSettings
from api.connectors.notes import agent_note
from api.connectors.vendors import create_vendor
from api.connectors.vendors.base import Delivery, WriteBack
from api.secrets import PasswordBox
from api.services import AnswerService
from kb.compose import ReplyContext
from kb.filters import ArticleFilter
from kb.formats import ReplyFormat, render
from kb.language import UnsupportedLanguageError
from kb.models import Channel
from kb.reading import EmptyMessageError
from kb.stores import ConnectorJob, JobState

log = logging.getLogger("kb_connectors")

MAX_ATTEMPTS = 5
RETRY_BASE_S = 30.0
RETRY_MAX_S = 3600.0
HTTP_TIMEOUT_S = 15.0


class Retry(Exception):
    """The vendor could not take the write-back now, and nothing was written: try again later."""


class SetAside(Exception):
    """The job must not be tried again (a write-back that may have been made, credentials refused)."""


@dataclass(frozen=True)
class Outcome:
    state: JobState
    reason: str


class JobProcessor:
    """Answers the connectors' queued deliveries, one job at a time.

    Args:
        services: the loaded answer service.
        box: decrypts the connectors' secrets.
        lease_s: how long a taken job is this processor's (another takes it over after that).
        idle_s: how long to wait for new jobs when the queue is empty (a receiver wakes it at once).
        retry_base_s: the first retry's delay after a write-back the vendor could not take (doubling after).
    """

    def __init__(self, services: AnswerService, box: PasswordBox, lease_s: float = 60.0, idle_s: float = 1.0,
                 retry_base_s: float = RETRY_BASE_S):
        self.services = services
        self.store = services.store
        self.box = box
        self.lease = timedelta(seconds=lease_s)
        self.idle_s = idle_s
        self.retry_base_s = retry_base_s
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Process jobs until ``stop`` is set; a failure of the store or a bug is logged and the loop goes on."""
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as client:
            while not stop.is_set():
                try:
                    done = await self.process_next(client)
                except Exception:  # the store down, a bug: one job's trouble never stops the queue
                    log.exception("processing a connector job failed (going on)")
                    done = False
                if not done:
                    self.wake.clear()
                    try:
                        await asyncio.wait_for(self.wake.wait(), timeout=self.idle_s)
                    except TimeoutError:
                        pass

    async def process_next(self, client: httpx.AsyncClient) -> bool:
        """Take the next due job and process it; False when there was none."""
        job = await asyncio.to_thread(self.store.connector_jobs.claim, self.lease)
        if job is None:
            return False
        try:
            outcome = await self.process(job, client)
        except Exception as error:  # before anything was written back: retried like a vendor that was down
            log.exception("connector %s/%s: delivery %s failed", job.tenant, job.connector, job.delivery_id)
            outcome = _retried(job, f"{type(error).__name__}: {error}")
        await asyncio.to_thread(self.store.connector_jobs.mark, job, outcome.state, outcome.reason, None,
                                self._retry_at(job) if outcome.state is JobState.FAILED else None)
        log.info("connector %s/%s: delivery %s %s (%s)", job.tenant, job.connector, job.delivery_id,
                 outcome.state.value, outcome.reason)
        return True

    async def process(self, job: ConnectorJob, client: httpx.AsyncClient) -> Outcome:
        """Answer one job and write the answer back; returns what happened (never raises for the job's own
        trouble)."""
        stored = await asyncio.to_thread(self.store.connectors.get, job.tenant, job.connector)
        if stored is None:
            return Outcome(JobState.IGNORED, "the connector was removed")
        settings = ConnectorSettings.from_document(stored.document, self.box)
        delivery = Delivery(**job.payload)
        if settings.policy is ConnectorPolicy.OFF:
            return Outcome(JobState.IGNORED, "policy off")
        if delivery.ignore:
            return Outcome(JobState.IGNORED, delivery.ignore)
        reply = job.reply  # a retry writes back exactly what the first try composed
        if reply is None:
            try:
                reply = await self._reply(job.tenant, settings, delivery)
            except (EmptyMessageError, UnsupportedLanguageError) as error:
                return Outcome(JobState.IGNORED, f"nothing to answer: {error}")
        calls = create_vendor(settings.vendor).write_back(settings.credentials(), delivery, reply["text"],
                                                          reply["html"], public=reply["public"],
                                                          handoff=reply["handoff"])
        await asyncio.to_thread(self.store.connector_jobs.mark, job, JobState.WRITING, reply["reason"],
                                reply["answer_id"], datetime.now(UTC) + self.lease, reply)
        try:
            await _write_back(client, calls)
        except Retry as error:
            return _retried(job, str(error))
        except SetAside as error:
            return Outcome(JobState.SET_ASIDE, str(error))
        except Exception as error:  # mid-write-back: it may have been made, so it is never made again
            return Outcome(JobState.SET_ASIDE, f"{type(error).__name__} while writing back: {error}")
        kind = "a public reply" if reply["public"] else "a private note for the agent"
        return Outcome(JobState.DONE, f"{kind}: {reply['reason']}")

    async def _reply(self, tenant: str, settings: ConnectorSettings, delivery: Delivery) -> dict:
        """Answer the delivery and decide: the public reply, or the private note for the agent, as written back."""
        answer = await self._answer(tenant, settings, delivery)
        decision = decide(answer, settings.policy.value, settings.auto_send_confidence)
        if decision.send:
            text, html = render(answer.text, ReplyFormat.TEXT), render(answer.text, ReplyFormat.HTML)
        else:
            text, html = agent_note(answer)
        return {"text": text, "html": html, "public": decision.send, "handoff": answer.handoff,
                "reason": decision.reason, "answer_id": answer.answer_id}

    def _retry_at(self, job: ConnectorJob) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=min(RETRY_MAX_S, self.retry_base_s * 2 ** (job.attempts - 1)))

    async def _answer(self, tenant: str, settings: ConnectorSettings, delivery: Delivery) -> pipeline.Answer:
        message = pipeline.Message(
            text=delivery.text, channel=Channel.TICKET, subject=delivery.subject, html=delivery.html,
            reply_format=ReplyFormat.MARKDOWN, accept_language=delivery.language,
            context=ReplyContext(customer_name=delivery.requester_name, agent_name=settings.agent_name,
                                 company=settings.company))
        reading = await asyncio.to_thread(pipeline.read, message, self.services.embedder.cost)
        # the ticket's requester sees published articles only, inside their validity window
        allowed = ArticleFilter(at=datetime.now(UTC).replace(second=0, microsecond=0))
        return await pipeline.answer(self.services, await self.services.open(tenant), message, allowed, reading)


def _retried(job: ConnectorJob, reason: str) -> Outcome:
    """A job that failed before anything was written back: tried again later, set aside after MAX_ATTEMPTS."""
    if job.attempts >= MAX_ATTEMPTS:
        return Outcome(JobState.SET_ASIDE, f"failed {job.attempts} times, set aside; last: {reason}")
    return Outcome(JobState.FAILED, reason)


async def _write_back(client: httpx.AsyncClient, calls: list[WriteBack]) -> None:
    """Make the vendor calls in order.

    Raises:
        Retry: the first call could not be made or was refused for now (429, 5xx): nothing was written.
        SetAside: a call may have been made (a lost connection), a later call failed, or the vendor refused
            the request itself (4xx: credentials, a ticket that is gone).
    """
    for number, call in enumerate(calls):
        first = number == 0
        try:
            response = await client.request(call.method, call.url, headers=call.headers, json=call.body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            if first:
                raise Retry(f"{call.method} {call.url}: cannot connect ({type(error).__name__})") from None
            raise SetAside(f"the answer was written, but {call.method} {call.url} could not connect") from None
        except httpx.HTTPError as error:
            raise SetAside(f"{call.method} {call.url}: {type(error).__name__} after sending: it may have been made, "
                           "so it is not made again") from None
        if response.is_success:
            continue
        said = f"{call.method} {call.url}: {response.status_code} {response.text[:200]}"
        if first and (response.status_code == 429 or response.status_code >= 500):
            raise Retry(said)
        raise SetAside(said if first else f"the answer was written, but {said}")

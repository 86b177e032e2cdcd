"""The durable store behind the service: articles, reply templates, API keys, allowed origins, the
answer log and feedback — its records, its errors and the :class:`Store` they are reached through.

The store is the source of truth; the vector and lexical indexes are derived from it and can be
rebuilt from it at any time. One small class per concern (:mod:`kb.stores.articles`, ...), one
engine per file (:mod:`kb.stores.sqlite`, :mod:`kb.stores.postgres`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING

from kb.models import Article

if TYPE_CHECKING:
    from kb.stores.answers import Answers
    from kb.stores.articles import Articles
    from kb.stores.connector_jobs import ConnectorJobs
    from kb.stores.connectors import Connectors
    from kb.stores.keys import Keys
    from kb.stores.links import Links
    from kb.stores.mail_messages import MailMessages
    from kb.stores.mailboxes import Mailboxes
    from kb.stores.origins import Origins
    from kb.stores.question_vectors import QuestionVectors
    from kb.stores.relevance import Relevance
    from kb.stores.templates import Templates


class Scope(str, Enum):
    """What an API key may do."""

    SEARCH = "search"  # search and help-page answers over published articles: safe in a public web page
    ANSWER = "answer"  # answers in every channel, internal articles included
    ADMIN = "admin"  # knowledge-base writes, keys, analytics


class VersionConflict(Exception):
    """A conditional write named a version that is not the current one.

    Args:
        what: what was written, e.g. ``article 'invoice'``.
        current: its current version, None when it does not exist.
    """

    def __init__(self, what: str, current: int | None):
        state = f"its current version is {current}" if current is not None else "it does not exist"
        super().__init__(f"{what} was changed by someone else: {state}")
        self.current = current


class StoreUnavailableError(RuntimeError):
    """The store cannot be reached right now (a database server down or restarting)."""


class UnknownTenantError(LookupError):
    """No tenant with that id."""


# A tenant's name is also its index folder (KB_INDEX_DIR/<tenant>): no dots, slashes or spaces.
TENANT_NAME = r"^[a-z0-9][a-z0-9-]{0,62}$"


class InvalidTenantNameError(ValueError):
    """A tenant name that breaks the rule of :data:`TENANT_NAME`."""


def checked_tenant_name(name: str) -> str:
    """The name, when it is a valid tenant name: 1 to 63 lowercase ASCII letters, digits and hyphens,
    starting with a letter or digit.

    Raises:
        InvalidTenantNameError: it is not.
    """
    if not re.fullmatch(TENANT_NAME, name):
        raise InvalidTenantNameError(f"tenant name {name!r} is not valid: use 1 to 63 lowercase letters (a-z), "
                                     "digits and hyphens, starting with a letter or digit, e.g. 'acme'")
    return name


@dataclass(frozen=True)
class KeyQuota:
    """The most live (not revoked) keys a tenant may hold, and the most of those without a rate limit
    (``rate_per_minute`` 0)."""

    keys: int
    unlimited_keys: int


class KeyQuotaExceeded(ValueError):
    """Creating a key would pass the tenant's :class:`KeyQuota`.

    Args:
        tenant: whose keys.
        limit: the limit reached.
        unlimited: True when it is the limit on keys without a rate limit.
    """

    def __init__(self, tenant: str, limit: int, unlimited: bool):
        kind = "live keys without a rate limit" if unlimited else "live keys"
        super().__init__(f"tenant '{tenant}' has reached its limit of {kind} ({limit}): revoke one first")
        self.limit = limit
        self.unlimited = unlimited


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored: its content, version (1, 2, ... per write), last change, and the number of
    that change in the tenant's change feed (``seq``)."""

    article: Article
    version: int
    updated_at: datetime
    seq: int = 0

    @property
    def is_new(self) -> bool:
        """True for an article's first version: the write that made it created the article (a
        deleted article's record is gone, so writing it again starts at 1)."""
        return self.version == 1


@dataclass(frozen=True)
class ArticleChange:
    """An article's latest write in its tenant's change feed."""

    seq: int  # increases with every article write of the tenant
    article_id: str
    version: int  # the article's version after the write; 0: it was deleted


@dataclass(frozen=True)
class StoredTemplate:
    """A reply template (or the letter frame, ``_frame``) as stored: the mapping of its YAML file."""

    name: str
    document: dict
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class ApiKey:
    """A key's record (never the key itself: only its hash is stored)."""

    id: str
    tenant: str
    scopes: frozenset[Scope]
    name: str
    created_at: datetime
    revoked_at: datetime | None = None
    rate_per_minute: int | None = None  # None: the service's default; 0: unlimited


@dataclass(frozen=True)
class AnswerRecord:
    """One answer given, for analytics; ``query`` is None when query text is not kept."""

    answer_id: str
    tenant: str
    created_at: datetime
    channel: str
    language: str
    answered: bool
    article_id: str | None
    confidence: float
    query: str | None


@dataclass(frozen=True)
class Feedback:
    """A customer's verdict on an answer. ``resolved``: the answer solved it (no ticket needed);
    ``contacted_support``: the customer went on to contact support anyway."""

    answer_id: str
    helpful: bool
    reason: str | None = None
    resolved: bool | None = None
    contacted_support: bool | None = None


class DraftAction(str, Enum):
    """What an agent did with a suggested draft."""

    USED = "used"  # sent as suggested
    EDITED = "edited"  # sent after changing it
    REJECTED = "rejected"  # not used


@dataclass(frozen=True)
class AnswerRow(AnswerRecord):
    """A logged answer with its feedback (None: no feedback, or that part of it not given)."""

    helpful: bool | None = None
    reason: str | None = None
    resolved: bool | None = None
    contacted_support: bool | None = None


@dataclass(frozen=True)
class AnswerCounts:
    """How the answers of one language and channel went in a period."""

    language: str
    channel: str
    answers: int
    answered: int
    feedback: int  # answers with feedback
    helpful: int  # of those, marked helpful
    outcomes: int  # answers whose outcome was reported (resolved or contacted support)
    deflected: int  # of those, resolved without contacting support


@dataclass(frozen=True)
class DailyCounts(AnswerCounts):
    """How the answers of one language and channel went on one day (UTC)."""

    day: date


@dataclass(frozen=True)
class QuestionCounts:
    """The answers to one question, as typed, in a period (only while its text is kept)."""

    query: str
    count: int
    answered: int
    not_helpful: int  # answers marked not helpful
    first_asked: datetime
    last_asked: datetime
    reasons: dict[str, int]  # how often each reason was given in feedback, first given first


@dataclass(frozen=True)
class StoredMailbox:
    """A tenant's support mailbox as stored: its settings document (passwords encrypted by the caller)."""

    tenant: str
    name: str
    document: dict
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class MailboxLease:
    """Which worker serves a mailbox, until when (it renews the lease while it runs)."""

    holder: str
    expires_at: datetime


@dataclass(frozen=True)
class MailboxStatus:
    """How a mailbox is served: its lease, its last good poll and last error, its messages per state."""

    lease: MailboxLease | None
    last_poll_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    messages: dict[str, int]


@dataclass(frozen=True)
class StoredConnector:
    """A tenant's help-desk connector as stored: its settings document (secrets encrypted by the caller)."""

    tenant: str
    id: str
    document: dict
    version: int
    updated_at: datetime


class JobState(str, Enum):
    """Where a connector's job (one webhook delivery) is."""

    QUEUED = "queued"  # received, not yet taken
    RUNNING = "running"  # taken by a worker (until its lease runs out); nothing written back yet
    WRITING = "writing"  # its write-back is being made (written before the call: never made a second time)
    DONE = "done"  # answered on the ticket
    IGNORED = "ignored"  # nothing to answer (an agent's or our own message, not a customer's, ...)
    FAILED = "failed"  # failed; retried at ``retry_at``
    SET_ASIDE = "set_aside"  # failed too often, or a write-back that may have been made: for a person


@dataclass(frozen=True)
class ConnectorJob:
    """One webhook delivery to answer: the vendor's delivery id, the mapped delivery, its state."""

    tenant: str
    connector: str
    delivery_id: str
    payload: dict
    state: JobState
    reason: str | None
    attempts: int
    retry_at: datetime | None
    answer_id: str | None
    created_at: datetime
    updated_at: datetime
    reply: dict | None = None  # what is written back, kept from the first try so a retry writes the same


class MailState(str, Enum):
    """Where a mailbox message is: being handled, or what was done with it."""

    RECEIVED = "received"  # claimed by a worker; nothing sent
    SENDING = "sending"  # its reply is being sent (written before the send: never sent a second time)
    SENT = "sent"  # answered by mail
    DRAFTED = "drafted"  # a draft waits in the drafts folder for an agent
    SKIPPED = "skipped"  # never answered automatically (an auto-reply, a list, over the sender's budget, ...)
    FAILED = "failed"  # handling failed; retried at ``retry_at``
    SET_ASIDE = "set_aside"  # failed too often: left in the inbox for an agent


@dataclass(frozen=True)
class MailRecord:
    """One mailbox message's record: its Message-ID, sender and state, the answer and reply made for it."""

    message_id: str
    sender: str
    state: MailState
    reason: str | None
    attempts: int
    retry_at: datetime | None
    answer_id: str | None
    reply_id: str | None
    created_at: datetime
    updated_at: datetime


def new_key_secret() -> str:
    """A fresh random API key (256 bits)."""
    return "kb_" + secrets.token_urlsafe(32)


def key_hash(secret: str) -> str:
    """What is stored for a key: its SHA-256 (keys are random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Store:
    """The durable store: its tenants, and one small object per concern, where callers read and write
    (``store.articles.put(...)``, ``store.keys.find(...)``):

    * :attr:`articles`: articles, with optimistic concurrency and a change feed (:mod:`kb.stores.articles`);
    * :attr:`templates`: each tenant's own reply templates (:mod:`kb.stores.templates`);
    * :attr:`keys`: API keys (:mod:`kb.stores.keys`);
    * :attr:`origins`: the web origins each tenant allows (:mod:`kb.stores.origins`);
    * :attr:`answers`: the answer log, its feedback and the analytics over them (:mod:`kb.stores.answers`);
    * :attr:`mailboxes`: the support mailboxes' settings, leases and polls (:mod:`kb.stores.mailboxes`);
    * :attr:`mail_messages`: what was done with each mailbox message (:mod:`kb.stores.mail_messages`);
    * :attr:`links`: each tenant's help-centre link pattern for article URLs (:mod:`kb.stores.links`);
    * :attr:`connectors` and :attr:`connector_jobs`: help-desk connectors and their durable job queue
      (:mod:`kb.stores.connectors`, :mod:`kb.stores.connector_jobs`);
    * :attr:`question_vectors`: the vectors of logged question texts, for coverage gaps
      (:mod:`kb.stores.question_vectors`);
    * :attr:`relevance`: each tenant's synonym groups and pins (:mod:`kb.stores.relevance`).
    """

    articles: Articles
    templates: Templates
    keys: Keys
    origins: Origins
    answers: Answers
    mailboxes: Mailboxes
    mail_messages: MailMessages
    links: Links
    connectors: Connectors
    connector_jobs: ConnectorJobs
    question_vectors: QuestionVectors
    relevance: Relevance

    def ensure_tenant(self, tenant: str) -> None:
        """Create the tenant when it does not exist.

        Raises:
            InvalidTenantNameError: ``tenant`` breaks the naming rule (:func:`checked_tenant_name`).
        """
        raise NotImplementedError

    def tenants(self) -> list[str]:
        """Every tenant's name, sorted."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

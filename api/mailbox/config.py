"""A support mailbox's settings: its IMAP and SMTP servers, folders, sender, and the answering policy.

One model checks them wherever they come in (``PUT /v1/mailboxes/{name}``, ``kb-answers mailbox add``). The
store keeps them as a document whose passwords are encrypted (:mod:`api.secrets`); no route ever
returns a password and none is logged.
"""

from __future__ import annotations

from email.utils import parseaddr
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from api.secrets import PasswordBox

MAILBOX_NAME = r"^[a-z0-9][a-z0-9-]{0,62}$"
DEFAULT_AUTO_SEND_CONFIDENCE = 0.6


class Security(str, Enum):
    """How a connection to a mail server is protected."""

    SSL = "ssl"  # TLS from the first byte (IMAPS 993, SMTPS 465)
    STARTTLS = "starttls"  # plain, then upgraded with STARTTLS (IMAP 143, submission 587)
    NONE = "none"  # no TLS: only for a server on this machine or a trusted network


class Policy(str, Enum):
    """What the worker does with a mailbox's messages."""

    AUTO = "auto"  # send when every concern is answered at or above auto_send_confidence, else draft
    DRAFT = "draft"  # always a draft for an agent
    OFF = "off"  # not served


class ServerSettings(BaseModel):
    """An IMAP or SMTP server and the login to it (``password`` None on a change: keep the stored one)."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(..., min_length=1, max_length=253, description="the server's host name or address")
    port: int | None = Field(None, ge=1, le=65535, description="its port; by default the usual one for the protocol "
                                                                "and security (IMAP 993/143, SMTP 465/587)")
    security: Security = Field(Security.SSL, description="ssl, starttls or none")
    user: str = Field(..., min_length=1, max_length=320, description="the login name")
    password: SecretStr | None = Field(None, max_length=1000, description="the login password (or app password); "
                                                                           "never returned; omit to keep the stored one")

    @field_validator("host")
    @classmethod
    def is_host(cls, value: str) -> str:
        value = value.strip()
        if not value or any(char.isspace() or char in "/@:" for char in value):
            raise ValueError("host must be a host name or address without scheme, port or spaces, e.g. "
                             "imap.example.com")
        return value


class SmtpSettings(ServerSettings):
    security: Security = Field(Security.STARTTLS, description="ssl, starttls or none")
    user: str | None = Field(None, max_length=320, description="the login name; the IMAP login's when omitted")


class Folders(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inbox: str = Field("INBOX", min_length=1, max_length=200, description="where customers' mail arrives")
    drafts: str = Field("Drafts", min_length=1, max_length=200, description="where drafts for agents are put "
                                                                             "(Gmail: '[Gmail]/Drafts')")
    done: str | None = Field(None, min_length=1, max_length=200,
                             description="where handled mail is moved; left in the inbox (flagged) when absent")


class MailboxSettings(BaseModel):
    """A support mailbox, as ``PUT /v1/mailboxes/{name}`` and ``kb-answers mailbox add`` take it."""

    model_config = ConfigDict(extra="forbid")

    imap: ServerSettings
    smtp: SmtpSettings
    folders: Folders = Field(default_factory=Folders)
    from_address: str = Field(..., max_length=320, description="the address replies come from, e.g. "
                                                                "support@example.com")
    from_name: str = Field("", max_length=100, description="the name replies come from, e.g. 'Acme Support'")
    own_addresses: list[str] = Field([], max_length=20, description="other addresses of ours (aliases): mail from "
                                                                    "them is never answered")
    policy: Policy = Field(Policy.DRAFT, description="auto, draft or off")
    auto_send_confidence: float = Field(DEFAULT_AUTO_SEND_CONFIDENCE, ge=0, le=1,
                                        description="policy auto sends a reply only when every concern is answered "
                                                    "with at least this confidence")
    sender_budget_per_day: int = Field(5, ge=0, le=1000, description="most replies (sent or drafted) to one sender "
                                                                     "in 24 hours; later mail is skipped")
    poll_seconds: int = Field(60, ge=5, le=3600, description="how often the inbox is read when the server does not "
                                                             "offer IMAP IDLE (with IDLE, new mail is read at once)")
    max_attempts: int = Field(5, ge=1, le=100, description="tries before a message that fails is set aside")
    agent_name: str | None = Field(None, max_length=100, description="signs the replies")
    company: str | None = Field(None, max_length=100, description="the company named in replies")

    @field_validator("from_address")
    @classmethod
    def is_address(cls, value: str) -> str:
        return _address(value, "from_address")

    @field_validator("own_addresses")
    @classmethod
    def are_addresses(cls, values: list[str]) -> list[str]:
        return sorted({_address(value, "own_addresses") for value in values})

    @property
    def addresses(self) -> set[str]:
        """Every address of ours: mail from one of them is never answered."""
        return {self.from_address, self.imap.user.lower(), *self.own_addresses}

    def smtp_login(self) -> tuple[str, str]:
        """The SMTP user and password (the IMAP login's when the SMTP server gives none)."""
        password = self.smtp.password or self.imap.password
        return self.smtp.user or self.imap.user, password.get_secret_value() if password else ""

    def to_document(self, box: PasswordBox, stored: dict | None = None) -> dict:
        """The settings as the store keeps them: passwords encrypted; a password not given keeps ``stored``'s.

        Raises:
            ValueError: no IMAP password given and none stored.
        """
        document = self.model_dump(mode="json", exclude={"imap": {"password"}, "smtp": {"password"}})
        for server in ("imap", "smtp"):
            given = getattr(self, server).password
            kept = (stored or {}).get(server, {}).get("password_encrypted")
            if given is not None:
                document[server]["password_encrypted"] = box.encrypt(given.get_secret_value())
            elif kept:
                document[server]["password_encrypted"] = kept
        if "password_encrypted" not in document["imap"]:
            raise ValueError("imap.password is required for a new mailbox")
        return document

    @classmethod
    def from_document(cls, document: dict, box: PasswordBox) -> MailboxSettings:
        """The settings from the store's document, passwords decrypted.

        Raises:
            SecretsKeyError: a password cannot be decrypted with the key.
        """
        servers = {}
        for server in ("imap", "smtp"):
            fields = {key: value for key, value in document[server].items() if key != "password_encrypted"}
            token = document[server].get("password_encrypted")
            servers[server] = {**fields, "password": box.decrypt(token) if token else None}
        return cls.model_validate({**document, **servers})


def shown_settings(document: dict) -> dict:
    """A stored mailbox's settings as shown (routes, the CLI): never a password, only whether one is stored."""
    shown = {key: value for key, value in document.items() if key not in ("imap", "smtp")}
    for server in ("imap", "smtp"):
        fields = dict(document[server])
        fields["password_set"] = bool(fields.pop("password_encrypted", None))
        shown[server] = fields
    return shown


def default_port(protocol: str, security: Security) -> int:
    """The usual port of ``imap`` or ``smtp`` with that security."""
    if protocol == "imap":
        return 993 if security is Security.SSL else 143
    return 465 if security is Security.SSL else 587


def _address(value: str, field: str) -> str:
    name, address = parseaddr(value.strip())
    local, _, domain = address.rpartition("@")
    if name or not local or "." not in domain or any(char.isspace() for char in address):
        raise ValueError(f"{field} must be a plain mail address like support@example.com, not {value!r}")
    return address.lower()

"""A help-desk connector's settings: the vendor, the webhook secret, the write-back credentials and the policy.

One model checks them wherever they come in (``POST /v1/connectors``, ``PUT /v1/connectors/{id}``). The store
keeps them as a document whose secrets are encrypted (:mod:`api.secrets`); no route returns them and
none is logged.
"""

from __future__ import annotations

from enum import Enum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from api.connectors.vendors import VENDORS, WEBHOOK_VENDORS
from api.connectors.vendors.base import Credentials
from api.secrets import PasswordBox

SECRET_FIELDS = ("secret", "token")
DEFAULT_AUTO_SEND_CONFIDENCE = 0.6


class ConnectorPolicy(str, Enum):
    """What a connector does with a ticket."""

    AUTO = "auto"  # a public reply when every concern is sure and nothing is handed over; else a private note
    ASSIST = "assist"  # always a private note for the agent: the draft, its sources and the handoff advice
    OFF = "off"  # deliveries are acknowledged and ignored


class ConnectorSettings(BaseModel):
    """A help-desk connector, as ``POST /v1/connectors`` and ``PUT /v1/connectors/{id}`` take it (a secret omitted on
    a change keeps the stored one)."""

    model_config = ConfigDict(extra="forbid")

    vendor: str = Field(..., description=f"the help desk: {', '.join(VENDORS)}")
    secret: SecretStr | None = Field(None, min_length=8, max_length=500,
                                     description="the webhook's signing secret (or shared secret), as set in the "
                                                 "help desk; never returned")
    base_url: str = Field(..., max_length=500, description="the help desk's address, e.g. https://acme.zendesk.com")
    user: str | None = Field(None, max_length=320, description="Zendesk: the agent email the API token belongs to")
    token: SecretStr | None = Field(None, max_length=1000, description="the API token or key answers are written "
                                                                       "back with; never returned")
    account_id: str | None = Field(None, max_length=50, description="Chatwoot: the account id")
    queue: str = Field("General", min_length=1, max_length=200, description="Request Tracker: the queue whose new "
                                                                            "tickets are answered")
    policy: ConnectorPolicy = Field(ConnectorPolicy.ASSIST, description="auto, assist or off")
    auto_send_confidence: float = Field(DEFAULT_AUTO_SEND_CONFIDENCE, ge=0, le=1,
                                        description="policy auto replies publicly only when every concern is "
                                                    "answered with at least this confidence")
    agent_name: str | None = Field(None, max_length=100, description="signs the replies")
    company: str | None = Field(None, max_length=100, description="the company named in replies")

    @field_validator("vendor")
    @classmethod
    def is_vendor(cls, value: str) -> str:
        if value not in VENDORS:
            raise ValueError(f"vendor must be one of {', '.join(VENDORS)}, not {value!r}")
        return value

    @field_validator("base_url")
    @classmethod
    def is_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"base_url must be the help desk's http(s) address, e.g. https://acme.zendesk.com, "
                             f"not {value!r}")
        return value

    @model_validator(mode="after")
    def has_what_the_vendor_needs(self) -> ConnectorSettings:
        if self.vendor == "zendesk" and not self.user:
            raise ValueError("user: Zendesk writes back as an agent: give the email the API token belongs to")
        if self.vendor == "chatwoot" and not self.account_id:
            raise ValueError("account_id: Chatwoot writes back into an account: give its id (in the dashboard's URL)")
        return self

    def credentials(self) -> Credentials:
        return Credentials(self.base_url, self.user, self.token.get_secret_value() if self.token else "",
                           self.account_id)

    def to_document(self, box: PasswordBox, stored: dict | None = None) -> dict:
        """The settings as the store keeps them: secrets encrypted; a secret not given keeps ``stored``'s.

        Raises:
            ValueError: no webhook secret given and none stored (a vendor that calls our receiver).
        """
        document = self.model_dump(mode="json", exclude=set(SECRET_FIELDS))
        for name in SECRET_FIELDS:
            given = getattr(self, name)
            kept = (stored or {}).get(f"{name}_encrypted")
            if given is not None:
                document[f"{name}_encrypted"] = box.encrypt(given.get_secret_value())
            elif kept:
                document[f"{name}_encrypted"] = kept
        if "secret_encrypted" not in document and self.vendor in WEBHOOK_VENDORS:
            raise ValueError("secret is required for a new connector: the webhook secret set in the help desk")
        return document

    @classmethod
    def from_document(cls, document: dict, box: PasswordBox) -> ConnectorSettings:
        """The settings from the store's document, secrets decrypted.

        Raises:
            SecretsKeyError: a secret cannot be decrypted with the key.
        """
        fields = {key: value for key, value in document.items() if not key.endswith("_encrypted")}
        for name in SECRET_FIELDS:
            token = document.get(f"{name}_encrypted")
            fields[name] = box.decrypt(token) if token else None
        return cls.model_validate(fields)


def shown_connector(document: dict) -> dict:
    """A stored connector's settings as shown: never a secret, only whether one is stored."""
    shown = {key: value for key, value in document.items() if not key.endswith("_encrypted")}
    for name in SECRET_FIELDS:
        shown[f"{name}_set"] = bool(document.get(f"{name}_encrypted"))
    return shown

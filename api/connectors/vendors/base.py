"""What every help-desk vendor knows: how its webhooks are signed, how a delivery maps to one message, and the API
calls that write an answer back. Pure functions of their inputs: no HTTP, no store, no clock."""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A placeholder the help desk left as written (unknown to it, or empty on this ticket): no value.
UNRENDERED = re.compile(r"^\s*(\{\{.*\}\}|#\{.*\})\s*$")
HTML_TAG = re.compile(r"<[a-zA-Z][^>]*>")


class InvalidPayload(ValueError):
    """A webhook body we cannot map: the message names the field, e.g. ``ticket.id: missing``."""


@dataclass(frozen=True)
class Credentials:
    """Write-back credentials, one shape for all vendors.

    Args:
        base_url: the help desk's address, e.g. ``https://acme.zendesk.com`` (no trailing slash).
        user: the Zendesk agent's email; unused elsewhere.
        token: the API token (Zendesk), API key (Freshdesk) or access token (Zammad, Chatwoot).
        account_id: the Chatwoot account id.
    """

    base_url: str
    user: str | None = None
    token: str = ""
    account_id: str | None = None


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery, mapped to one message.

    Args:
        delivery_id: the vendor's delivery or message id: the de-duplication key.
        ticket_id: the ticket or conversation the answer goes to.
        subject: the ticket's subject (None: the vendor has none, e.g. a chat).
        text: the latest customer message only (HTML when ``html``).
        html: ``text`` is HTML.
        requester_name: the customer's name as the help desk knows it.
        language: the vendor's locale hint as given ("ja", "zh-CN", "lt-LT", or Zendesk's language name).
        ignore: why this delivery gets no answer (an agent's or our bot's own message, not an incoming message,
            a conversation a person handles, a note, ...); None to answer it.
        requester_email: the customer's address, where an email reply goes (Zammad); None when not given.
    """

    delivery_id: str
    ticket_id: str
    subject: str | None
    text: str
    html: bool
    requester_name: str | None
    language: str | None
    ignore: str | None
    requester_email: str | None = None


@dataclass(frozen=True)
class WriteBack:
    """One HTTP call to the vendor's API.

    Args:
        method: the HTTP method.
        url: absolute: the credentials' base URL and the documented path.
        headers: the vendor's documented authentication and the Content-Type.
        body: the JSON body.
    """

    method: str
    url: str
    headers: dict[str, str]
    body: dict


class Vendor:
    """A help desk's webhooks and write-back API.

    Attributes:
        name: the vendor's name, as in :data:`api.connectors.vendors.VENDORS`.
        signature_headers: the request headers :meth:`verify` reads, as the vendor documents them.
    """

    name: str
    signature_headers: tuple[str, ...]

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        """Whether a delivery comes from the help desk, compared in constant time.

        Args:
            headers: the request headers (any case).
            body: the raw request body, exactly as received.
            secret: the connector's webhook secret.

        Returns:
            True when the signature (or the shared secret) matches; False when it differs or a header is missing.
        """
        raise NotImplementedError

    def read(self, headers: Mapping[str, str], payload: dict) -> Delivery:
        """Map a delivery to one message.

        Args:
            headers: the request headers (any case).
            payload: the parsed JSON body.

        Returns:
            The delivery; its ``ignore`` says why it gets no answer, if it does not.

        Raises:
            InvalidPayload: a field we need is missing or of the wrong type.
        """
        raise NotImplementedError

    def write_back(self, credentials: Credentials, delivery: Delivery, text: str, html: str, *, public: bool,
                   handoff: bool) -> list[WriteBack]:
        """The API calls that put an answer on the ticket.

        Args:
            credentials: the connector's write-back credentials.
            delivery: the delivery answered.
            text: the answer as plain text.
            html: the answer as HTML.
            public: a reply the customer sees (policy auto); False: a private note for the agent (policy assist).
            handoff: also hand the conversation to a person where the vendor has a call for it; elsewhere the
                composed note says so.

        Returns:
            The calls, in the order to make them.
        """
        raise NotImplementedError


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, looked up case-insensitively (None when absent)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def same(expected: str, given: str | None) -> bool:
    """``given`` equals ``expected``, compared in constant time; False when ``given`` is missing."""
    return given is not None and hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def field(payload: Any, path: str, *, required: bool = False) -> Any:
    """The value at a dotted path (``ticket.requester.name``); None when absent or a placeholder left unrendered.

    Raises:
        InvalidPayload: ``required`` and the value is missing or empty, naming the path.
    """
    value = payload
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, str) and (not value.strip() or UNRENDERED.match(value)):
        value = None
    if required and value is None:
        raise InvalidPayload(f"{path}: missing")
    return value


def identifier(payload: Any, path: str) -> str:
    """A required id (a number, or a string of one) as a string.

    Raises:
        InvalidPayload: missing, or not an id, naming the path.
    """
    value = field(payload, path, required=True)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise InvalidPayload(f"{path}: not an id: {value!r}")
    return str(value).strip()


def text_field(payload: Any, path: str) -> str:
    """A text value ('' when absent).

    Raises:
        InvalidPayload: present but not a string, naming the path.
    """
    value = field(payload, path)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidPayload(f"{path}: not text: {type(value).__name__}")
    return value.strip()


def looks_like_html(text: str) -> bool:
    """The text carries HTML tags."""
    return HTML_TAG.search(text) is not None


def basic_auth(user: str, password: str) -> str:
    """An ``Authorization: Basic`` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def json_headers(auth_header: str, auth_value: str) -> dict[str, str]:
    """The vendor's authentication header and a JSON Content-Type."""
    return {auth_header: auth_value, "Content-Type": "application/json"}

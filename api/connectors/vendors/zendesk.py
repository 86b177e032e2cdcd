"""Zendesk: a webhook connected to a ticket trigger, and a comment written back through the Tickets API.

- Signature: ``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(signing secret, timestamp + body)) with the
  timestamp from ``X-Zendesk-Webhook-Signature-Timestamp``
  (https://developer.zendesk.com/documentation/webhooks/verifying/).
- De-duplication: ``X-Zendesk-Webhook-Invocation-Id``, the same for every attempt of one invocation
  (https://developer.zendesk.com/documentation/webhooks/anatomy-of-a-webhook-request/); without it, the ticket id
  and the latest comment's id from :data:`BODY_TEMPLATE`.
- A trigger's body is what the admin writes: :data:`BODY_TEMPLATE`, with Zendesk's placeholders
  (https://support.zendesk.com/hc/en-us/articles/4408886858138). A webhook gets placeholders as unformatted text.
- Write-back: ``PUT /api/v2/tickets/{id}.json`` with ``{"ticket": {"comment": {"html_body", "public"}}}``, Basic
  authentication as ``{email}/token:{api_token}`` (https://developer.zendesk.com/api-reference/ticketing/tickets/
  ticket_comments/).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from api.connectors.vendors.base import (
    Credentials,
    Delivery,
    InvalidPayload,
    Vendor,
    WriteBack,
    basic_auth,
    field,
    header,
    identifier,
    json_headers,
    same,
    text_field,
)

SIGNATURE = "X-Zendesk-Webhook-Signature"
TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
INVOCATION = "X-Zendesk-Webhook-Invocation-Id"
# The JSON body the admin pastes into the trigger's "Notify active webhook" action. Conditions to set with it:
# "Comment is Public" and "Current user is (end user)"; the requester check below is the loop guard that remains.
BODY_TEMPLATE = """{
  "ticket": {
    "id": "{{ticket.id}}",
    "subject": "{{ticket.title}}",
    "requester": {
      "id": "{{ticket.requester.id}}",
      "name": "{{ticket.requester.name}}",
      "email": "{{ticket.requester.email}}",
      "language": "{{ticket.requester.language}}"
    }
  },
  "comment": {
    "id": "{{ticket.latest_comment.id}}",
    "author_id": "{{current_user.id}}",
    "text": "{{ticket.latest_comment}}"
  }
}"""


class Zendesk(Vendor):
    name = "zendesk"
    signature_headers = (SIGNATURE, TIMESTAMP)

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        timestamp = header(headers, TIMESTAMP)
        if timestamp is None:
            return False
        digest = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + body, hashlib.sha256).digest()
        return same(base64.b64encode(digest).decode("ascii"), header(headers, SIGNATURE))

    def read(self, headers: Mapping[str, str], payload: dict) -> Delivery:
        ticket_id = identifier(payload, "ticket.id")
        invocation = header(headers, INVOCATION)
        if invocation and invocation.strip():
            delivery_id = invocation.strip()
        else:
            delivery_id = f"{ticket_id}:{identifier(payload, 'comment.id')}"
        text = text_field(payload, "comment.text")
        return Delivery(
            delivery_id=delivery_id,
            ticket_id=ticket_id,
            subject=text_field(payload, "ticket.subject") or None,
            text=text,
            html=False,
            requester_name=text_field(payload, "ticket.requester.name") or None,
            language=text_field(payload, "ticket.requester.language") or None,
            ignore=_ignore(payload, text),
            requester_email=text_field(payload, "ticket.requester.email") or None,
        )

    def write_back(self, credentials: Credentials, delivery: Delivery, text: str, html: str, *, public: bool,
                   handoff: bool) -> list[WriteBack]:
        if not credentials.user:
            raise ValueError("Zendesk write-back needs the agent's email (credentials.user)")
        return [WriteBack(
            method="PUT",
            url=f"{credentials.base_url}/api/v2/tickets/{delivery.ticket_id}.json",
            headers=json_headers("Authorization", basic_auth(f"{credentials.user}/token", credentials.token)),
            body={"ticket": {"comment": {"html_body": html, "public": public}}},
        )]


def _ignore(payload: dict, text: str) -> str | None:
    """Why the trigger's comment gets no answer: not the requester's (an agent's, our own, a CC's), or empty."""
    author = field(payload, "comment.author_id")
    requester = field(payload, "ticket.requester.id")
    if author is None or requester is None:
        raise InvalidPayload("comment.author_id and ticket.requester.id: missing (the trigger's body is not "
                             "the one we give: paste BODY_TEMPLATE)")
    if str(author).strip() != str(requester).strip():
        return "the latest comment is not the requester's: an agent's, our own, or another user's"
    if not text:
        return "the latest comment has no text"
    return None

"""Freshdesk: an automation rule's "Trigger webhook" action, and a note or reply written back through the API v2.

- Freshdesk does not sign webhooks. The action can send custom headers ("Add custom headers") or Basic
  authentication ("Requires authentication") (https://support.freshdesk.com/support/solutions/articles/
  132589-using-webhooks-in-automation-rules): the admin adds our secret as the header ``X-KB-Secret``, which
  :meth:`Freshdesk.verify` compares in constant time. The rule must run only for the requester's own updates
  ("Performed by: Customer"), so our notes and replies never trigger it.
- The body is what the admin writes ("Content: Advanced", encoding JSON): :data:`BODY_TEMPLATE`, with Freshdesk's
  ticket placeholders.
- De-duplication: Freshdesk sends no delivery id, so the id is the ticket id and a digest of the message: a retry
  carries the same body; the same words sent twice on one ticket are answered once.
- Write-back: ``POST /api/v2/tickets/{id}/notes`` ``{"body", "private": true}`` or ``POST /api/v2/tickets/{id}/reply``
  ``{"body"}``, Basic authentication as ``{api_key}:X`` (https://developers.freshdesk.com/api/#add_note_to_a_ticket,
  https://developers.freshdesk.com/api/#reply_ticket).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from api.connectors.vendors.base import (
    Credentials,
    Delivery,
    Vendor,
    WriteBack,
    basic_auth,
    header,
    identifier,
    json_headers,
    looks_like_html,
    same,
    text_field,
)

KEY_HEADER = "X-KB-Secret"
# The JSON body the admin pastes into the rule's "Trigger webhook" action. On a new ticket the latest public
# comment is empty and the description is the customer's message; on a customer's reply it is the reply.
BODY_TEMPLATE = """{
  "ticket": {
    "id": "{{ticket.id}}",
    "subject": "{{ticket.subject}}",
    "description": "{{ticket.description}}",
    "latest_public_comment": "{{ticket.latest_public_comment}}",
    "requester": {
      "name": "{{ticket.requester.name}}",
      "email": "{{ticket.requester.email}}",
      "language": "{{ticket.requester.language}}"
    }
  }
}"""


class Freshdesk(Vendor):
    name = "freshdesk"
    signature_headers = (KEY_HEADER,)

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        return bool(secret) and same(secret, header(headers, KEY_HEADER))

    def read(self, headers: Mapping[str, str], payload: dict) -> Delivery:
        ticket_id = identifier(payload, "ticket.id")
        text = text_field(payload, "ticket.latest_public_comment") or text_field(payload, "ticket.description")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        return Delivery(
            delivery_id=f"{ticket_id}:{digest}",
            ticket_id=ticket_id,
            subject=text_field(payload, "ticket.subject") or None,
            text=text,
            html=looks_like_html(text),
            requester_name=text_field(payload, "ticket.requester.name") or None,
            language=text_field(payload, "ticket.requester.language") or None,
            ignore=None if text else "neither a public comment nor a description: no customer message",
            requester_email=text_field(payload, "ticket.requester.email") or None,
        )

    def write_back(self, credentials: Credentials, delivery: Delivery, text: str, html: str, *, public: bool,
                   handoff: bool) -> list[WriteBack]:
        ticket = f"{credentials.base_url}/api/v2/tickets/{delivery.ticket_id}"
        headers = json_headers("Authorization", basic_auth(credentials.token, "X"))
        if public:
            return [WriteBack("POST", f"{ticket}/reply", headers, {"body": html})]
        return [WriteBack("POST", f"{ticket}/notes", headers, {"body": html, "private": True})]

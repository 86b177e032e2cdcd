"""Chatwoot: an agent bot's ``message_created`` events, and messages written back through the Application API.

- Signature: a webhook with a secret is signed with ``X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret,
  "{timestamp}.{body}")>`` and ``X-Chatwoot-Timestamp`` (the ``secret`` of Chatwoot's webhook object,
  https://developers.chatwoot.com/api-reference/webhooks).
- An agent bot gets every event of its inboxes' conversations, which start ``pending`` while the bot has them
  (https://www.chatwoot.com/docs/product/others/agent-bots). Only an incoming, public message from the contact on a
  pending conversation is answered; outgoing, activity and template messages, private notes, agents' and bots'
  messages, and conversations a person handles (open, resolved, snoozed) are not. De-duplication: the message id.
- Write-back: ``POST /api/v1/accounts/{account_id}/conversations/{id}/messages`` ``{"content", "message_type":
  "outgoing", "private"}``; the handoff ``POST .../conversations/{id}/toggle_status`` ``{"status": "open"}``; header
  ``api_access_token`` (https://developers.chatwoot.com/api-reference/messages/create-new-message,
  https://developers.chatwoot.com/api-reference/conversations/toggle-status).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from api.connectors.vendors.base import (
    Credentials,
    Delivery,
    InvalidPayload,
    Vendor,
    WriteBack,
    field,
    header,
    identifier,
    json_headers,
    same,
    text_field,
)

SIGNATURE = "X-Chatwoot-Signature"
TIMESTAMP = "X-Chatwoot-Timestamp"
# message_type as the API's JSON writes it; Chatwoot's own serialisation of a message inside a conversation uses
# the enum's integers.
MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}


class Chatwoot(Vendor):
    name = "chatwoot"
    signature_headers = (SIGNATURE, TIMESTAMP)

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        timestamp = header(headers, TIMESTAMP)
        if timestamp is None:
            return False
        digest = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + b"." + body, hashlib.sha256)
        return same("sha256=" + digest.hexdigest(), header(headers, SIGNATURE))

    def read(self, headers: Mapping[str, str], payload: dict) -> Delivery:
        conversation_id = identifier(payload, "conversation.id")
        text = text_field(payload, "content")
        return Delivery(
            delivery_id=identifier(payload, "id"),
            ticket_id=conversation_id,
            subject=None,
            text=text,
            html=False,
            requester_name=text_field(payload, "sender.name") or None,
            language=text_field(payload, "conversation.additional_attributes.browser_language") or None,
            ignore=_ignore(payload, text),
            requester_email=text_field(payload, "sender.email") or None,
        )

    def write_back(self, credentials: Credentials, delivery: Delivery, text: str, html: str, *, public: bool,
                   handoff: bool) -> list[WriteBack]:
        if not credentials.account_id:
            raise ValueError("Chatwoot write-back needs the account id (credentials.account_id)")
        conversation = (f"{credentials.base_url}/api/v1/accounts/{credentials.account_id}"
                        f"/conversations/{delivery.ticket_id}")
        headers = json_headers("api_access_token", credentials.token)
        calls = [WriteBack("POST", f"{conversation}/messages", headers,
                           {"content": text, "message_type": "outgoing", "private": not public})]
        if handoff:
            calls.append(WriteBack("POST", f"{conversation}/toggle_status", headers, {"status": "open"}))
        return calls


def _ignore(payload: dict, text: str) -> str | None:
    """Why the event gets no answer (None: an incoming message from the contact on a pending conversation)."""
    event = text_field(payload, "event")
    if event != "message_created":
        return f"event {event or 'unknown'}: not a new message"
    message_type = field(payload, "message_type")
    message_type = MESSAGE_TYPES.get(message_type, message_type) if isinstance(message_type, int) else message_type
    if message_type != "incoming":
        return f"a {message_type or 'typeless'} message, not an incoming one"
    if field(payload, "private") is True:
        return "a private note"
    sender_type = text_field(payload, "sender.type").lower()
    if sender_type != "contact":
        return f"sent by a {sender_type or 'sender of no type'}, not the contact: an agent's or a bot's message"
    status = field(payload, "conversation.status")
    if not isinstance(status, str):
        raise InvalidPayload("conversation.status: missing")
    if status != "pending":
        return f"the conversation is {status}: a person handles it"
    if not text:
        return "the message has no text"
    return None

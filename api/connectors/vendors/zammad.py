"""Zammad: a trigger's webhook, and an article written back through the REST API.

- Signature: ``X-Hub-Signature: sha1=<hex HMAC-SHA1(token, body)>`` when the webhook has an HMAC-SHA1 signature
  token; ``X-Zammad-Delivery`` is a unique id per delivery, the de-duplication key
  (https://admin-docs.zammad.org/en/latest/manage/webhook/payload.html).
- The default payload holds the ``ticket`` and the triggering ``article`` (``sender`` Customer/Agent/System,
  ``internal``, ``content_type``); users' ``preferences`` (their locale) are left out, so there is no language hint.
- Write-back: ``POST /api/v1/ticket_articles`` with ``ticket_id``, ``body``, ``content_type`` text/html, ``type``
  note (internal) or email (to the customer, with the subject), ``internal``; ``Authorization: Token token=...``
  (https://docs.zammad.org/en/latest/api/ticket/articles.html, https://docs.zammad.org/en/latest/api/intro.html).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from api.connectors.vendors.base import (
    Credentials,
    Delivery,
    Vendor,
    WriteBack,
    field,
    header,
    identifier,
    json_headers,
    same,
    text_field,
)

SIGNATURE = "X-Hub-Signature"
DELIVERY = "X-Zammad-Delivery"


class Zammad(Vendor):
    name = "zammad"
    signature_headers = (SIGNATURE,)

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        expected = "sha1=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()
        return same(expected, header(headers, SIGNATURE))

    def read(self, headers: Mapping[str, str], payload: dict) -> Delivery:
        ticket_id = identifier(payload, "ticket.id")
        delivery = (header(headers, DELIVERY) or "").strip()
        article = field(payload, "article")
        text = text_field(payload, "article.body") if article else ""
        name = " ".join(part for part in (text_field(payload, "ticket.customer.firstname"),
                                          text_field(payload, "ticket.customer.lastname")) if part)
        return Delivery(
            delivery_id=delivery or f"{ticket_id}:{identifier(payload, 'article.id')}",
            ticket_id=ticket_id,
            subject=text_field(payload, "ticket.title") or text_field(payload, "article.subject") or None,
            text=text,
            html=text_field(payload, "article.content_type").lower() == "text/html",
            requester_name=name or None,
            language=None,
            ignore=_ignore(payload, text),
            requester_email=text_field(payload, "ticket.customer.email") or None,
        )

    def write_back(self, credentials: Credentials, delivery: Delivery, text: str, html: str, *, public: bool,
                   handoff: bool) -> list[WriteBack]:
        body: dict = {"ticket_id": int(delivery.ticket_id), "body": html, "content_type": "text/html",
                      "type": "note", "internal": not public}
        if public and delivery.requester_email:
            body.update(type="email", to=delivery.requester_email, subject=delivery.subject or "")
        return [WriteBack("POST", f"{credentials.base_url}/api/v1/ticket_articles",
                          json_headers("Authorization", f"Token token={credentials.token}"), body)]


def _ignore(payload: dict, text: str) -> str | None:
    """Why the triggering article gets no answer: none, not the customer's, internal, or empty."""
    if not field(payload, "article"):
        return "no article: the trigger fired on a ticket change, not a new message"
    sender = text_field(payload, "article.sender")
    if sender != "Customer":
        return f"the article's sender is {sender or 'unknown'}, not the customer: an agent's, our own, or the system's"
    if field(payload, "article.internal") is True:
        return "an internal article"
    if not text:
        return "the article has no text"
    return None

"""Request Tracker 5: new tickets of a queue read through REST 2 (RT is polled: it sends no webhooks of its own),
and the answer written back as a comment (for the agent) or a correspondence (to the requester).

- Reading: ``GET /REST/2.0/tickets?query=Queue = '<queue>' AND Status = 'new'`` for the tickets, then each one's
  first text attachment (``/ticket/{id}/attachments``) and its requester's real name (``/user/{email}``); the poller
  (:mod:`api.connectors.rt_poller`) builds the payload :meth:`RequestTracker.read` maps.
- Write-back: ``POST /REST/2.0/ticket/{id}/comment`` or ``/correspond`` with ``Content`` and ``ContentType``
  text/html; ``Authorization: token <token>`` (an RT auth token of the agent the answers are written as).
  (https://docs.bestpractical.com/rt/5.0.7/RT/REST2.html)
"""

from __future__ import annotations

from collections.abc import Mapping

from api.connectors.vendors.base import Credentials, Delivery, Vendor, WriteBack, identifier, json_headers, text_field


class RequestTracker(Vendor):
    name = "rt"
    signature_headers = ()

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        """RT sends no webhooks: nothing it could send is accepted (its tickets are polled)."""
        return False

    def read(self, headers: Mapping[str, str], payload: dict) -> Delivery:
        """Map the poller's payload: ``{"ticket": {"id", "subject", "requestor", "name", "content"}}``."""
        ticket_id = identifier(payload, "ticket.id")
        return Delivery(delivery_id=f"ticket-{ticket_id}", ticket_id=ticket_id,
                        subject=text_field(payload, "ticket.subject") or None,
                        text=text_field(payload, "ticket.content"), html=False,
                        requester_name=text_field(payload, "ticket.name") or None, language=None,
                        ignore=None if text_field(payload, "ticket.content") else "the ticket has no text",
                        requester_email=text_field(payload, "ticket.requestor") or None)

    def write_back(self, credentials: Credentials, delivery: Delivery, text: str, html: str, *, public: bool,
                   handoff: bool) -> list[WriteBack]:
        action = "correspond" if public else "comment"
        return [WriteBack("POST", f"{credentials.base_url}/REST/2.0/ticket/{delivery.ticket_id}/{action}",
                          json_headers("Authorization", f"token {credentials.token}"),
                          {"Content": html, "ContentType": "text/html"})]

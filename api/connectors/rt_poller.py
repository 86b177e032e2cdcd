"""Request Tracker connectors: RT sends no webhooks, so its new tickets are read through REST 2 and queued as jobs,
like a webhook delivery, for the job processor (:mod:`api.connectors.processor`) to answer and write back.

Every API process polls (every ``poll_s``); the queue takes each ticket once (its delivery id is the ticket's),
so several replicas polling the same RT never answer a ticket twice. A ticket is read while its status is
``new``: an answer written back as a correspondence opens it; a comment leaves it new, and the queue's record
keeps it from being answered again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from urllib.parse import quote

import httpx

from api.connectors.config import ConnectorPolicy, ConnectorSettings
from api.connectors.vendors import create_vendor
from api.secrets import PasswordBox
from kb.stores import Store, StoredConnector

log = logging.getLogger("kb_connectors")

POLL_S = 30.0
HTTP_TIMEOUT_S = 15.0


class RtPoller:
    """Queues the new tickets of every Request Tracker connector's queue.

    Args:
        store: the store (connectors, and the job queue).
        box: decrypts the connectors' tokens.
        wake: called when tickets were queued (the job processor starts at once).
        poll_s: how often each connector's RT is read.
    """

    def __init__(self, store: Store, box: PasswordBox, wake, poll_s: float = POLL_S):
        self.store = store
        self.box = box
        self.wake = wake
        self.poll_s = poll_s

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; an RT that cannot be read is logged and tried again at the next poll."""
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as client:
            while not stop.is_set():
                try:
                    connectors = await asyncio.to_thread(self.store.connectors.list)
                except Exception as error:  # the store down: try again at the next poll
                    log.warning("cannot list the connectors (retrying): %s", error)
                    connectors = []
                for stored in connectors:
                    if stored.document.get("vendor") != "rt" or stored.document.get("policy") == ConnectorPolicy.OFF:
                        continue
                    try:
                        if await self.poll(client, stored):
                            self.wake()
                    except Exception as error:  # RT down, a token refused: the next poll tries again
                        log.warning("connector %s/%s: cannot read RT's new tickets: %s", stored.tenant, stored.id,
                                    error)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_s)
                except TimeoutError:
                    pass

    async def poll(self, client: httpx.AsyncClient, stored: StoredConnector) -> int:
        """Queue the connector's new tickets that are not queued yet.

        Returns:
            How many were queued.

        Raises:
            httpx.HTTPError: RT cannot be read.
        """
        settings = ConnectorSettings.from_document(stored.document, self.box)
        rest = f"{settings.base_url}/REST/2.0"
        headers = {"Authorization": f"token {settings.token.get_secret_value() if settings.token else ''}"}
        query = f"Queue = '{settings.queue.replace(chr(39), '')}' AND Status = 'new'"
        found = await _get(client, f"{rest}/tickets", headers, {"query": query, "fields": "Subject,Requestor",
                                                                 "per_page": 100})
        vendor = create_vendor("rt")
        queued = 0
        for ticket in found["items"]:
            if await asyncio.to_thread(self.store.connector_jobs.get, stored.tenant, stored.id, f"ticket-{ticket['id']}"):
                continue
            requestor = (ticket.get("Requestor") or [{}])[0].get("id", "")
            payload = {"ticket": {"id": ticket["id"], "subject": ticket.get("Subject", ""), "requestor": requestor,
                                  "name": await _real_name(client, rest, headers, requestor),
                                  "content": await _first_text(client, rest, headers, ticket["id"])}}
            delivery = vendor.read({}, payload)
            if await asyncio.to_thread(self.store.connector_jobs.enqueue, stored.tenant, stored.id,
                                       delivery.delivery_id, asdict(delivery)):
                queued += 1
        return queued


async def _get(client: httpx.AsyncClient, url: str, headers: dict, params: dict | None = None) -> dict:
    response = await client.get(url, headers=headers, params=params)
    response.raise_for_status()
    return response.json()


async def _first_text(client: httpx.AsyncClient, rest: str, headers: dict, ticket_id) -> str:
    """The ticket's first plain-text part (the customer's message that created it)."""
    found = await _get(client, f"{rest}/ticket/{ticket_id}/attachments", headers,
                       {"fields": "ContentType,Content", "per_page": 20})
    return next((item.get("Content") or "" for item in found["items"] if item.get("ContentType") == "text/plain"), "")


async def _real_name(client: httpx.AsyncClient, rest: str, headers: dict, user: str) -> str:
    """The requester's real name as RT knows it ('' when it has none, or the user cannot be read)."""
    if not user:
        return ""
    try:
        return (await _get(client, f"{rest}/user/{quote(user, safe='')}", headers)).get("RealName") or ""
    except httpx.HTTPStatusError:
        return ""

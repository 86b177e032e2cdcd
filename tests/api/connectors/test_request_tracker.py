"""A real ticket system end to end: a ticket created in Request Tracker 5 (tests/helpdesk.py) is read by the RT
connector through REST 2, answered, and written back as a comment (assist) or a correspondence (auto), read back
from RT."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.connectors.rt_poller import RtPoller
from api.secrets import PasswordBox
from tests.helpers import wait_for


@pytest.fixture
def rt_connector(client, request_tracker, settings):
    """Creates an RT connector of the demo tenant on the session's RT; removed after the test."""
    if settings.vector_backend != "faiss":
        pytest.skip("the connector runs the same pipeline on every backend: tested once, on faiss")
    made = []

    def make(policy: str) -> dict:
        created = client.post("/v1/connectors", json={"vendor": "rt", "base_url": request_tracker.url,
                                                      "token": request_tracker.token(), "queue": "General",
                                                      "policy": policy})
        assert created.status_code == 201, created.text
        made.append(created.json())
        return made[-1]

    yield make
    for created in made:
        client.delete(f"/v1/connectors/{created['id']}")


def poll(services, connector: dict) -> int:
    """One poll of the connector's RT (the service's own poller reads it every KB_CONNECTOR_POLL_S)."""
    poller = RtPoller(services.store, PasswordBox(services.settings.secrets_key.get_secret_value()), lambda: None)

    async def once() -> int:
        async with httpx.AsyncClient(timeout=30) as client:
            return await poller.poll(client, services.store.connectors.get("demo", connector["id"]))

    return asyncio.run(once())


def written_back(request_tracker, ticket: int, kind: str) -> list[dict]:
    return [transaction for transaction in request_tracker.history(ticket) if transaction["type"] == kind]


def test_a_new_ticket_gets_a_comment_for_the_agent_once(client, services, request_tracker, rt_connector):
    connector = rt_connector("assist")
    assert connector["receiver_path"] is None  # RT is read, it sends nothing
    ticket = request_tracker.create_ticket("General", "Cannot log in", "Hello, I forgot my password and cannot log "
                                           "in. How do I reset it?\n\nAnn", "ann@customer.example")
    assert poll(services, connector) == 1
    wait_for(lambda: written_back(request_tracker, ticket, "Comment"), "no comment was written to the RT ticket", 60)
    [comment] = written_back(request_tracker, ticket, "Comment")
    assert "Suggested reply" in comment["content"] and "password" in comment["content"].lower()
    assert written_back(request_tracker, ticket, "Correspond") == []  # nothing went to the customer
    assert poll(services, connector) == 0  # still new in RT, but answered once
    job = client.get(f"/v1/connectors/{connector['id']}?recent=5").json()["recent"][0]
    assert job["ticket_id"] == str(ticket) and job["state"] == "done"


def test_a_sure_answer_is_a_correspondence_under_policy_auto(client, services, request_tracker, rt_connector):
    connector = rt_connector("auto")
    ticket = request_tracker.create_ticket("General", "Refund", "Hi, I sent the shoes back last week. When will I "
                                           "get my money back?", "bob@customer.example")
    assert poll(services, connector) >= 1  # with the first test's ticket, still new after a comment
    wait_for(lambda: written_back(request_tracker, ticket, "Correspond"), "no correspondence on the RT ticket", 60)
    [reply] = written_back(request_tracker, ticket, "Correspond")
    assert "refund" in reply["content"].lower() and "Suggested reply" not in reply["content"]

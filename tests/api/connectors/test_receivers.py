"""Help-desk connectors end to end: each vendor's documented delivery, signed its way, sent to a real receiver of
the API; the job processor answers it in the background and writes back to a local server standing in for the
vendor's API, which checks method, path, authentication and body."""

from __future__ import annotations

import itertools

import pytest

from api.connectors.vendors import WEBHOOK_VENDORS
from tests.api.connectors.deliveries import WEBHOOK_KEY, chatwoot_headers, signed_delivery
from tests.helpers import wait_for
from tests.vendor_api import VendorApi

NUMBERS = itertools.count(7001)
QUESTION = "Hello, I forgot my password and cannot log in. How do I reset it?"
UNANSWERABLE = "Hello, what will the weather be like in Kaunas tomorrow?"
AUTH = {"zendesk": ("authorization", "Basic "), "freshdesk": ("authorization", "Basic "),
        "zammad": ("authorization", "Token token=api-token"), "chatwoot": ("api_access_token", "api-token")}


@pytest.fixture
def vendor_api():
    with VendorApi() as api:
        yield api


@pytest.fixture
def connector(client, vendor_api):
    """Creates a connector of the demo tenant writing back to ``vendor_api``; removed after the test."""
    made = []

    def make(vendor: str, **changes) -> dict:
        created = client.post("/v1/connectors", json={
            "vendor": vendor, "secret": WEBHOOK_KEY, "base_url": vendor_api.base_url, "user": "agent@acme.example",
            "token": "api-token", "account_id": "3", "policy": "assist", **changes})
        assert created.status_code == 201, created.text
        made.append(created.json())
        return made[-1]

    yield make
    for created in made:
        client.delete(f"/v1/connectors/{created['id']}")


def deliver(client, created: dict, text: str, number: int, secret: str = WEBHOOK_KEY):
    body, headers = signed_delivery(created["settings"]["vendor"], text, number, secret)
    return client.post(created["receiver_path"], content=body, headers=headers)


def jobs(client, created: dict) -> list[dict]:
    return client.get(f"/v1/connectors/{created['id']}?recent=50").json()["recent"]


@pytest.mark.parametrize("vendor", WEBHOOK_VENDORS)
def test_a_delivery_is_answered_with_a_private_note_for_the_agent(client, connector, vendor_api, vendor):
    created = connector(vendor)
    number = next(NUMBERS)
    received = deliver(client, created, QUESTION, number)
    assert received.status_code == 202 and received.json()["queued"], received.text
    [note] = vendor_api.wait_for(1)
    header, value = AUTH[vendor]
    assert note.headers[header].startswith(value)
    assert str(number) in note.path or note.body["ticket_id"] == number  # Zammad names the ticket in the body
    assert "Suggested reply" in str(note.body) and "password" in str(note.body).lower()
    wait_for(lambda: jobs(client, created)[0]["state"] == "done", "the job was not recorded done", 30)
    [job] = jobs(client, created)
    assert job["reason"].startswith("a private note for the agent") and job["answer_id"]


def test_policy_auto_replies_publicly_when_sure_and_hands_over_when_not(client, connector, vendor_api):
    created = connector("chatwoot", policy="auto")
    deliver(client, created, QUESTION, sure := next(NUMBERS))
    [reply] = vendor_api.wait_for(1)
    assert reply.path == f"/api/v1/accounts/3/conversations/{sure}/messages"
    assert reply.body["private"] is False and "Suggested reply" not in reply.body["content"]
    deliver(client, created, UNANSWERABLE, unsure := next(NUMBERS))
    calls = vendor_api.wait_for(3)[1:]
    assert [call.path for call in calls] == [f"/api/v1/accounts/3/conversations/{unsure}/messages",
                                             f"/api/v1/accounts/3/conversations/{unsure}/toggle_status"]
    assert calls[0].body["private"] is True and "A person should answer: no article answers" in calls[0].body["content"]
    assert calls[1].body == {"status": "open"}


def test_a_bad_signature_is_a_401_and_nothing_is_queued(client, connector, vendor_api):
    created = connector("zammad")
    refused = deliver(client, created, QUESTION, next(NUMBERS), secret="not-the-secret")  # noqa: S106 (a wrong one on purpose)
    assert refused.status_code == 401 and "X-Hub-Signature" in refused.json()["detail"]
    assert jobs(client, created) == [] and vendor_api.requests == []
    assert client.post(created["receiver_path"].replace("zammad", "zendesk"), content=b"{}").status_code == 404


def test_a_delivery_sent_twice_gets_one_note(client, connector, vendor_api):
    created = connector("zendesk")
    number = next(NUMBERS)
    assert deliver(client, created, QUESTION, number).status_code == 202
    again = deliver(client, created, QUESTION, number)
    assert again.status_code == 200 and again.json() == {"delivery_id": f"invocation-{number}", "queued": False}
    vendor_api.wait_for(1)
    wait_for(lambda: jobs(client, created)[0]["state"] == "done", "the job was not done", 30)
    assert len(vendor_api.requests) == 1


def test_a_write_back_endpoint_that_is_down_is_retried_and_written_once(client, connector, vendor_api, monkeypatch):
    monkeypatch.setattr(client.app.state.connector_processor, "retry_base_s", 0.2)
    created = connector("freshdesk")
    vendor_api.statuses = [503, 503]
    deliver(client, created, QUESTION, next(NUMBERS))
    calls = vendor_api.wait_for(3)
    wait_for(lambda: jobs(client, created)[0]["state"] == "done", "the job was not done after the retries", 30)
    assert len(calls) == 3 and len({(call.path, str(call.body)) for call in calls}) == 1  # the same note, retried
    assert jobs(client, created)[0]["attempts"] == 3


def test_messages_that_are_not_the_customers_are_ignored(client, connector, vendor_api):
    created = connector("chatwoot")
    body, headers = signed_delivery("chatwoot", "Thanks, we are looking into it.", next(NUMBERS))
    outgoing = body.replace(b'"message_type": "incoming"', b'"message_type": "outgoing"')
    assert client.post(created["receiver_path"], content=outgoing, headers=chatwoot_headers(outgoing)).status_code == 202
    wait_for(lambda: jobs(client, created) and jobs(client, created)[0]["state"] == "ignored", "not ignored", 30)
    assert vendor_api.requests == []


def test_bad_connector_settings_are_422s_naming_the_field_and_secrets_never_show(client, connector):
    created = connector("zendesk")
    assert created["settings"]["secret_set"] and created["settings"]["token_set"]
    shown = client.get(f"/v1/connectors/{created['id']}").text
    assert WEBHOOK_KEY not in shown and "api-token" not in shown
    for body, named in (({"vendor": "helpscout"}, "vendor must be one of"),
                        ({"base_url": "ftp://acme"}, "base_url must be"),
                        ({"secret": None}, "secret is required"),
                        ({"user": None}, "user: Zendesk writes back as an agent"),
                        ({"vendor": "chatwoot"}, "account_id: Chatwoot writes back into an account")):
        refused = client.post("/v1/connectors", json={"vendor": "zendesk", "secret": WEBHOOK_KEY,
                                                      "base_url": "https://acme.zendesk.com",
                                                      "user": "agent@acme.example", **body})
        assert refused.status_code == 422 and named in refused.text, refused.text
    changed = client.put(f"/v1/connectors/{created['id']}", json={"vendor": "zendesk", "base_url": "https://x.example",
                                                                  "user": "agent@acme.example", "policy": "auto"})
    assert changed.status_code == 200 and changed.json()["settings"]["secret_set"]  # the stored secret is kept


def test_a_job_that_fails_before_writing_back_is_retried_not_left_running(client, connector, vendor_api, monkeypatch):
    def broken(name):
        raise RuntimeError("the vendor module broke")

    monkeypatch.setattr("api.connectors.processor.create_vendor", broken)
    created = connector("zammad")
    deliver(client, created, QUESTION, next(NUMBERS))
    wait_for(lambda: jobs(client, created)[0]["state"] == "failed", "the job was not recorded failed", 30)
    [job] = jobs(client, created)
    assert job["reason"] == "RuntimeError: the vendor module broke" and job["retry_at"] and vendor_api.requests == []

"""The ticket system of the help-desk tests (tests/helpdesk.py) is real: Request Tracker 5 creates a ticket, records
a comment and a correspondence posted through its REST 2 API (mailing only the correspondence to the customer) and
refuses a wrong token."""

from __future__ import annotations

import httpx
import pytest

from tests.helpdesk import RequestTracker, require_request_tracker

CUSTOMER = "tom@customer.example"
KETTLE = "Hi,\nthe kettle I ordered arrived with a cracked lid. Could I get a replacement?\nThanks, Tom\n"


@pytest.fixture(scope="module")
def request_tracker():
    require_request_tracker()
    with RequestTracker() as tracker:
        yield tracker


@pytest.fixture(scope="module")
def rest(request_tracker):
    """A REST 2 client with a token of root."""
    with request_tracker.client() as client:
        yield client


def test_a_ticket_created_through_rest2_reads_back(request_tracker, rest):
    ticket = request_tracker.create_ticket("General", "Cracked kettle lid", KETTLE, CUSTOMER)

    read = rest.get(f"/ticket/{ticket}")
    assert read.status_code == 200
    assert read.json()["Subject"] == "Cracked kettle lid"
    assert read.json()["Status"] == "new"
    assert [requester["id"] for requester in read.json()["Requestor"]] == [CUSTOMER]
    assert rest.get(f"/queue/{read.json()['Queue']['id']}").json()["Name"] == "General"
    first = request_tracker.history(ticket)[0]
    assert (first["type"], first["creator"], first["content"]) == ("Create", "root", KETTLE)


def test_a_comment_and_a_correspondence_appear_in_the_history_with_their_content(request_tracker, rest):
    ticket = request_tracker.create_ticket("General", "Lieferung fehlt", "Mein Paket ist nicht angekommen.", CUSTOMER)
    note = "Internal: the courier lost parcel 4471; a new one leaves today. Grüße an das Lager"
    reply = "Guten Tag, Ihr Paket geht heute erneut auf die Reise. 🚚"

    commented = rest.post(f"/ticket/{ticket}/comment", json={"Content": note, "ContentType": "text/plain"})
    answered = rest.post(f"/ticket/{ticket}/correspond", json={"Content": reply, "ContentType": "text/plain"})

    assert (commented.status_code, answered.status_code) == (201, 201)
    history = request_tracker.history(ticket)
    assert [(item["type"], item["content"]) for item in history if item["type"] in ("Comment", "Correspond")] == [
        ("Comment", note), ("Correspond", reply)]
    mailed = [item["content"] for item in history if item["type"] == "EmailRecord"]
    assert any(reply in content for content in mailed)  # the correspondence went out to the customer...
    assert not any(note in content for content in mailed)  # ...the internal comment did not


@pytest.fixture(scope="module")
def ticket(request_tracker):
    return request_tracker.create_ticket("General", "Password reset", "I cannot log in any more.", CUSTOMER)


@pytest.mark.parametrize("authorization", ["token 1-14-0123456789abcdef0123456789abcdef", "token nonsense", None])
def test_a_wrong_token_is_refused(request_tracker, rest, ticket, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    refused = httpx.get(f"{request_tracker.rest_url}/ticket/{ticket}", headers=headers)

    assert refused.status_code == 401
    assert rest.get(f"/ticket/{ticket}").status_code == 200  # the same request with root's token is served

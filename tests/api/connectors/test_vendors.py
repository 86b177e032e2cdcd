"""The four help desks' webhooks and write-back calls, against the shapes their documentation gives.

Samples: tests/data/helpdesk/README.md says where each comes from. Signatures are computed here the vendor's way:
- Zendesk: https://developer.zendesk.com/documentation/webhooks/verifying/
- Zammad: https://admin-docs.zammad.org/en/latest/manage/webhook/payload.html
- Chatwoot: the webhook object's ``secret`` in https://developers.chatwoot.com/api-reference/webhooks
- Freshdesk signs nothing: our secret travels in a custom header of the rule's webhook
  (https://support.freshdesk.com/support/solutions/articles/132589-using-webhooks-in-automation-rules).
"""

from __future__ import annotations

import base64
import copy
import json

import pytest

from api.connectors.vendors import VENDORS, WEBHOOK_VENDORS, Credentials, InvalidPayload, create_vendor
from api.connectors.vendors.freshdesk import BODY_TEMPLATE as FRESHDESK_TEMPLATE
from api.connectors.vendors.zendesk import BODY_TEMPLATE as ZENDESK_TEMPLATE
from tests.api.connectors.deliveries import (
    WEBHOOK_KEY,
    chatwoot_headers,
    chatwoot_pending,
    freshdesk_headers,
    raw,
    sample,
    zammad_headers,
    zendesk_headers,
)

ANSWER_TEXT = "Your parcel left the depot today."
ANSWER_HTML = "<p>Your parcel left the depot today.</p>"
# Customer messages of our own, per language.
MESSAGES = {
    "ja": ("山田 花子", "ja", "注文した本がまだ届きません。配送状況を確認してもらえますか？"),
    "zh": ("李娜", "zh-CN", "我的包裹已经一周没有物流更新了，能帮我查一下吗？"),
    "lt": ("Rūta Petrauskienė", "lt-LT", "Grąžinau batus prieš savaitę. Kada gausiu pinigus?"),
}

SIGNED = {
    "zendesk": ("zendesk-trigger.json", zendesk_headers),
    "freshdesk": ("freshdesk-automation.json", freshdesk_headers),
    "zammad": ("zammad-trigger.json", zammad_headers),
    "chatwoot": ("chatwoot-message_created.json", chatwoot_headers),
}
CREDENTIALS = {
    "zendesk": Credentials("https://acme.zendesk.com", "agent@acme.example", "zd-api-token"),
    "freshdesk": Credentials("https://acme.freshdesk.com", None, "fd-api-key"),
    "zammad": Credentials("https://zammad.acme.example", None, "zm-access-token"),
    "chatwoot": Credentials("https://chat.acme.example", None, "cw-access-token", "1"),
}


def test_create_vendor_knows_the_five_and_names_them_for_an_unknown_one():
    assert [create_vendor(name).name for name in VENDORS] == list(VENDORS)
    with pytest.raises(ValueError, match="zendesk, freshdesk, zammad, chatwoot, rt"):
        create_vendor("helpscout")


@pytest.mark.parametrize("vendor_name", WEBHOOK_VENDORS)
def test_a_delivery_signed_the_vendors_way_verifies_and_nothing_else_does(vendor_name):
    vendor = create_vendor(vendor_name)
    file, sign = SIGNED[vendor_name]
    body = raw(sample(file))
    headers = sign(body)
    assert vendor.verify(headers, body, WEBHOOK_KEY)
    assert vendor.verify({name.upper(): value for name, value in headers.items()}, body, WEBHOOK_KEY)
    if vendor_name != "freshdesk":  # Freshdesk signs no body: its shared secret is all there is
        assert not vendor.verify(headers, body.replace(b"}", b" }", 1), WEBHOOK_KEY)
    assert not vendor.verify(headers, body, "another-secret")
    assert not vendor.verify(sign(body, "another-secret"), body, WEBHOOK_KEY)
    for name in vendor.signature_headers:
        missing = {key: value for key, value in headers.items() if key.lower() != name.lower()}
        assert not vendor.verify(missing, body, WEBHOOK_KEY), name


def test_freshdesk_refuses_an_empty_secret_even_when_the_header_is_empty_too():
    assert not create_vendor("freshdesk").verify({"X-KB-Secret": ""}, b"{}", "")


# --- Zendesk -----------------------------------------------------------------------------------------------------

def test_zendesk_reads_the_trigger_body_we_give_admins():
    rendered = json.loads(ZENDESK_TEMPLATE)
    assert rendered["ticket"]["id"] == "{{ticket.id}}" and rendered["comment"]["text"] == "{{ticket.latest_comment}}"
    payload = sample("zendesk-trigger.json")
    delivery = create_vendor("zendesk").read(zendesk_headers(raw(payload)), payload)
    assert delivery.delivery_id == "8350205582"
    assert delivery.ticket_id == "35436"
    assert delivery.subject == "Where is my parcel?"
    assert delivery.text.startswith("I ordered a lamp ten days ago")
    assert not delivery.html
    assert (delivery.requester_name, delivery.language, delivery.ignore) == ("Emma Clarke", "English", None)


def test_zendesk_without_an_invocation_id_keys_on_the_ticket_and_comment():
    payload = sample("zendesk-trigger.json")
    assert create_vendor("zendesk").read({}, payload).delivery_id == "35436:54509363035291"


@pytest.mark.parametrize("language", MESSAGES)
def test_zendesk_reads_customers_in_their_own_language(language):
    name, locale, text = MESSAGES[language]
    payload = sample("zendesk-trigger.json")
    payload["ticket"]["requester"].update(name=name, language=locale)
    payload["comment"]["text"] = text
    delivery = create_vendor("zendesk").read({}, payload)
    assert (delivery.requester_name, delivery.language, delivery.text, delivery.ignore) == (name, locale, text, None)


def test_zendesk_ignores_a_comment_that_is_not_the_requesters_and_an_empty_one():
    vendor = create_vendor("zendesk")
    agents = sample("zendesk-trigger.json")
    agents["comment"]["author_id"] = "366704"
    assert "not the requester's" in vendor.read({}, agents).ignore
    empty = sample("zendesk-trigger.json")
    empty["comment"]["text"] = "{{ticket.latest_comment}}"
    assert "no text" in vendor.read({}, empty).ignore


def test_zendesk_writes_a_private_note_or_a_public_reply_on_the_ticket():
    vendor = create_vendor("zendesk")
    delivery = vendor.read({}, sample("zendesk-trigger.json"))
    for public in (False, True):
        [call] = vendor.write_back(CREDENTIALS["zendesk"], delivery, ANSWER_TEXT, ANSWER_HTML, public=public,
                                   handoff=not public)
        assert (call.method, call.url) == ("PUT", "https://acme.zendesk.com/api/v2/tickets/35436.json")
        login = base64.b64decode(call.headers["Authorization"].removeprefix("Basic ")).decode()
        assert login == "agent@acme.example/token:zd-api-token"
        assert call.headers["Content-Type"] == "application/json"
        assert call.body == {"ticket": {"comment": {"html_body": ANSWER_HTML, "public": public}}}


# --- Freshdesk ---------------------------------------------------------------------------------------------------

def test_freshdesk_reads_a_new_tickets_description_and_a_customers_reply():
    assert json.loads(FRESHDESK_TEMPLATE)["ticket"]["latest_public_comment"] == "{{ticket.latest_public_comment}}"
    vendor = create_vendor("freshdesk")
    payload = sample("freshdesk-automation.json")
    delivery = vendor.read({}, payload)
    assert (delivery.ticket_id, delivery.subject) == ("1042", "Refund for a returned jacket")
    assert delivery.text.startswith("<div>I sent the jacket back") and delivery.html
    assert (delivery.requester_name, delivery.language, delivery.ignore) == ("Emma Clarke", "en", None)
    assert delivery.delivery_id.startswith("1042:")
    assert vendor.read({}, copy.deepcopy(payload)).delivery_id == delivery.delivery_id
    payload["ticket"]["latest_public_comment"] = "It has been three weeks now."
    reply = vendor.read({}, payload)
    assert reply.text == "It has been three weeks now." and not reply.html
    assert reply.delivery_id != delivery.delivery_id


@pytest.mark.parametrize("language", MESSAGES)
def test_freshdesk_reads_customers_in_their_own_language(language):
    name, locale, text = MESSAGES[language]
    payload = sample("freshdesk-automation.json")
    payload["ticket"].update(description=f"<p>{text}</p>")
    payload["ticket"]["requester"].update(name=name, language=locale)
    delivery = create_vendor("freshdesk").read({}, payload)
    assert (delivery.requester_name, delivery.language, delivery.text) == (name, locale, f"<p>{text}</p>")


def test_freshdesk_ignores_a_ticket_without_a_customer_message():
    payload = sample("freshdesk-automation.json")
    payload["ticket"]["description"] = "{{ticket.description}}"
    assert "no customer message" in create_vendor("freshdesk").read({}, payload).ignore


def test_freshdesk_writes_a_private_note_or_a_reply():
    vendor = create_vendor("freshdesk")
    delivery = vendor.read({}, sample("freshdesk-automation.json"))
    [note] = vendor.write_back(CREDENTIALS["freshdesk"], delivery, ANSWER_TEXT, ANSWER_HTML, public=False,
                               handoff=True)
    [reply] = vendor.write_back(CREDENTIALS["freshdesk"], delivery, ANSWER_TEXT, ANSWER_HTML, public=True,
                                handoff=False)
    assert (note.method, note.url) == ("POST", "https://acme.freshdesk.com/api/v2/tickets/1042/notes")
    assert note.body == {"body": ANSWER_HTML, "private": True}
    assert (reply.method, reply.url) == ("POST", "https://acme.freshdesk.com/api/v2/tickets/1042/reply")
    assert reply.body == {"body": ANSWER_HTML}
    for call in (note, reply):
        assert base64.b64decode(call.headers["Authorization"].removeprefix("Basic ")).decode() == "fd-api-key:X"


# --- Zammad ------------------------------------------------------------------------------------------------------

def test_zammad_reads_the_documented_payload():
    payload = sample("zammad-trigger.json")
    delivery = create_vendor("zammad").read(zammad_headers(raw(payload)), payload)
    assert delivery.delivery_id == "c1e9a4b2-58f7-4a8e-9b0d-3f2a7e6d1c55"
    assert (delivery.ticket_id, delivery.subject) == ("81", "Webhook-Test")
    assert delivery.text.startswith("This is a simple Webhook Test.") and delivery.html
    assert (delivery.requester_name, delivery.requester_email) == ("Emily Adams", "emily@example.com")
    assert (delivery.language, delivery.ignore) == (None, None)
    assert create_vendor("zammad").read({}, payload).delivery_id == "81:104"


@pytest.mark.parametrize("language", MESSAGES)
def test_zammad_reads_customers_in_their_own_language(language):
    name, _, text = MESSAGES[language]
    payload = sample("zammad-trigger.json")
    payload["ticket"]["customer"].update(firstname=name, lastname="")
    payload["article"].update(body=text, content_type="text/plain")
    delivery = create_vendor("zammad").read({}, payload)
    assert (delivery.requester_name, delivery.text, delivery.html, delivery.ignore) == (name, text, False, None)


@pytest.mark.parametrize(("change", "reason"), [
    ({"sender": "Agent"}, "not the customer"),
    ({"sender": "System"}, "not the customer"),
    ({"internal": True}, "internal"),
    ({"body": ""}, "no text"),
])
def test_zammad_ignores_agents_system_internal_and_empty_articles(change, reason):
    payload = sample("zammad-trigger.json")
    payload["article"].update(change)
    assert reason in create_vendor("zammad").read({}, payload).ignore


def test_zammad_ignores_a_trigger_without_an_article():
    payload = sample("zammad-trigger.json")
    del payload["article"]
    assert "no article" in create_vendor("zammad").read({"X-Zammad-Delivery": "d-1"}, payload).ignore


def test_zammad_writes_an_internal_note_or_an_email_to_the_customer():
    vendor = create_vendor("zammad")
    delivery = vendor.read({}, sample("zammad-trigger.json"))
    [note] = vendor.write_back(CREDENTIALS["zammad"], delivery, ANSWER_TEXT, ANSWER_HTML, public=False, handoff=True)
    [mail] = vendor.write_back(CREDENTIALS["zammad"], delivery, ANSWER_TEXT, ANSWER_HTML, public=True, handoff=False)
    for call in (note, mail):
        assert (call.method, call.url) == ("POST", "https://zammad.acme.example/api/v1/ticket_articles")
        assert call.headers == {"Authorization": "Token token=zm-access-token", "Content-Type": "application/json"}
    assert note.body == {"ticket_id": 81, "body": ANSWER_HTML, "content_type": "text/html", "type": "note",
                         "internal": True}
    assert mail.body == {"ticket_id": 81, "body": ANSWER_HTML, "content_type": "text/html", "type": "email",
                         "internal": False, "to": "emily@example.com", "subject": "Webhook-Test"}


# --- Chatwoot ----------------------------------------------------------------------------------------------------

def test_chatwoot_reads_an_incoming_message_on_a_pending_conversation():
    payload = chatwoot_pending()
    delivery = create_vendor("chatwoot").read(chatwoot_headers(raw(payload)), payload)
    assert (delivery.delivery_id, delivery.ticket_id) == ("118", "10")
    assert (delivery.subject, delivery.text, delivery.html) == (None, "My order has not arrived yet.", False)
    assert (delivery.requester_name, delivery.language, delivery.ignore) == ("little-haze-776", None, None)


@pytest.mark.parametrize("language", MESSAGES)
def test_chatwoot_reads_contacts_in_their_own_language(language):
    name, locale, text = MESSAGES[language]
    payload = chatwoot_pending(text)
    payload["sender"]["name"] = name
    payload["conversation"]["additional_attributes"]["browser_language"] = locale
    delivery = create_vendor("chatwoot").read({}, payload)
    assert (delivery.requester_name, delivery.language, delivery.text, delivery.ignore) == (name, locale, text, None)


def test_chatwoot_leaves_the_documented_sample_alone_its_conversation_is_open():
    assert "is open" in create_vendor("chatwoot").read({}, sample("chatwoot-message_created.json")).ignore


@pytest.mark.parametrize(("change", "reason"), [
    ({"message_type": "outgoing"}, "outgoing"),
    ({"message_type": "activity"}, "activity"),
    ({"message_type": 1}, "outgoing"),
    ({"private": True}, "private note"),
    ({"sender": {"id": 1, "name": "John", "type": "user"}}, "not the contact"),
    ({"sender": {"id": 2, "name": "KB answers", "type": "agent_bot"}}, "not the contact"),
    ({"event": "message_updated"}, "not a new message"),
    ({"content": ""}, "no text"),
])
def test_chatwoot_ignores_what_is_not_a_contacts_new_message(change, reason):
    payload = chatwoot_pending()
    payload.update(change)
    assert reason in create_vendor("chatwoot").read({}, payload).ignore


@pytest.mark.parametrize("status", ["open", "resolved", "snoozed"])
def test_chatwoot_ignores_conversations_a_person_handles(status):
    payload = chatwoot_pending()
    payload["conversation"]["status"] = status
    assert f"is {status}" in create_vendor("chatwoot").read({}, payload).ignore


def test_chatwoot_replies_or_notes_and_hands_off_by_opening_the_conversation():
    vendor = create_vendor("chatwoot")
    delivery = vendor.read({}, chatwoot_pending())
    conversation = "https://chat.acme.example/api/v1/accounts/1/conversations/10"
    [reply] = vendor.write_back(CREDENTIALS["chatwoot"], delivery, ANSWER_TEXT, ANSWER_HTML, public=True,
                                handoff=False)
    assert (reply.method, reply.url) == ("POST", f"{conversation}/messages")
    assert reply.headers == {"api_access_token": "cw-access-token", "Content-Type": "application/json"}
    assert reply.body == {"content": ANSWER_TEXT, "message_type": "outgoing", "private": False}
    note, handoff = vendor.write_back(CREDENTIALS["chatwoot"], delivery, ANSWER_TEXT, ANSWER_HTML, public=False,
                                      handoff=True)
    assert note.body == {"content": ANSWER_TEXT, "message_type": "outgoing", "private": True}
    assert (handoff.method, handoff.url, handoff.body) == ("POST", f"{conversation}/toggle_status",
                                                            {"status": "open"})
    assert handoff.headers == reply.headers


# --- every vendor ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("vendor_name", "drop", "field"), [
    ("zendesk", ("ticket", "id"), "ticket.id"),
    ("freshdesk", ("ticket", "id"), "ticket.id"),
    ("zammad", ("ticket", "id"), "ticket.id"),
    ("chatwoot", ("conversation", "id"), "conversation.id"),
])
def test_a_payload_without_the_ticket_id_names_the_field(vendor_name, drop, field):
    payload = chatwoot_pending() if vendor_name == "chatwoot" else sample(SIGNED[vendor_name][0])
    del payload[drop[0]][drop[1]]
    with pytest.raises(InvalidPayload, match=rf"^{field}: missing$"):
        create_vendor(vendor_name).read({}, payload)


@pytest.mark.parametrize("vendor_name", WEBHOOK_VENDORS)
def test_a_ticket_id_that_is_no_id_is_refused_naming_it(vendor_name):
    payload = chatwoot_pending() if vendor_name == "chatwoot" else sample(SIGNED[vendor_name][0])
    key = "conversation" if vendor_name == "chatwoot" else "ticket"
    payload[key]["id"] = "../../admin"
    with pytest.raises(InvalidPayload, match=rf"^{key}.id: not an id"):
        create_vendor(vendor_name).read({}, payload)

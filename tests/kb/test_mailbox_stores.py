"""The support mailboxes in the store: settings, leases, polls and each message's state, on both engines."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from kb.stores import MailState, VersionConflict

SETTINGS = {"imap": {"host": "imap.example.com", "password": "encrypted..."}, "policy": "draft"}


@pytest.fixture
def store(open_store):
    store = open_store()
    store.ensure_tenant("acme")
    store.ensure_tenant("other")
    return store


def test_mailbox_settings_are_versioned_per_tenant(store):
    first = store.mailboxes.put("acme", "support", SETTINGS)
    assert first.version == 1 and store.mailboxes.get("acme", "support").document == SETTINGS
    with pytest.raises(VersionConflict):
        store.mailboxes.put("acme", "support", {**SETTINGS, "policy": "auto"}, if_match=5)
    assert store.mailboxes.put("acme", "support", {**SETTINGS, "policy": "auto"}, if_match=1).version == 2
    store.mailboxes.put("other", "support", SETTINGS)
    assert [m.tenant for m in store.mailboxes.list()] == ["acme", "other"]
    assert [m.name for m in store.mailboxes.list("other")] == ["support"]
    assert store.mailboxes.get("acme", "sales") is None
    assert store.mailboxes.delete("acme", "support") and not store.mailboxes.delete("acme", "support")
    assert [m.tenant for m in store.mailboxes.list()] == ["other"]


def test_one_holder_has_the_lease_until_it_expires_or_is_released(store):
    store.mailboxes.put("acme", "support", SETTINGS)
    assert store.mailboxes.take_lease("acme", "support", "worker-a", seconds=30)
    assert not store.mailboxes.take_lease("acme", "support", "worker-b", seconds=30)
    assert store.mailboxes.take_lease("acme", "support", "worker-a", seconds=30)  # a renewal
    assert store.mailboxes.status("acme", "support").lease.holder == "worker-a"
    store.mailboxes.release_lease("acme", "support", "worker-b")  # not its lease: nothing happens
    assert not store.mailboxes.take_lease("acme", "support", "worker-b", seconds=30)
    store.mailboxes.release_lease("acme", "support", "worker-a")
    assert store.mailboxes.take_lease("acme", "support", "worker-b", seconds=0.05)
    time.sleep(0.1)  # worker-b stopped renewing: its lease ran out
    assert store.mailboxes.take_lease("acme", "support", "worker-a", seconds=30)


def test_status_counts_messages_and_keeps_the_last_error_beside_the_last_good_poll(store):
    store.mailboxes.put("acme", "support", SETTINGS)
    assert store.mailboxes.status("acme", "support").last_poll_at is None
    store.mailboxes.record_poll("acme", "support")
    store.mailboxes.record_poll("acme", "support", error="login refused")
    for number in range(3):
        store.mail_messages.claim("acme", "support", f"<m{number}@x>", "ann@example.com")
    store.mail_messages.mark("acme", "support", "<m0@x>", MailState.SENT)
    status = store.mailboxes.status("acme", "support")
    assert status.last_poll_at is not None and status.last_error == "login refused"
    assert status.last_error_at >= status.last_poll_at
    assert status.messages == {"sent": 1, "received": 2}


def test_a_message_is_claimed_once_and_again_only_when_its_retry_is_due(store):
    claimed = store.mail_messages.claim("acme", "support", "<a@x>", "ann@example.com")
    assert claimed.state is MailState.RECEIVED and claimed.attempts == 1
    store.mail_messages.mark("acme", "support", "<a@x>", MailState.FAILED, reason="parse error",
                             retry_at=datetime.now(UTC) + timedelta(hours=1))
    assert store.mail_messages.claim("acme", "support", "<a@x>", "ann@example.com") is None
    store.mail_messages.mark("acme", "support", "<a@x>", MailState.FAILED, reason="parse error",
                             retry_at=datetime.now(UTC) - timedelta(seconds=1))
    again = store.mail_messages.claim("acme", "support", "<a@x>", "ann@example.com")
    assert again.attempts == 2 and again.reason == "parse error"  # the last failure stays visible
    store.mail_messages.mark("acme", "support", "<a@x>", MailState.SENDING, answer_id="a1", reply_id="<r@y>")
    assert store.mail_messages.claim("acme", "support", "<a@x>", "ann@example.com") is None  # never sent twice
    store.mail_messages.mark("acme", "support", "<a@x>", MailState.SENT)
    record = store.mail_messages.get("acme", "support", "<a@x>")
    assert (record.state, record.answer_id, record.reply_id) == (MailState.SENT, "a1", "<r@y>")
    assert store.mail_messages.claim("acme", "support", "<a@x>", "ann@example.com") is None


def test_a_message_left_mid_way_is_claimed_again_only_once_its_worker_is_gone(store):
    assert store.mail_messages.claim("acme", "support", "<e@x>", "eve@example.com") is not None
    assert store.mail_messages.claim("acme", "support", "<e@x>", "eve@example.com") is None  # being handled
    again = store.mail_messages.claim("acme", "support", "<e@x>", "eve@example.com", abandoned_after=timedelta(0))
    assert again.state is MailState.RECEIVED and again.attempts == 2


def test_the_sender_budget_counts_answers_and_drafts_not_skips(store):
    since = datetime.now(UTC) - timedelta(minutes=1)
    for number, state in enumerate([MailState.SENT, MailState.DRAFTED, MailState.SKIPPED, MailState.FAILED]):
        store.mail_messages.claim("acme", "support", f"<b{number}@x>", "bob@example.com")
        store.mail_messages.mark("acme", "support", f"<b{number}@x>", state)
    store.mail_messages.claim("acme", "support", "<c@x>", "carol@example.com")
    store.mail_messages.mark("acme", "support", "<c@x>", MailState.SENT)
    assert store.mail_messages.replies_to("acme", "support", "bob@example.com", since) == 2
    assert store.mail_messages.replies_to("acme", "support", "bob@example.com", datetime.now(UTC)) == 0
    assert store.mail_messages.counts("acme", since, datetime.now(UTC) + timedelta(seconds=1)) == {
        "sent": 2, "drafted": 1, "skipped": 1, "failed": 1}
    assert [r.message_id for r in store.mail_messages.recent("acme", "support", state=MailState.SENT)] == [
        "<c@x>", "<b0@x>"]


def test_a_deleted_mailbox_keeps_its_message_record(store):
    store.mailboxes.put("acme", "support", SETTINGS)
    store.mail_messages.claim("acme", "support", "<d@x>", "dan@example.com")
    store.mail_messages.mark("acme", "support", "<d@x>", MailState.SENT)
    store.mailboxes.delete("acme", "support")
    store.mailboxes.put("acme", "support", SETTINGS)
    assert store.mail_messages.claim("acme", "support", "<d@x>", "dan@example.com") is None

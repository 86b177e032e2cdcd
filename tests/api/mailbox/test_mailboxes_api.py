"""/v1/mailboxes: saving tests the connection on the real servers and names what failed; passwords go in,
never out."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.api.mailbox.mailboxes import SUPPORT
from tests.helpers import bearer, new_key
from tests.servers import free_port

NAMES = itertools.count()


@pytest.fixture
def name(client):
    """A fresh mailbox name, removed after the test."""
    name = f"api-{next(NAMES)}"
    yield name
    client.delete(f"/v1/mailboxes/{name}")


@pytest.fixture
def settings_for(dovecot, smtp_sink):
    """A mailbox's settings on the session's servers, with changes given per part."""

    def settings(imap: dict | None = None, smtp: dict | None = None, **fields) -> dict:
        return {"imap": {"host": dovecot.host, "port": dovecot.port, "security": "none", "user": SUPPORT,
                         "password": dovecot.users[SUPPORT], **(imap or {})},
                "smtp": {"host": smtp_sink.host, "port": smtp_sink.port, "security": "none", **(smtp or {})},
                "from_address": SUPPORT, "from_name": "Acme Support", **fields}

    return settings


def test_a_saved_mailbox_never_shows_or_stores_its_password(client, services, settings_for, name, dovecot):
    created = client.put(f"/v1/mailboxes/{name}", json=settings_for(policy="auto"))
    assert created.status_code == 201, created.text
    password = dovecot.users[SUPPORT]
    body = created.json()
    assert body["settings"]["imap"]["password_set"] and body["settings"]["policy"] == "auto"
    assert body["status"] == {"served_by": None, "lease_expires_at": None, "last_poll_at": None, "last_error": None,
                              "last_error_at": None, "messages": {}}
    for response in (created, client.get(f"/v1/mailboxes/{name}"), client.get("/v1/mailboxes")):
        assert response.status_code == 200 or response is created
        assert password not in response.text
    stored = services.store.mailboxes.get("demo", name)
    assert password not in json.dumps(stored.document) and stored.document["imap"]["password_encrypted"]


def test_a_change_without_a_password_keeps_the_stored_one(client, settings_for, name):
    assert client.put(f"/v1/mailboxes/{name}", json=settings_for()).status_code == 201
    changed = settings_for(policy="draft", folders={"done": "Done"})
    del changed["imap"]["password"]
    replaced = client.put(f"/v1/mailboxes/{name}", json=changed)  # the check logs in with the stored password
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["version"] == 2 and replaced.json()["settings"]["folders"]["done"] == "Done"
    assert client.post(f"/v1/mailboxes/{name}/check").json() == {"idle": True, "move": True}


@pytest.mark.parametrize(("change", "named"), [
    ({"imap": {"password": "not-the-password"}}, "imap login: user 'support@example.com' refused"),
    ({"folders": {"drafts": "Entwürfe"}}, "imap folder: the drafts folder 'Entwürfe' does not exist"),
    ({"imap": {"host": "imap.nowhere.invalid"}}, "imap dns: the host name 'imap.nowhere.invalid' does not resolve"),
    ({"smtp": {"host": "mail..example.com"}}, "smtp dns: 'mail..example.com' is not a valid host name"),
    ({"imap": {"user": "support@example.com\r\nA1 LOGOUT"}}, "imap login: user"),
    ({"imap": {"port": "closed"}}, "imap connect: 127.0.0.1:"),
    ({"imap": {"security": "ssl"}}, "imap tls:"),
    ({"smtp": {"port": "closed"}}, "smtp connect: 127.0.0.1:"),
])
def test_settings_that_do_not_work_are_refused_naming_what_failed(client, settings_for, name, change, named):
    parts = {part: {key: free_port() if value == "closed" else value for key, value in fields.items()}
             for part, fields in change.items()}
    refused = client.put(f"/v1/mailboxes/{name}", json=settings_for(**parts))
    assert refused.status_code == 422 and named in refused.json()["detail"], refused.text
    assert client.get(f"/v1/mailboxes/{name}").status_code == 404  # nothing was saved
    assert client.put(f"/v1/mailboxes/{name}?check=false", json=settings_for(**parts)).status_code == 201


@pytest.mark.parametrize(("body", "named"), [
    ({"from_address": "Support <support@example.com>"}, "from_address must be a plain mail address"),
    ({"imap": {"password": None}}, "imap.password is required for a new mailbox"),
    ({"policy": "sometimes"}, "policy"),
    ({"auto_send_confidence": 1.5}, "auto_send_confidence"),
    ({"imap": {"host": "imaps://mail.example.com"}}, "host must be a host name"),
    ({"signature": "x"}, "signature"),
])
def test_bad_settings_get_a_422_naming_the_field(client, settings_for, name, body, named):
    refused = client.put(f"/v1/mailboxes/{name}", json=settings_for(**body))
    assert refused.status_code == 422 and named in refused.text, refused.text


def test_names_scopes_and_missing_mailboxes(client, services, settings_for):
    assert "mailbox name 'Support Desk'" in client.put("/v1/mailboxes/Support Desk", json=settings_for()).text
    for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/check")):
        assert client.request(method, f"/v1/mailboxes/nothing-here{path}").status_code == 404
    answer_only = bearer(new_key(services, "answer"))
    assert client.get("/v1/mailboxes", headers=answer_only).status_code == 403


def test_without_a_secrets_key_the_server_says_how_to_enable_mailboxes(client, services, settings_for, name,
                                                                        monkeypatch):
    monkeypatch.setattr(services.settings, "secrets_key", None)
    refused = client.put(f"/v1/mailboxes/{name}", json=settings_for())
    assert refused.status_code == 503 and "KB_SECRETS_KEY" in refused.json()["detail"]


def test_a_removed_mailbox_is_gone(client, settings_for, name):
    assert client.put(f"/v1/mailboxes/{name}", json=settings_for()).status_code == 201
    assert client.delete(f"/v1/mailboxes/{name}").status_code == 204
    assert client.get(f"/v1/mailboxes/{name}").status_code == 404
    assert name not in [mailbox["name"] for mailbox in client.get("/v1/mailboxes").json()]

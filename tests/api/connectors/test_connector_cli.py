"""``kb-answers connector``: the same connector settings and checks as /v1/connectors, from the command line."""

from __future__ import annotations

import json

import pytest
import yaml

from api.connectors.cli import main
from kb.stores import create_store


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    """A store with the tenant ``acme``, which the command line uses (KB_STORE_PATH)."""
    path = tmp_path / "store.sqlite3"
    store = create_store("sqlite", path)
    store.ensure_tenant("acme")
    store.close()
    monkeypatch.setenv("KB_STORE_PATH", str(path))
    return path


def settings_file(tmp_path, **fields) -> str:
    path = tmp_path / "connector.yaml"
    path.write_text(yaml.safe_dump({"vendor": "zendesk", "base_url": "https://acme.zendesk.com",
                                    "user": "agent@acme.example", **fields}), encoding="utf-8")
    return str(path)


def test_add_list_show_and_remove_with_secrets_from_the_environment(store_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ZD_SECRET", "dGhlLXdlYmhvb2stc2lnbmluZy1zZWNyZXQ=")
    monkeypatch.setenv("ZD_TOKEN", "zendesk-api-token-of-the-agent")
    assert main(["add", "--tenant", "acme", settings_file(tmp_path), "--secret-env", "ZD_SECRET",
                 "--token-env", "ZD_TOKEN"]) == 0
    out = capsys.readouterr().out
    connector_id = out.split()[1]
    assert f"send its webhooks to <this server>/v1/connectors/zendesk/{connector_id}" in out
    assert main(["list", "--tenant", "acme"]) == 0
    listed = capsys.readouterr().out
    assert "zendesk-api-token-of-the-agent" not in listed and "dGhlLXdlYmhvb2st" not in listed
    assert main(["show", "--tenant", "acme", connector_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["settings"]["secret_set"] and shown["settings"]["token_set"] and shown["recent"] == []
    assert main(["remove", "--tenant", "acme", connector_id]) == 0
    assert main(["show", "--tenant", "acme", connector_id]) == 2
    assert capsys.readouterr().err == f"error: tenant 'acme' has no connector '{connector_id}'\n"


@pytest.mark.parametrize(("fields", "options", "message"), [
    ({}, [], "error: secret is required for a new connector"),
    ({}, ["--secret-env", "NOWHERE_SET"], "error: --secret-env: the environment has no NOWHERE_SET"),
    ({"vendor": "helpscout"}, [], "error: vendor: vendor must be one of zendesk, freshdesk, zammad, chatwoot, rt"),
])
def test_mistakes_are_one_line_and_exit_code_2(store_path, tmp_path, capsys, fields, options, message):
    assert main(["add", "--tenant", "acme", settings_file(tmp_path, **fields), *options]) == 2
    error = capsys.readouterr().err
    assert error.startswith(message) and error.count("\n") == 1, error


def test_a_request_tracker_connector_needs_no_webhook_secret(store_path, tmp_path, capsys):
    path = settings_file(tmp_path, vendor="rt", base_url="http://rt.acme.example", queue="Support")
    assert main(["add", "--tenant", "acme", path]) == 0
    assert "its new tickets are read every 30 s" in capsys.readouterr().out

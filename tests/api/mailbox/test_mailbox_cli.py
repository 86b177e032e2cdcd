"""``kb-answers mailbox``: the same mailbox settings and checks as the API, from the command line."""

from __future__ import annotations

import json

import pytest
import yaml

from api.cli import main as cli_main
from api.mailbox.cli import main
from api.secrets import PasswordBox
from kb.stores import create_store
from tests.api.mailbox.mailboxes import SUPPORT


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    """A store with the tenant ``acme``, which the command line uses (KB_STORE_PATH)."""
    path = tmp_path / "store.sqlite3"
    store = create_store("sqlite", path)
    store.ensure_tenant("acme")
    store.close()
    monkeypatch.setenv("KB_STORE_PATH", str(path))
    return path


@pytest.fixture
def settings_file(tmp_path, dovecot, smtp_sink):
    path = tmp_path / "support.yaml"
    path.write_text(yaml.safe_dump({
        "imap": {"host": dovecot.host, "port": dovecot.port, "security": "none", "user": SUPPORT},
        "smtp": {"host": smtp_sink.host, "port": smtp_sink.port, "security": "none"},
        "from_address": SUPPORT, "from_name": "Acme Support", "policy": "draft"}), encoding="utf-8")
    return path


def test_add_show_check_and_remove_a_mailbox_with_the_password_from_the_environment(
        store_path, settings_file, dovecot, monkeypatch, capsys):
    monkeypatch.setenv("SUPPORT_IMAP_PASSWORD", dovecot.users[SUPPORT])
    assert main(["add", "--tenant", "acme", "support", str(settings_file),
                 "--imap-password-env", "SUPPORT_IMAP_PASSWORD"]) == 0
    assert "mailbox acme/support saved, version 1; connection tested (IMAP IDLE: yes)" in capsys.readouterr().out
    assert main(["show", "--tenant", "acme", "support"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["settings"]["imap"]["password_set"] and shown["recent"] == []
    assert main(["list", "--tenant", "acme"]) == 0
    assert dovecot.users[SUPPORT] not in capsys.readouterr().out
    assert main(["check", "--tenant", "acme", "support"]) == 0
    assert "IMAP and SMTP logins work" in capsys.readouterr().out
    assert main(["remove", "--tenant", "acme", "support"]) == 0
    assert main(["show", "--tenant", "acme", "support"]) == 2
    assert capsys.readouterr().err == "error: tenant 'acme' has no mailbox 'support'\n"


@pytest.mark.parametrize(("arguments", "message"), [
    (["--imap-password-env", "NOT_SET_ANYWHERE"], "error: --imap-password-env: the environment has no NOT_SET_ANYWHERE"),
    ([], "error: imap.password is required for a new mailbox"),
    (["--imap-password-env", "WRONG_PASSWORD"], "error: imap login: user 'support@example.com' refused"),
])
def test_mistakes_are_one_line_and_exit_code_2(store_path, settings_file, monkeypatch, capsys, arguments, message):
    monkeypatch.setenv("WRONG_PASSWORD", "not-it")
    assert main(["add", "--tenant", "acme", "support", str(settings_file), *arguments]) == 2
    error = capsys.readouterr().err
    assert error.startswith(message) and error.count("\n") == 1


def test_an_unknown_tenant_and_a_broken_file_are_named(store_path, tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("imap: [unclosed", encoding="utf-8")
    assert main(["add", "--tenant", "acme", "support", str(broken)]) == 2
    assert "is not YAML or JSON" in capsys.readouterr().err
    assert main(["list", "--tenant", "nobody"]) == 2
    assert "no tenant 'nobody'" in capsys.readouterr().err


def test_secrets_key_prints_a_key_the_service_accepts(capsys):
    assert cli_main(["secrets-key"]) == 0
    PasswordBox(capsys.readouterr().out.strip()).encrypt("works")

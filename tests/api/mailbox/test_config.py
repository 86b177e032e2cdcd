"""Mailbox settings: passwords encrypted at rest (with key rotation), and the auto-send policy."""

from __future__ import annotations

import json

import pytest

from api.autosend import decide
from api.mailbox.config import MailboxSettings, shown_settings
from api.pipeline import Answer, ConcernAnswer
from api.secrets import PasswordBox, SecretsKeyError, new_key
from kb.models import Channel, Language
from kb.templates import Situation

SETTINGS = {"imap": {"host": "imap.example.com", "user": "support@example.com", "password": "imap-secret"},
            "smtp": {"host": "smtp.example.com"}, "from_address": "Support@Example.com"}


def test_passwords_are_stored_encrypted_and_read_back_with_the_key():
    box = PasswordBox(new_key())
    document = MailboxSettings.model_validate(SETTINGS).to_document(box)
    assert "imap-secret" not in json.dumps(document)
    settings = MailboxSettings.from_document(document, box)
    assert settings.imap.password.get_secret_value() == "imap-secret"
    assert settings.smtp_login() == ("support@example.com", "imap-secret")  # SMTP logs in as IMAP unless told
    assert settings.from_address == "support@example.com" and settings.smtp.port is None
    shown = shown_settings(document)
    assert shown["imap"]["password_set"] and not shown["smtp"]["password_set"] and "imap-secret" not in str(shown)


def test_a_change_without_a_password_keeps_the_stored_one_and_a_new_mailbox_needs_one():
    box = PasswordBox(new_key())
    stored = MailboxSettings.model_validate(SETTINGS).to_document(box)
    unchanged = {**SETTINGS, "imap": {key: value for key, value in SETTINGS["imap"].items() if key != "password"}}
    document = MailboxSettings.model_validate(unchanged).to_document(box, stored)
    assert MailboxSettings.from_document(document, box).imap.password.get_secret_value() == "imap-secret"
    with pytest.raises(ValueError, match="imap.password is required"):
        MailboxSettings.model_validate(unchanged).to_document(box)


def test_keys_rotate_the_first_encrypts_and_every_one_decrypts():
    old, new = new_key(), new_key()
    token = PasswordBox(old).encrypt("imap-secret")
    rotated = PasswordBox(f"{new}, {old}")
    assert rotated.decrypt(token) == "imap-secret"
    assert PasswordBox(new).decrypt(rotated.encrypt("imap-secret")) == "imap-secret"
    with pytest.raises(SecretsKeyError, match="cannot be decrypted with KB_SECRETS_KEY"):
        PasswordBox(new).decrypt(token)


@pytest.mark.parametrize("key", [None, "", "  ", "not-a-key", "é" * 44])
def test_a_missing_or_malformed_key_says_how_to_make_one(key):
    with pytest.raises(SecretsKeyError, match="kb-answers secrets-key"):
        PasswordBox(key)


def answer(*concerns: tuple[bool, float], handoff: bool = False) -> Answer:
    """An answer whose concerns are answered (or not) with these confidences."""
    return Answer(answer_id="a", language=Language.EN, detected_language=Language.EN,
                  requested_language=Language.EN, channel=Channel.EMAIL, answered=all(a for a, _ in concerns),
                  confidence=min(c for _, c in concerns), situation=Situation.GENERAL, situation_confidence=0.0,
                  handoff=handoff, text="", parts={}, articles=[], references=[],
                  concerns=[ConcernAnswer(f"question {n}", answered, confidence, None, None, not answered)
                            for n, (answered, confidence) in enumerate(concerns)])


@pytest.mark.parametrize(("policy", "given", "send", "why"), [
    ("auto", answer((True, 0.95), (True, 0.8)), True, "every concern answered"),
    ("auto", answer((True, 0.95), (True, 0.55)), False, "confidence 0.55, under the auto-send confidence 0.60"),
    ("auto", answer((True, 0.95), (False, 0.2), handoff=True), False, "handed over to a person"),
    ("auto", answer((True, 0.99), handoff=True), False, "handed over to a person"),
    ("draft", answer((True, 0.99)), False, "policy draft: every answer waits for a person"),
])
def test_only_policy_auto_sends_and_only_when_every_concern_is_sure(policy, given, send, why):
    settings = MailboxSettings.model_validate({**SETTINGS, "policy": policy})
    decision = decide(given, settings.policy.value, settings.auto_send_confidence)
    assert decision.send is send and why in decision.reason

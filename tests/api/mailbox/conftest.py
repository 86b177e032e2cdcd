"""The mailbox tests' real mail servers for the session: Dovecot (IMAP) and aiosmtpd (SMTP) on 127.0.0.1,
from tests/mailservers.py."""

from __future__ import annotations

import pytest

from api.secrets import PasswordBox
from tests.api.mailbox.mailboxes import new_mailbox
from tests.mailservers import Dovecot, SmtpSink, require_dovecot


@pytest.fixture(scope="session")
def dovecot():
    """A throwaway Dovecot with the users ``support@example.com`` and ``other@example.com``."""
    require_dovecot()
    with Dovecot({"support@example.com": "Kettle-Harbour-41", "other@example.com": "Quiet-Meadow-87"}) as server:
        yield server


@pytest.fixture(scope="session")
def smtp_sink():
    """An SMTP server that keeps every message it receives (no login asked)."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def mail_services(settings, request):
    """The session's service on the default backend (the mailbox tests need one, not one per backend)."""
    if settings.vector_backend != "faiss":
        pytest.skip("the mailbox runs the same pipeline on every backend: tested once, on faiss")
    return request.getfixturevalue("services")


@pytest.fixture(scope="session")
def box(mail_services):
    return PasswordBox(mail_services.settings.secrets_key.get_secret_value())


@pytest.fixture
def make_mailbox(mail_services, box, dovecot, smtp_sink):
    """Makes a mailbox of the demo tenant on folders of its own (settings overridden as given); removed
    after the test, so later workers do not serve it."""
    made = []

    def make(**overrides):
        made.append(new_mailbox(mail_services.store, box, dovecot, smtp_sink, **overrides))
        return made[-1]

    yield make
    for mailbox in made:
        mail_services.store.mailboxes.delete("demo", mailbox.name)


@pytest.fixture
def mailbox(make_mailbox):
    return make_mailbox()


@pytest.fixture
def draft_mailbox(make_mailbox):
    return make_mailbox(policy="draft")

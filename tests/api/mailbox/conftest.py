"""The mailbox tests' real mail servers for the session: Dovecot (IMAP) and aiosmtpd (SMTP) on 127.0.0.1,
from tests/mailservers.py."""

from __future__ import annotations

import pytest

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

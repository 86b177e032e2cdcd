"""The connector tests' real ticket system for the session: Request Tracker 5 on 127.0.0.1, from tests/helpdesk.py."""

from __future__ import annotations

import pytest

from tests.helpdesk import RequestTracker, require_request_tracker


@pytest.fixture(scope="session")
def request_tracker():
    """A throwaway Request Tracker 5 (queue ``General``, user ``root``), started once for the session."""
    require_request_tracker()
    with RequestTracker() as tracker:
        yield tracker

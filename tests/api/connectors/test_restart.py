"""The connectors' queue across a restart: jobs left in the store by a process that stopped — queued, taken by a
worker that died before writing back, or mid-write-back — are finished by the next server process, each written
back at most once."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from api.connectors.config import ConnectorSettings
from api.connectors.vendors import create_vendor
from api.secrets import PasswordBox
from api.services import seed_tenant
from indexer.settings import DEMO_KB
from kb.stores import JobState, create_store
from tests.api.connectors.deliveries import WEBHOOK_KEY, signed_delivery
from tests.helpers import wait_for
from tests.servers import Server, free_port
from tests.vendor_api import VendorApi

QUESTIONS = ["How do I reset my password?", "When will I get my refund?", "Can I pay with PayPal?",
             "How do I change my delivery address?"]


def test_a_restarted_server_finishes_the_queue_and_writes_nothing_twice(settings, services, tmp_path):
    if settings.vector_backend != "faiss":
        pytest.skip("the queue is the same on every backend: tested once, on faiss")
    box = PasswordBox(settings.secrets_key.get_secret_value())
    store = create_store("sqlite", tmp_path / "store.sqlite3")
    seed_tenant(store, "demo", DEMO_KB)
    vendor = create_vendor("freshdesk")
    with VendorApi() as api:
        connector = ConnectorSettings(vendor="freshdesk", secret=WEBHOOK_KEY, base_url=api.base_url,
                                      token="freshdesk-api-key")  # noqa: S106 (a test key)
        store.connectors.put("demo", "c1", connector.to_document(box))
        # what a stopped process left: four deliveries queued; the first taken by a worker that died before writing
        # back, the second taken and its write-back begun when it died
        for number, question in enumerate(QUESTIONS, start=1):
            body, headers = signed_delivery("freshdesk", question, number)
            delivery = vendor.read(headers, json.loads(body))
            assert store.connector_jobs.enqueue("demo", "c1", delivery.delivery_id, asdict(delivery))
        lease = timedelta(milliseconds=1)
        died_before = store.connector_jobs.claim(lease)
        died_writing = store.connector_jobs.claim(lease)
        store.connector_jobs.mark(died_writing, JobState.WRITING, retry_at=datetime.now(UTC))
        store.close()
        shutil.copytree(settings.index_dir / "demo", tmp_path / "index" / "demo")
        server = Server(free_port(), {"KB_STORE_PATH": str(tmp_path / "store.sqlite3"),
                                      "KB_INDEX_DIR": str(tmp_path / "index"), "KB_LOG_LEVEL": "WARNING"},
                        tmp_path / "server.log")
        try:
            server.start(timeout=300)
            store = create_store("sqlite", tmp_path / "store.sqlite3")
            jobs = store.connector_jobs
            wait_for(lambda: all(job.state in (JobState.DONE, JobState.SET_ASIDE)
                                 for job in jobs.recent("demo", "c1")), "the queue was not finished", 120)
        finally:
            server.stop()
        states = {job.delivery_id: job.state for job in jobs.recent("demo", "c1")}
        assert states.pop(died_writing.delivery_id) is JobState.SET_ASIDE  # it may be on the ticket: not again
        assert set(states.values()) == {JobState.DONE}
        written = [request.path for request in api.requests]
        assert sorted(written) == sorted(f"/api/v2/tickets/{number}/notes" for number in (1, 3, 4))
        assert died_before.delivery_id in states
        store.close()

"""Creating and showing a tenant's help-desk connectors: what ``/v1/connectors`` and ``kb-answers connector`` both
do."""

from __future__ import annotations

from api.connectors.config import ConnectorSettings, shown_connector
from api.connectors.vendors import POLLED_VENDORS
from api.secrets import PasswordBox
from kb.stores import ConnectorJob, Store, StoredConnector


def create_connector(store: Store, box: PasswordBox, tenant: str, settings: ConnectorSettings) -> StoredConnector:
    """Store a new connector under a fresh id, its secrets encrypted.

    Raises:
        ValueError: no webhook secret for a vendor that calls our receiver.
        UnknownTenantError: no such tenant.
    """
    return store.connectors.put(tenant, store.connectors.new_id(), settings.to_document(box), if_match=0)


def receiver_path(stored: StoredConnector) -> str | None:
    """Where the help desk sends its webhooks (None for a help desk that is polled)."""
    vendor = stored.document["vendor"]
    return None if vendor in POLLED_VENDORS else f"/v1/connectors/{vendor}/{stored.id}"


def connector_view(store: Store, stored: StoredConnector, recent: int = 0) -> dict:
    """A connector as shown: its settings without secrets, its receiver path, its jobs per state and (``recent`` >
    0) its latest deliveries with what was done with each."""
    jobs = store.connector_jobs
    view = {"id": stored.id, "version": stored.version, "updated_at": stored.updated_at,
            "receiver_path": receiver_path(stored), "settings": shown_connector(stored.document),
            "jobs": jobs.counts(stored.tenant, stored.id)}
    if recent:
        view["recent"] = [job_view(job) for job in jobs.recent(stored.tenant, stored.id, recent)]
    return view


def job_view(job: ConnectorJob) -> dict:
    """One delivery's job as shown."""
    return {"delivery_id": job.delivery_id, "ticket_id": job.payload["ticket_id"], "state": job.state.value,
            "reason": job.reason, "attempts": job.attempts, "retry_at": job.retry_at, "answer_id": job.answer_id,
            "received_at": job.created_at, "updated_at": job.updated_at}

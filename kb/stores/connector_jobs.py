"""The help-desk connectors' durable job queue: one job per webhook delivery (by the vendor's delivery id, so a
delivery sent again is never a second job), taken by one worker at a time under a lease, written before any
call to the vendor so a write-back is never made twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from kb.stores.base import ConnectorJob, JobState
from kb.stores.columns import now, utc
from kb.stores.concern import Concern

COLUMNS = ("tenant, connector, delivery_id, payload, state, reason, attempts, retry_at, answer_id, created_at, "
           "updated_at, reply")


class ConnectorJobs(Concern):
    """The queue of webhook deliveries to answer (see :class:`kb.stores.base.JobState`)."""

    def enqueue(self, tenant: str, connector: str, delivery_id: str, payload: dict) -> bool:
        """Queue a delivery; False when it was queued before (a vendor's retry): nothing changes."""
        moment = now()
        with self.store.transaction() as db:
            return db.execute("INSERT INTO connector_jobs (tenant, connector, delivery_id, payload, state, attempts, "
                              "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING",
                              (tenant, connector, delivery_id, json.dumps(payload, ensure_ascii=False),
                               JobState.QUEUED.value, moment, moment)).rowcount == 1

    def claim(self, lease: timedelta) -> ConnectorJob | None:
        """Take the oldest job that is due: queued, failed and due for its retry, or running with its lease run out
        (its worker stopped before writing anything back); it becomes ``running`` until ``lease`` from now. A job
        whose worker stopped while writing back (``writing``, its lease run out) is set aside first: the
        write-back may have been made, so it is never made again.

        Returns:
            The job (its attempts counted), or None when none is due.
        """
        moment = now()
        with self.store.transaction() as db:
            self.store.lock_document(db, "connector_jobs", "", "queue")
            db.execute("UPDATE connector_jobs SET state = ?, reason = ?, updated_at = ? WHERE state = ? "
                       "AND retry_at <= ?", (JobState.SET_ASIDE.value, "a worker stopped while writing the answer "
                                             "back: it may be on the ticket, so it is not written again", moment,
                                             JobState.WRITING.value, moment))
            row = db.execute(
                f"SELECT {COLUMNS} FROM connector_jobs WHERE (state = ? OR (state IN (?, ?) AND retry_at <= ?)) "  # noqa: S608 (columns are a constant)
                "ORDER BY updated_at LIMIT 1",
                (JobState.QUEUED.value, JobState.FAILED.value, JobState.RUNNING.value, moment)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE connector_jobs SET state = ?, attempts = attempts + 1, retry_at = ?, updated_at = ? "
                       "WHERE tenant = ? AND connector = ? AND delivery_id = ?",
                       (JobState.RUNNING.value, utc(datetime.now(UTC) + lease), moment, *row[:3]))
        job = _job(row)
        return ConnectorJob(**{**job.__dict__, "state": JobState.RUNNING, "attempts": job.attempts + 1})

    def mark(self, job: ConnectorJob, state: JobState, reason: str | None = None, answer_id: str | None = None,
             retry_at: datetime | None = None, reply: dict | None = None) -> None:
        """Record a job's new state (committed before the call returns: write ``writing`` before the write-back);
        ``answer_id`` and ``reply`` are kept when not given."""
        with self.store.transaction() as db:
            db.execute("UPDATE connector_jobs SET state = ?, reason = ?, answer_id = COALESCE(?, answer_id), "
                       "reply = COALESCE(?, reply), retry_at = ?, updated_at = ? "
                       "WHERE tenant = ? AND connector = ? AND delivery_id = ?",
                       (state.value, reason, answer_id, json.dumps(reply, ensure_ascii=False) if reply else None,
                        utc(retry_at) if retry_at else None, now(), job.tenant, job.connector, job.delivery_id))

    def get(self, tenant: str, connector: str, delivery_id: str) -> ConnectorJob | None:
        with self.store.reading() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM connector_jobs WHERE tenant = ? AND connector = ? "  # noqa: S608 (columns are a constant)
                             "AND delivery_id = ?", (tenant, connector, delivery_id)).fetchone()
        return _job(row) if row else None

    def recent(self, tenant: str, connector: str, limit: int = 50) -> list[ConnectorJob]:
        """The connector's jobs, last changed first."""
        with self.store.reading() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM connector_jobs WHERE tenant = ? AND connector = ? "  # noqa: S608 (columns are a constant)
                              "ORDER BY updated_at DESC, delivery_id LIMIT ?", (tenant, connector, limit)).fetchall()
        return [_job(row) for row in rows]

    def counts(self, tenant: str, connector: str) -> dict[str, int]:
        """The connector's jobs per state."""
        with self.store.reading() as db:
            rows = db.execute("SELECT state, COUNT(*) FROM connector_jobs WHERE tenant = ? AND connector = ? "
                              "GROUP BY state", (tenant, connector)).fetchall()
        return {state: count for state, count in rows}


def _job(row) -> ConnectorJob:
    tenant, connector, delivery_id, payload, state, reason, attempts, retry_at, answer_id, created, updated, reply = row
    return ConnectorJob(tenant, connector, delivery_id, json.loads(payload), JobState(state), reason, attempts,
                        datetime.fromisoformat(retry_at) if retry_at else None, answer_id,
                        datetime.fromisoformat(created), datetime.fromisoformat(updated),
                        json.loads(reply) if reply else None)

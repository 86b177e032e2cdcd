"""The answer log and what support teams read from it: top and unanswered questions, answer and
deflection rates per language, channel and period.

Answers are logged off the request path: a background thread writes them to the store in small
batches, so an answer never waits for a disk write. The query text is kept for the retention
period (``KB_QUERY_RETENTION_DAYS``; 0 keeps none) and then erased; the rest of the record stays.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kb.stores import AnswerRecord, AnswerRow, Store

log = logging.getLogger("kb_api")
PURGE_EVERY_S = 3600


class AnswerLog:
    """Writes answer records to the store from a background thread.

    Args:
        store: where the records go.
        retention_days: how long query text is kept (0: never stored).
        batch_wait_s: how long the writer waits to gather a batch.
    """

    def __init__(self, store: Store, retention_days: int, batch_wait_s: float = 0.05):
        self.store = store
        self.retention_days = retention_days
        self.batch_wait_s = batch_wait_s
        self._queue: queue.Queue[AnswerRecord | threading.Event | None] = queue.Queue()
        self._last_purge = 0.0
        self._thread = threading.Thread(target=self._run, name="answer-log", daemon=True)
        self._thread.start()

    def record(self, record: AnswerRecord) -> None:
        """Queue an answer for the log (its query text dropped when none is kept)."""
        if not self.retention_days and record.query is not None:
            record = replace(record, query=None)
        self._queue.put(record)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far is in the store."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch, waiting, stop = [], [], False
            deadline = time.monotonic() + self.batch_wait_s
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiting.append(item)
                else:
                    batch.append(item)
                remaining = deadline - time.monotonic()
                if stop or waiting or remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            try:
                if batch:
                    self.store.log_answers(batch)
                self._purge_if_due()
            except Exception:  # the log must never take the service down; the error is logged
                log.exception("could not write %d answer records", len(batch))
            for event in waiting:
                event.set()
            if stop:
                return

    def _purge_if_due(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = time.monotonic()
        erased = self.store.forget_queries(None, datetime.now(UTC) - timedelta(days=self.retention_days))
        if erased:
            log.info("erased the query text of %d answers older than %d days", erased, self.retention_days)


def normalised(query: str) -> str:
    """The form questions are grouped by: case-folded, whitespace collapsed."""
    return " ".join(query.casefold().split())


def select(rows: Iterable[AnswerRow], language: str | None, channel: str | None) -> list[AnswerRow]:
    return [row for row in rows if (language is None or row.language == language)
            and (channel is None or row.channel == channel)]


def rates(rows: list[AnswerRow]) -> dict:
    """Counts and rates of a set of answers.

    ``answer_rate``: answered / answers; ``helpful_rate``: helpful / answers with feedback;
    ``deflection_rate``: resolved without contacting support / answers whose outcome was reported.
    """
    feedback = [row for row in rows if row.helpful is not None]
    outcomes = [row for row in rows if row.resolved is not None or row.contacted_support is not None]
    deflected = [row for row in outcomes if row.resolved and not row.contacted_support]
    return {
        "answers": len(rows),
        "answered": sum(row.answered for row in rows),
        "answer_rate": _share(sum(row.answered for row in rows), len(rows)),
        "feedback": len(feedback),
        "helpful_rate": _share(sum(bool(row.helpful) for row in feedback), len(feedback)),
        "outcomes": len(outcomes),
        "deflection_rate": _share(len(deflected), len(outcomes)),
    }


def summary(rows: list[AnswerRow]) -> dict:
    """Rates over all the rows and per (language, channel)."""
    groups: dict[tuple[str, str], list[AnswerRow]] = defaultdict(list)
    for row in rows:
        groups[(row.language, row.channel)].append(row)
    return {"total": rates(rows),
            "by_language_and_channel": [{"language": language, "channel": channel, **rates(group)}
                                        for (language, channel), group in sorted(groups.items())]}


def top_questions(rows: list[AnswerRow], limit: int) -> list[dict]:
    """The most asked questions (those whose text is still kept), with how often each was answered."""
    groups: dict[str, list[AnswerRow]] = defaultdict(list)
    for row in rows:
        if row.query is not None:
            groups[normalised(row.query)].append(row)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    return [{"query": group[-1].query, "count": len(group),
             "answer_rate": _share(sum(row.answered for row in group), len(group)),
             "last_asked": group[-1].created_at} for _, group in ranked]


def unanswered_questions(rows: list[AnswerRow], limit: int) -> list[dict]:
    """Questions left without an answer, or whose answer was marked not helpful, most frequent first."""
    groups: dict[str, list[AnswerRow]] = defaultdict(list)
    for row in rows:
        if row.query is not None and (not row.answered or row.helpful is False):
            groups[normalised(row.query)].append(row)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    return [{"query": group[-1].query, "count": len(group),
             "not_answered": sum(not row.answered for row in group),
             "not_helpful": sum(row.helpful is False for row in group),
             "reasons": dict(Counter(row.reason for row in group if row.reason)),
             "last_asked": group[-1].created_at} for _, group in ranked]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None

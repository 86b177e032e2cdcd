"""The answer log and what support teams read from it: top and unanswered questions, answer and
deflection rates per language, channel and period, and the counts per day.

The store filters and counts the answers (per language and channel, per question text); here the
counts become rates, and question texts that differ only in case and spacing are counted as one.

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
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

from kb.stores import AnswerCounts, AnswerRecord, DailyCounts, QuestionCounts, Store

log = logging.getLogger("kb_api")
PURGE_EVERY_S = 3600


class AnswerLog:
    """Writes answer records to the store from a background thread.

    Args:
        store: where the records go.
        retention_days: how long query text is kept (0: never stored).
        batch_wait_s: how long the writer waits to gather a batch.
        on_written: called with each batch once it is in the store (from the writer's thread).
    """

    def __init__(self, store: Store, retention_days: int, batch_wait_s: float = 0.05,
                 on_written: Callable[[list[AnswerRecord]], None] | None = None):
        self.store = store
        self.retention_days = retention_days
        self.batch_wait_s = batch_wait_s
        self.on_written = on_written
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
                    self.store.answers.log(batch)
                    if self.on_written:
                        self.on_written(batch)
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
        erased = self.store.answers.forget_queries(None, datetime.now(UTC) - timedelta(days=self.retention_days))
        if erased:
            log.info("erased the query text of %d answers older than %d days", erased, self.retention_days)


def normalised(query: str) -> str:
    """The form questions are grouped by: case-folded, whitespace collapsed."""
    return " ".join(query.casefold().split())


def rates(groups: list[AnswerCounts]) -> dict:
    """Counts and rates of the answers of some groups.

    ``answer_rate``: answered / answers; ``helpful_rate``: helpful / answers with feedback;
    ``deflection_rate``: resolved without contacting support / answers whose outcome was reported.
    """
    answers, answered = sum(group.answers for group in groups), sum(group.answered for group in groups)
    feedback, outcomes = sum(group.feedback for group in groups), sum(group.outcomes for group in groups)
    return {
        "answers": answers,
        "answered": answered,
        "answer_rate": _share(answered, answers),
        "feedback": feedback,
        "helpful_rate": _share(sum(group.helpful for group in groups), feedback),
        "outcomes": outcomes,
        "deflection_rate": _share(sum(group.deflected for group in groups), outcomes),
    }


def summary(groups: list[AnswerCounts]) -> dict:
    """Rates over all the groups and per (language, channel)."""
    ordered = sorted(groups, key=lambda group: (group.language, group.channel))
    return {"total": rates(groups),
            "by_language_and_channel": [{"language": group.language, "channel": group.channel, **rates([group])}
                                        for group in ordered]}


def daily(groups: list[DailyCounts]) -> list[dict]:
    """Each group's counts with its handoffs (answers not answered)."""
    return [{**asdict(group), "handoffs": group.answers - group.answered} for group in groups]


def top_questions(questions: list[QuestionCounts], limit: int) -> list[dict]:
    """The most asked questions, with how often each was answered."""
    return [{"query": latest.query, "count": count, "answer_rate": _share(sum(q.answered for q in group), count),
             "last_asked": latest.last_asked} for group, count, latest in _most_asked(questions, limit)]


def unanswered_questions(questions: list[QuestionCounts], limit: int) -> list[dict]:
    """Questions left without an answer, or whose answer was marked not helpful, most frequent first
    (``questions``: counted over those answers only)."""
    ranked = []
    for group, count, latest in _most_asked(questions, limit):
        reasons = Counter()
        for question in sorted(group, key=lambda question: question.first_asked):
            reasons.update(question.reasons)
        ranked.append({"query": latest.query, "count": count, "not_answered": count - sum(q.answered for q in group),
                       "not_helpful": sum(q.not_helpful for q in group), "reasons": dict(reasons),
                       "last_asked": latest.last_asked})
    return ranked


def _most_asked(questions: list[QuestionCounts],
                limit: int) -> list[tuple[list[QuestionCounts], int, QuestionCounts]]:
    """The ``limit`` most asked questions, texts that :func:`normalised` makes equal counted as one:
    per question its texts, how often it was asked, and its latest text; ties by normalised text."""
    groups: dict[str, list[QuestionCounts]] = defaultdict(list)
    for question in questions:
        groups[normalised(question.query)].append(question)
    counted = [(key, group, sum(question.count for question in group)) for key, group in groups.items()]
    ranked = sorted(counted, key=lambda item: (-item[2], item[0]))[:limit]
    return [(group, count, max(group, key=lambda question: question.last_asked)) for _, group, count in ranked]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None

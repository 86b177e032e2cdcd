"""The answer log and the customers' feedback in the store, and what analytics counts from them."""

from __future__ import annotations

from datetime import date, datetime

from kb.stores.base import AnswerCounts, AnswerRecord, AnswerRow, DailyCounts, DraftAction, Feedback, QuestionCounts
from kb.stores.columns import boolean, flag, now, utc
from kb.stores.concern import Concern

# the columns of AnswerCounts over answers (a) with their feedback (f)
ANSWER_COUNTS = ("a.language, a.channel, COUNT(*), SUM(a.answered), COUNT(f.helpful), "
                 "COUNT(CASE WHEN f.helpful = 1 THEN 1 END), "
                 "COUNT(CASE WHEN f.resolved IS NOT NULL OR f.contacted_support IS NOT NULL THEN 1 END), "
                 "COUNT(CASE WHEN f.resolved = 1 AND COALESCE(f.contacted_support, 0) = 0 THEN 1 END)")
WITH_FEEDBACK = "FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id"
# an answer's day in UTC: the date of its ISO moment, stored in UTC (kb.stores.columns)
ANSWER_DAY = "SUBSTR(a.created_at, 1, 10)"


class Answers(Concern):
    """The answers given, with their feedback; the query text of each is kept until erased."""

    def log(self, records: list[AnswerRecord]) -> None:
        """Append answers to the answer log (one transaction)."""
        with self.store.transaction() as db:
            db.executemany("INSERT INTO answers (id, tenant, created_at, channel, language, answered, "
                           "article_id, confidence, query) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           [(r.answer_id, r.tenant, utc(r.created_at), r.channel, r.language, int(r.answered),
                             r.article_id, r.confidence, r.query) for r in records])

    def put_feedback(self, tenant: str, feedback: Feedback) -> bool:
        """Record (or replace) the feedback on an answer; False when the tenant gave no such answer."""
        with self.store.transaction() as db:
            known = db.execute("SELECT 1 FROM answers WHERE id = ? AND tenant = ?",
                               (feedback.answer_id, tenant)).fetchone()
            if known is None:
                return False
            db.execute("INSERT INTO feedback (answer_id, tenant, created_at, helpful, reason, resolved, "
                       "contacted_support) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO UPDATE SET "
                       "created_at = excluded.created_at, helpful = excluded.helpful, reason = excluded.reason, "
                       "resolved = excluded.resolved, contacted_support = excluded.contacted_support",
                       (feedback.answer_id, tenant, now(), int(feedback.helpful), feedback.reason,
                        flag(feedback.resolved), flag(feedback.contacted_support)))
        return True

    def put_draft_feedback(self, tenant: str, answer_id: str, action: DraftAction, reason: str | None = None) -> bool:
        """Record (or replace) what an agent did with a suggested draft; False when the tenant gave no such
        answer."""
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ? AND tenant = ?", (answer_id, tenant)).fetchone() is None:
                return False
            db.execute("INSERT INTO draft_feedback (answer_id, tenant, created_at, action, reason) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (answer_id) DO UPDATE SET created_at = excluded.created_at, "
                       "action = excluded.action, reason = excluded.reason",
                       (answer_id, tenant, now(), action.value, reason))
        return True

    def draft_counts(self, tenant: str, since: datetime, until: datetime) -> dict[str, int]:
        """What agents did with the drafts of the tenant's answers given in ``[since, until)``, per action."""
        with self.store.reading() as db:
            rows = db.execute("SELECT d.action, COUNT(*) FROM draft_feedback d JOIN answers a ON a.id = d.answer_id "
                              "WHERE a.tenant = ? AND a.created_at >= ? AND a.created_at < ? GROUP BY d.action",
                              (tenant, utc(since), utc(until))).fetchall()
        return {action: count for action, count in rows}

    def rows(self, tenant: str, since: datetime, until: datetime) -> list[AnswerRow]:
        """The tenant's answers in ``[since, until)`` with their feedback, oldest first."""
        with self.store.reading() as db:
            rows = db.execute(
                "SELECT a.id, a.created_at, a.channel, a.language, a.answered, a.article_id, a.confidence, a.query, "
                f"f.helpful, f.reason, f.resolved, f.contacted_support {WITH_FEEDBACK} "  # noqa: S608 (a constant)
                "WHERE a.tenant = ? AND a.created_at >= ? AND a.created_at < ? ORDER BY a.created_at",
                (tenant, utc(since), utc(until))).fetchall()
        return [AnswerRow(answer_id, tenant, datetime.fromisoformat(created_at), channel, language, bool(answered),
                          article_id, confidence, query, boolean(helpful), reason, boolean(resolved), boolean(contacted))
                for (answer_id, created_at, channel, language, answered, article_id, confidence, query, helpful,
                     reason, resolved, contacted) in rows]

    def counts(self, tenant: str, since: datetime, until: datetime, language: str | None = None,
               channel: str | None = None) -> list[AnswerCounts]:
        """The tenant's answers in ``[since, until)`` counted per language and channel (only ``language``
        and ``channel`` when given)."""
        where, params = _answers_in(tenant, since, until, language, channel)
        with self.store.reading() as db:
            rows = db.execute(f"SELECT {ANSWER_COUNTS} {WITH_FEEDBACK} WHERE {where} "  # noqa: S608 (columns and conditions are constants; values are parameters)
                              "GROUP BY a.language, a.channel", params).fetchall()
        return [AnswerCounts(*row) for row in rows]

    def daily_counts(self, tenant: str, since: datetime, until: datetime, language: str | None = None,
                     channel: str | None = None) -> list[DailyCounts]:
        """The tenant's answers in ``[since, until)`` counted per day (UTC), language and channel (only
        ``language`` and ``channel`` when given), by day, language and channel."""
        where, params = _answers_in(tenant, since, until, language, channel)
        with self.store.reading() as db:
            rows = db.execute(f"SELECT {ANSWER_DAY}, {ANSWER_COUNTS} {WITH_FEEDBACK} WHERE {where} "  # noqa: S608 (columns and conditions are constants; values are parameters)
                              f"GROUP BY {ANSWER_DAY}, a.language, a.channel ORDER BY 1, 2, 3", params).fetchall()
        return [DailyCounts(*counts, day=date.fromisoformat(day)) for day, *counts in rows]

    def question_counts(self, tenant: str, since: datetime, until: datetime, language: str | None = None,
                        channel: str | None = None, unanswered: bool = False) -> list[QuestionCounts]:
        """The tenant's answers in ``[since, until)`` counted per question text (answers whose text is
        kept; only ``language`` and ``channel`` when given; only answers not given or marked not helpful
        when ``unanswered``)."""
        where, params = _answers_in(tenant, since, until, language, channel)
        where += " AND a.query IS NOT NULL" + (" AND (a.answered = 0 OR f.helpful = 0)" if unanswered else "")
        with self.store.reading() as db:
            rows = db.execute("SELECT a.query, COUNT(*), SUM(a.answered), COUNT(CASE WHEN f.helpful = 0 THEN 1 END), "  # noqa: S608 (columns and conditions are constants; values are parameters)
                              f"MIN(a.created_at), MAX(a.created_at) {WITH_FEEDBACK} WHERE {where} GROUP BY a.query",
                              params).fetchall()
            reasons = db.execute(f"SELECT a.query, f.reason, COUNT(*) {WITH_FEEDBACK} WHERE {where} "  # noqa: S608 (columns and conditions are constants; values are parameters)
                                 "AND f.reason IS NOT NULL GROUP BY a.query, f.reason ORDER BY MIN(a.created_at), f.reason",
                                 params).fetchall()
        given: dict[str, dict[str, int]] = {}
        for query, reason, count in reasons:
            given.setdefault(query, {})[reason] = count
        return [QuestionCounts(query, count, answered, not_helpful, datetime.fromisoformat(first),
                               datetime.fromisoformat(last), given.get(query, {}))
                for query, count, answered, not_helpful, first, last in rows]

    def forget_queries(self, tenant: str | None, before: datetime) -> int:
        """Erase the query text of answers older than ``before`` (every tenant's when None), and the vectors
        of question texts last asked before it.

        Returns:
            How many answers lost their text.
        """
        which, params = ("", (utc(before),)) if tenant is None else ("tenant = ? AND ", (tenant, utc(before)))
        with self.store.transaction() as db:
            db.execute(f"DELETE FROM question_vectors WHERE {which}seen_at < ?", params)  # noqa: S608 (a constant)
            return db.execute(f"UPDATE answers SET query = NULL WHERE {which}created_at < ? "  # noqa: S608 (a constant)
                              "AND query IS NOT NULL", params).rowcount


def _answers_in(tenant: str, since: datetime, until: datetime, language: str | None,
                channel: str | None) -> tuple[str, tuple]:
    """The condition selecting a tenant's answers (``a``) in ``[since, until)``, of one language and
    channel when given, and its parameters."""
    where, params = "a.tenant = ? AND a.created_at >= ? AND a.created_at < ?", [tenant, utc(since), utc(until)]
    for column, value in (("language", language), ("channel", channel)):
        if value is not None:
            where += f" AND a.{column} = ?"
            params.append(value)
    return where, tuple(params)

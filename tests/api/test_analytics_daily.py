"""GET /v1/analytics/daily: a tenant's answers, handoffs, feedback and deflection per UTC day, language and
channel, counted by the store (both engines) on an answer log seeded through the store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kb.stores import AnswerCounts, AnswerRecord, DailyCounts, Feedback
from tests.helpers import bearer, new_key

TENANT = "daily"
# three whole UTC days inside the query-text retention, before any other test's answer
FIRST = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=20)
PERIOD = {"since": FIRST.isoformat(), "until": (FIRST + timedelta(days=3)).isoformat()}
VILNIUS = timezone(timedelta(hours=2))
TOKYO = timezone(timedelta(hours=9))


def day(offset: int) -> str:
    return (FIRST + timedelta(days=offset)).date().isoformat()


def seed(store, tenant: str) -> None:
    """Answers on three days, some logged with a local time zone near midnight (their UTC day counts):

    day 0: en chat x3 (2 answered; helpful and resolved, not helpful, none), lt email x1 (not answered,
    contacted support); day 1: en chat x1 (asked 00:30 in Vilnius: still day 0 in UTC) — so day 0 has en chat x4;
    ja chat x2 (asked 08:00 in Tokyo on day 2 = 23:00 UTC on day 1), one answered and helpful;
    day 2: en help_page x1, not answered; and one answer of another tenant on day 0."""
    def answer(number: int, moment: datetime, channel: str, language: str, answered: bool) -> AnswerRecord:
        return AnswerRecord(f"day-{tenant}-{number}", tenant, moment, channel, language, answered,
                            "invoice" if answered else None, 0.9 if answered else 0.1, f"question {number}")

    zero = FIRST
    store.ensure_tenant(tenant)
    store.ensure_tenant("other")
    store.answers.log([
        answer(0, zero + timedelta(hours=9), "chat", "en", True),
        answer(1, zero + timedelta(hours=10), "chat", "en", True),
        answer(2, zero + timedelta(hours=11), "chat", "en", False),
        answer(3, zero + timedelta(hours=12), "email", "lt", False),
        answer(4, (zero + timedelta(days=1, minutes=30)).replace(tzinfo=VILNIUS), "chat", "en", True),
        answer(5, (zero + timedelta(days=2, hours=8)).replace(tzinfo=TOKYO), "chat", "ja", True),
        answer(6, (zero + timedelta(days=2, hours=8, minutes=1)).replace(tzinfo=TOKYO), "chat", "ja", False),
        answer(7, zero + timedelta(days=2, hours=14), "help_page", "en", False),
        AnswerRecord("day-other", "other", zero + timedelta(hours=9), "chat", "en", True, None, 0.9, "x"),
    ])
    for feedback in (Feedback(f"day-{tenant}-0", helpful=True, resolved=True),
                     Feedback(f"day-{tenant}-1", helpful=False, reason="not_related"),
                     Feedback(f"day-{tenant}-3", helpful=False, contacted_support=True),
                     Feedback(f"day-{tenant}-5", helpful=True)):
        assert store.answers.put_feedback(tenant, feedback)


EXPECTED = [
    # day, language, channel, answers, answered, handoffs, feedback, helpful, outcomes, deflected
    (0, "en", "chat", 4, 3, 1, 2, 1, 1, 1),
    (0, "lt", "email", 1, 0, 1, 1, 0, 1, 0),
    (1, "ja", "chat", 2, 1, 1, 1, 1, 0, 0),
    (2, "en", "help_page", 1, 0, 1, 0, 0, 0, 0),
]
COLUMNS = ("day", "language", "channel", "answers", "answered", "handoffs", "feedback", "helpful", "outcomes",
           "deflected")


def expected_rows(language: str | None = None, channel: str | None = None) -> list[dict]:
    return [dict(zip(COLUMNS, (day(offset), *rest))) for offset, *rest in EXPECTED
            if language in (None, rest[0]) and channel in (None, rest[1])]


def test_the_store_counts_answers_per_utc_day_language_and_channel(open_store):
    store = open_store()
    seed(store, TENANT)
    counted = store.answers.daily_counts(TENANT, FIRST, FIRST + timedelta(days=3))
    assert counted == [DailyCounts(language, channel, answers, answered, feedback, helpful, outcomes, deflected,
                                   day=date.fromisoformat(day(offset)))
                       for offset, language, channel, answers, answered, _, feedback, helpful, outcomes, deflected
                       in EXPECTED]
    # each language and channel was asked on one day only: its day is its period's counts
    assert {AnswerCounts(*(getattr(row, name) for name in AnswerCounts.__dataclass_fields__)) for row in counted} \
        == set(store.answers.counts(TENANT, FIRST, FIRST + timedelta(days=3)))
    assert [row.day for row in store.answers.daily_counts(TENANT, FIRST + timedelta(days=1),
                                                          FIRST + timedelta(days=2), channel="chat")] == \
        [date.fromisoformat(day(1))]
    assert store.answers.daily_counts(TENANT, FIRST, FIRST + timedelta(days=3), language="lt", channel="chat") == []


@pytest.fixture(scope="module")
def admin(services):
    seed(services.store, TENANT)
    return bearer(new_key(services, "admin", tenant=TENANT))


def daily(client, admin, **params):
    response = client.get("/v1/analytics/daily", params={**PERIOD, **params}, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_daily_rows_per_day_language_and_channel(client, admin):
    assert daily(client, admin) == {"days": expected_rows()}


def test_daily_filters_by_language_channel_and_period(client, admin):
    assert daily(client, admin, language="en") == {"days": expected_rows(language="en")}
    assert daily(client, admin, channel="chat") == {"days": expected_rows(channel="chat")}
    later = daily(client, admin, since=(FIRST + timedelta(days=1)).isoformat())
    assert later == {"days": expected_rows()[2:]}
    # a period given in another time zone means the same UTC moments
    shifted = daily(client, admin, since=(FIRST + timedelta(days=1)).astimezone(TOKYO).isoformat())
    assert shifted == later
    assert daily(client, admin, language="zh") == {"days": []}


def test_the_days_add_up_to_the_summary(client, admin):
    summary = client.get("/v1/analytics/summary", params=PERIOD, headers=admin).json()["total"]
    days = daily(client, admin)["days"]
    for name in ("answers", "answered", "feedback", "outcomes"):
        assert sum(row[name] for row in days) == summary[name]


def test_a_bad_daily_request_is_a_4xx(client, admin, services):
    assert client.get("/v1/analytics/daily", params={**PERIOD, "until": PERIOD["since"]},
                      headers=admin).status_code == 422
    assert client.get("/v1/analytics/daily", params={"channel": "fax"}, headers=admin).status_code == 422
    search = bearer(new_key(services, "search", tenant=TENANT))
    assert client.get("/v1/analytics/daily", headers=search).status_code == 403

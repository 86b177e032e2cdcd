"""The console's test bench: one real server over a throwaway copy of the demo tenant with a seeded answer log,
and one Debian Chromium, for the whole session (both console modules share them).

Fixtures:
    console: the running :class:`ConsoleSite` (its URL, keys, the seeded period and an admin HTTP client).
    browser: the browser context.
    language: the UI language of ``page`` (``en``; parametrise ``language`` to change it).
    page: a new tab, signed in to the console with the admin key, in ``language``; at its end the test fails
        if the page reported a missing UI string or an uncaught error.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from api.services import seed_tenant
from indexer.settings import DEMO_INDEX, DEMO_KB
from kb.stores import AnswerRecord, Feedback, Scope, create_store
from tests.browser import chromium
from tests.helpers import bearer
from tests.servers import Server, free_port

TENANT = "demo"
LOG_DAYS = 6  # the seeded answers are spread over the six days before today (UTC)
# questions the demo KB answers (our own words), and how they were received
ANSWERED = [("where is my parcel right now", "en", "chat", "order-status"),
            ("how do I get a receipt for the company", "en", "email", "invoice"),
            ("パスワードを忘れてログインできない", "ja", "chat", "reset-password"),
            ("返品の送り方を教えて", "ja", "help_page", "return-item"),
            ("我的包裹什么时候到", "zh", "chat", "order-status"),
            ("Kaip pakeisti pristatymo adresą?", "lt", "help_page", "change-address")]
# a topic the demo KB lacks, asked in three languages: one gap cluster (text, language, times asked)
GAP = [("Is your packaging recyclable?", "en", 3), ("Can I send the cardboard boxes back to you for recycling?", "en", 2),
       ("梱包材はリサイクルできますか？", "ja", 2), ("使い終わった段ボール箱を回収してもらえますか", "ja", 2),
       ("Ar jūsų pakuotės perdirbamos?", "lt", 3), ("Ar galiu grąžinti kartonines dėžes perdirbimui?", "lt", 2)]
# an unanswered question that is markup: the console must show it as text and run nothing
HOSTILE = '<img src=x onerror="window.__pwned=1">Where is my <script>window.__pwned=1</script> order?'
HOSTILE_TIMES = 2


@dataclass
class Seeded:
    """What the answer log holds: the period ``[since, until)`` covering it, and the texts asked."""

    since: datetime
    until: datetime
    gap: list[tuple[str, str, int]]
    hostile: str

    @property
    def period(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


class ConsoleSite:
    """The API on a throwaway SQLite store with the demo tenant, its index copied from the demo build, an admin and
    a search key, and a week of answers logged (with feedback and outcomes) before it starts."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.console_url = f"{self.url}/console"
        self.store_path = folder / "store.sqlite3"
        store = create_store("sqlite", self.store_path)
        seed_tenant(store, TENANT, DEMO_KB)
        self.admin_key = store.keys.create(TENANT, set(Scope), "console admin", rate_per_minute=0)[0]
        self.search_key = store.keys.create(TENANT, {Scope.SEARCH}, "console search only", rate_per_minute=0)[0]
        self.seeded = seed_answer_log(store)
        store.close()
        self.index = folder / "index"
        if DEMO_INDEX.is_dir():  # caught up at start instead of embedded again
            shutil.copytree(DEMO_INDEX, self.index / TENANT)
        self.server = Server(self.port, {"KB_STORE_PATH": str(self.store_path), "KB_INDEX_DIR": str(self.index),
                                         "KB_LOG_LEVEL": "WARNING"})
        self.http = httpx.Client(base_url=self.url, headers=bearer(self.admin_key), timeout=60)

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        """A call to the API with the admin key."""
        return self.http.request(method, path, **kwargs)

    def close(self) -> None:
        self.http.close()
        self.server.stop()


def seed_answer_log(store) -> Seeded:
    """Logs answers over the :data:`LOG_DAYS` days before today: the :data:`ANSWERED` questions (some helpful,
    some not, some resolved), some unanswered, the :data:`GAP` topic and the :data:`HOSTILE` question; each day
    differs, so a chart that mixed days up would show it."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=LOG_DAYS)
    records, feedback = [], []

    def log(day: int, minute: int, text: str, language: str, channel: str, article: str | None) -> str:
        answer_id = f"seed-{len(records)}"
        records.append(AnswerRecord(answer_id, TENANT, since + timedelta(days=day, minutes=minute), channel, language,
                                    article is not None, article, 0.9 if article else 0.1, text))
        return answer_id

    for day in range(LOG_DAYS):
        for number, (text, language, channel, article) in enumerate(ANSWERED[:2 + day % 5]):
            for repeat in range(1 + (day + number) % 3):
                answer_id = log(day, 10 * number + repeat, text, language, channel, article)
                if (day + number + repeat) % 2 == 0:
                    resolved = (day + repeat) % 3 != 0
                    feedback.append(Feedback(answer_id, helpful=resolved, resolved=resolved,
                                             contacted_support=not resolved))
                elif number % 3 == 1:
                    feedback.append(Feedback(answer_id, helpful=False, reason="related_but_incomplete"))
    for number, (text, language, times) in enumerate(GAP):
        for repeat in range(times):
            answer_id = log((number + repeat) % LOG_DAYS, 300 + number * 5 + repeat, text, language, "chat", None)
            if repeat == 1:
                feedback.append(Feedback(answer_id, helpful=False, reason="not_related", contacted_support=True))
    for repeat in range(HOSTILE_TIMES):
        log(LOG_DAYS - 1 - repeat, 400, HOSTILE, "en", "contact_form", None)
    store.answers.log(records)
    for verdict in feedback:
        assert store.answers.put_feedback(TENANT, verdict)
    return Seeded(since, today, GAP, HOSTILE)


@pytest.fixture(scope="session")
def console():
    folder = Path(tempfile.mkdtemp(prefix="kb-console-"))
    site = ConsoleSite(folder)
    try:
        site.server.start(timeout=300)
        # the period's gaps once, so the questions' vectors are cached before a page waits for them
        assert site.api("GET", "/v1/analytics/gaps", params=site.seeded.period).status_code == 200
        yield site
    finally:
        site.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    """A browser per module: Playwright's sync API runs one at a time in a thread (the widget's tests
    start their own)."""
    with chromium(viewport={"width": 1200, "height": 900}) as context:
        yield context


@pytest.fixture
def language() -> str:
    return "en"


@pytest.fixture
def page(browser, console, language):
    """A tab signed in with the admin key (through the form, as a person does) in ``language``."""
    tab = browser.new_page()
    problems = []
    tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    tab.on("console", lambda message: problems.append(message.text) if "missing UI string" in message.text else None)
    sign_in(tab, console, console.admin_key)
    tab.locator("#page-title").wait_for()
    choose_language(tab, language)
    yield tab
    tab.close()
    assert not problems, problems


def sign_in(tab, console: ConsoleSite, key: str) -> None:
    """Opens the console and submits ``key`` in the sign-in form."""
    tab.goto(console.console_url)
    tab.locator("#key").fill(key)
    tab.locator("form.sign-in button[type=submit]").click()


def choose_language(tab, language: str) -> None:
    """Switches the UI language with the picker and waits for the page to be drawn again in it."""
    if tab.locator("html").get_attribute("lang") != language:
        tab.locator("#language").select_option(language)
    tab.wait_for_function("language => document.documentElement.lang === language", arg=language)
    tab.locator("section[aria-labelledby=page-title]:not([aria-busy])").wait_for()


def open_route(tab, console: ConsoleSite, route: str, **params: str) -> None:
    """Loads the console afresh at ``#/<route>?<params>`` (the tab stays signed in: session storage is the tab's)
    and waits until the page has drawn what its API calls returned."""
    query = urlencode(params)
    tab.goto("about:blank")
    tab.goto(f"{console.console_url}#/{route}{'?' + query if query else ''}")
    tab.locator(f"section[data-page='{route}']:not([aria-busy])").wait_for(timeout=90_000)  # 2 busy shared cores


def seeded_days(console: ConsoleSite) -> dict[str, str]:
    """The console's period filter for the seeded log: its first and last day."""
    return {"since": console.seeded.since.date().isoformat(),
            "until": (console.seeded.until - timedelta(days=1)).date().isoformat()}

"""The help widget and its demo page in a real browser (Debian's Chromium driven by Playwright), against a
real server on the demo KB; per-tenant CORS; the demo page's security headers.

Screenshots go to ``build/screenshots/``. Chromium comes from Debian's package (``make browser``):
Playwright never downloads a browser here.
"""

from __future__ import annotations

import gzip
import http.server
import shutil
import tempfile
import threading
from pathlib import Path

import httpx
import pytest

from api.admin import demo_keys
from api.admin import main as admin_main
from api.cors import normalise_origin
from api.services import seed_tenant
from api.settings import Settings
from indexer.settings import DEMO_INDEX, DEMO_KB, PROJECT_ROOT
from kb.stores import Scope, create_store
from tests.browser import chromium, screenshot
from tests.helpers import bearer
from tests.servers import Server, free_port

WIDGET = PROJECT_ROOT / "api" / "static" / "widget.js"
HELP = "#help"
CONTACT = "#contact"
# a question per language, and the article it must find first
QUESTIONS = {"ja": ("注文した商品がまだ届きません", "order-status"), "zh": ("怎么开发票", "invoice"),
             "lt": ("Kaip grąžinti prekę?", "return-item"), "en": ("I forgot my password", "reset-password")}
HOSTILE = {"category": "support", "tags": ["test"], "variants": {"en": {
    "title": 'Hostile gift card <img src=x onerror="window.pwned=1">',
    "summary": "Hostile gift card summary <b>bold</b> <script>window.pwned=1</script>",
    "body": "First line <script>window.pwned=1</script>\n\n1. step <img src=x onerror=\"window.pwned=1\">",
    "questions": ["hostile gift card", "hostile gift card script", "hostile gift card image"]}}}


class WidgetSite:
    """The API on a throwaway store, its demo keys, and a static site on another port (two more origins)."""

    def __init__(self, folder: Path):
        self.port, self.site_port, self.closed_port = free_port(), free_port(), free_port()
        self.api = f"http://127.0.0.1:{self.port}"
        self.allowed_origin = f"http://127.0.0.1:{self.site_port}"  # the demo tenant's embedding site
        self.other_origin = f"http://localhost:{self.site_port}"  # allowed by another tenant only
        self.closed_origin = f"http://127.0.0.1:{self.closed_port}"  # allowed by no tenant
        self.store_path = folder / "store.sqlite3"
        settings = Settings(store_path=self.store_path, demo_keys_file=folder / "demo-keys.json")
        store = create_store("sqlite", self.store_path)
        self.keys = demo_keys(store, settings, origins=[self.api, self.allowed_origin])
        self.admin = store.keys.create("demo", set(Scope), "widget test", rate_per_minute=0)[0]
        seed_tenant(store, "other", DEMO_KB)
        store.origins.replace("other", [self.other_origin])
        self.other_key = store.keys.create("other", {Scope.SEARCH}, "other widget")[0]
        store.ensure_tenant("closed")  # no article, no origin
        self.closed_key = store.keys.create("closed", {Scope.SEARCH}, "closed")[0]
        store.ensure_tenant("acme")
        self.acme_admin = store.keys.create("acme", set(Scope), "acme admin")[0]
        store.close()
        self.index = folder / "index"
        if DEMO_INDEX.is_dir():  # make index's: caught up at start instead of embedded again
            shutil.copytree(DEMO_INDEX, self.index / "demo")
        self.server = Server(self.port, {"KB_STORE_PATH": str(self.store_path), "KB_INDEX_DIR": str(self.index),
                                         "KB_DEMO_KEYS_FILE": str(settings.demo_keys_file), "KB_LOG_LEVEL": "WARNING"})
        self.sites = [_static_site(self.site_port, self.embedding_page()), _static_site(self.closed_port, "")]

    def start(self) -> None:
        """Start the server; tenant ``other`` (the same articles) gets a copy of the demo index it built."""
        self.server.start(timeout=300)
        shutil.copytree(self.index / "demo", self.index / "other")

    def embedding_page(self) -> str:
        """A shop page on another origin with the widget embedded as the README says, and no CSP to
        hide behind: whatever the widget inserts as HTML would run here."""
        return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>'
                f'<div data-kb-widget data-key="{self.keys["search"]}"></div>'
                f'<script src="{self.api}/widget.js" defer></script></body></html>')

    def stored_answers(self, tenant: str = "demo"):
        from datetime import UTC, datetime, timedelta

        store = create_store("sqlite", self.store_path)
        try:
            now = datetime.now(UTC)
            return store.answers.rows(tenant, now - timedelta(hours=1), now + timedelta(minutes=1))
        finally:
            store.close()

    def close(self) -> None:
        self.server.stop()
        for site in self.sites:
            site.shutdown()


def _static_site(port: int, page: str) -> http.server.ThreadingHTTPServer:
    """Serves ``page`` at every path on 127.0.0.1:``port``, in a thread."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the handler's method name)
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site


@pytest.fixture(scope="module")
def site():
    folder = Path(tempfile.mkdtemp(prefix="kb-widget-"))
    running = WidgetSite(folder)
    try:
        running.start()
        yield running
    finally:
        running.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    with chromium(viewport={"width": 900, "height": 900}) as context:
        yield context


@pytest.fixture
def page(browser):
    opened = browser.new_page()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def titles(demo_articles):
    return {article_id: {v.language.value: v.title for v in article.variants.values()}
            for article_id, article in demo_articles.items()}


def ask(page, widget: str, question: str):
    """Type ``question`` into a widget as a person would; the first suggestion when it appears."""
    box = page.locator(f"{widget} [role=combobox]")
    box.click()
    box.press_sequentially(question, delay=40)
    return page.locator(f"{widget} [role=option]").first


def test_the_widget_script_is_small_cacheable_and_never_inserts_html(site):
    source = WIDGET.read_bytes()
    assert len(source) < 16_000 and len(gzip.compress(source)) < 6_000
    assert b"innerHTML" not in source and b"insertAdjacentHTML" not in source and b"eval(" not in source
    response = httpx.get(f"{site.api}/widget.js")  # httpx accepts gzip and unpacks it
    assert response.status_code == 200 and response.content == source
    assert response.headers["content-encoding"] == "gzip" and int(response.headers["content-length"]) < 6_000
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age" in response.headers["cache-control"] and response.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(f"{site.api}/widget.js", headers={"If-None-Match": response.headers["etag"]}).status_code == 304


def test_the_demo_page_sends_security_headers_and_has_no_inline_script(site):
    response = httpx.get(f"{site.api}/demo", params={"lang": "lt"})
    assert response.status_code == 200 and '<html lang="lt">' in response.text
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer" and response.headers["x-frame-options"] == "DENY"
    assert response.text.count("<script") == response.text.count("<script src=")
    assert site.keys["search"] in response.text and site.keys["admin"] not in response.text


@pytest.mark.parametrize("language", QUESTIONS)
def test_a_question_in_each_language_shows_its_article_first(site, page, titles, language):
    question, article_id = QUESTIONS[language]
    searches = []
    page.on("request", lambda request: searches.append(request.url) if "/v1/search" in request.url else None)
    page.goto(f"{site.api}/demo?lang={language}")
    first = ask(page, HELP, question)
    first.wait_for()
    assert titles[article_id][language] in first.inner_text()
    assert len(searches) == 1  # typed faster than the debounce: one search, for the whole question
    box = page.locator(f"{HELP} [role=combobox]")
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator(f"#{box.get_attribute('aria-controls')}").get_attribute("role") == "listbox"
    screenshot(page, f"demo-{language}")


def test_keyboard_selection_opens_the_article_and_feedback_reaches_the_api(site, page, titles):
    page.goto(f"{site.api}/demo?lang=en")
    ask(page, HELP, "how can I send an item back").wait_for()
    box = page.locator(f"{HELP} [role=combobox]")
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    first = page.locator(f"{HELP} [role=option]").first
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    heading = page.locator(f"{HELP} .kbw-article h3")
    heading.wait_for()
    assert heading.inner_text() == titles["return-item"]["en"]
    assert page.evaluate("document.activeElement.tagName") == "H3"
    assert page.locator(f"{HELP} .kbw-body li").count() >= 3  # the body's steps, as a list
    screenshot(page, "demo-article")
    page.locator(f"{HELP} .kbw-fb button", has_text="Yes").click()
    page.locator(f"{HELP} .kbw-thanks").wait_for()
    rows = [row for row in site.stored_answers() if row.query == "how can I send an item back"]
    assert len(rows) == 1 and rows[0].channel == "help_page" and rows[0].helpful is True
    assert rows[0].article_id == "return-item"
    page.keyboard.press("Escape")  # back from the article to the results, focus in the box
    assert page.locator(f"{HELP} .kbw-article").is_hidden()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "combobox"
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"


def test_the_contact_form_suggests_articles_and_records_deflection(site, page, titles):
    page.goto(f"{site.api}/demo?lang=lt")
    first = ask(page, CONTACT, "Pamiršau slaptažodį")
    first.wait_for()
    assert titles["reset-password"]["lt"] in first.inner_text()
    assert page.locator(f"{CONTACT} [role=combobox]").get_attribute("name") == "subject"
    first.click()
    page.locator(f"{CONTACT} .kbw-fb button", has_text="Tai išsprendė mano problemą").click()
    page.locator(f"{CONTACT} .kbw-thanks").wait_for()
    screenshot(page, "demo-contact-form")
    rows = [row for row in site.stored_answers() if row.query == "Pamiršau slaptažodį"]
    assert len(rows) == 1 and rows[0].channel == "contact_form" and rows[0].language == "lt"
    assert (rows[0].helpful, rows[0].resolved, rows[0].contacted_support) == (True, True, False)


def test_no_answer_shows_a_contact_support_link(site, page):
    page.goto(f"{site.api}/demo?lang=ja")
    ask(page, HELP, "明日のパリの天気は？")
    link = page.locator(f"{HELP} .kbw-status a")
    link.wait_for()
    assert "該当する回答が見つかりませんでした" in page.locator(f"{HELP} .kbw-status").inner_text()
    assert link.inner_text() == "サポートに問い合わせる" and link.get_attribute("href") == "#contact"
    assert page.locator(f"{HELP} [role=option]").count() == 0
    screenshot(page, "demo-no-answer")


def test_a_stale_search_is_cancelled(site, page, titles):
    held = []

    def hold_the_first_search(route):
        if held:
            route.continue_()
        else:
            held.append(route.request.url)  # never answered: the widget must give up on it

    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.route("**/v1/search?*", hold_the_first_search)
    page.goto(f"{site.api}/demo?lang=en")
    box = page.locator(f"{HELP} [role=combobox]")
    box.fill("parcel")
    page.wait_for_function("document.querySelector('#help [role=combobox]').value === 'parcel'")
    page.wait_for_timeout(500)
    assert held and "parcel" in held[0]
    box.fill("invoice")
    first = page.locator(f"{HELP} [role=option]").first
    first.wait_for()
    assert titles["invoice"]["en"] in first.inner_text()
    page.wait_for_timeout(200)
    assert held[0] in failed
    page.unroute("**/v1/search?*")


def test_an_article_holding_html_is_shown_as_text_and_runs_nothing(site, page):
    written = httpx.put(f"{site.api}/v1/articles/hostile-gift-card", json=HOSTILE, headers=bearer(site.admin))
    assert written.status_code == 201
    page.goto(f"{site.allowed_origin}/shop")  # another origin, no CSP: the widget alone must keep it text
    first = ask(page, "body", "hostile gift card")
    first.wait_for()
    assert '<img src=x onerror="window.pwned=1">' in first.inner_text()
    assert "<script>window.pwned=1</script>" in first.inner_text()
    first.click()
    body = page.locator(".kbw-body")
    body.wait_for()
    assert "<script>window.pwned=1</script>" in body.inner_text()
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert page.locator(".kbw img, .kbw script, .kbw b").count() == 0
    screenshot(page, "widget-hostile-article")


def test_cors_lets_only_the_keys_tenants_origins_read_responses(site, page):
    def fetch(origin: str, key: str) -> str:
        page.goto(f"{origin}/shop")
        return page.evaluate("""([url, key]) => fetch(url, {headers: {Authorization: 'Bearer ' + key}})
            .then(response => 'status ' + response.status, error => 'refused: ' + error.message)""",
                             [f"{site.api}/v1/search?q=invoice", key])

    assert fetch(site.allowed_origin, site.keys["search"]) == "status 200"
    assert fetch(site.other_origin, site.other_key) == "status 200"
    # the preflight passes (another tenant allows this origin) but the demo tenant does not: unreadable
    assert fetch(site.other_origin, site.keys["search"]).startswith("refused")
    assert fetch(site.closed_origin, site.keys["search"]).startswith("refused")  # no tenant allows it
    preflight = httpx.options(f"{site.api}/v1/search", headers={"Origin": site.closed_origin,
                                                                "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers


def test_cors_is_closed_by_default(site):
    """A tenant that allows no origin: its keys' responses carry no CORS header, whatever the origin."""
    for origin in (site.allowed_origin, site.other_origin, site.closed_origin):
        response = httpx.get(f"{site.api}/v1/search", params={"q": "invoice"},
                             headers={"Origin": origin, **bearer(site.closed_key)})
        assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
        assert response.headers["vary"] == "Origin"
    same_origin = httpx.get(f"{site.api}/v1/search", params={"q": "invoice"}, headers=bearer(site.closed_key))
    assert same_origin.status_code == 200 and "vary" not in same_origin.headers  # servers and same-origin pages


def test_an_admin_key_sets_its_tenants_origins_over_http(site):
    url, admin = f"{site.api}/v1/origins", bearer(site.acme_admin)
    assert httpx.get(url, headers=admin).json() == {"origins": []}
    written = httpx.put(url, headers=admin, json={"origins": ["https://Help.Acme.example/", "http://localhost:3000"]})
    assert written.status_code == 200
    assert written.json() == {"origins": ["http://localhost:3000", "https://help.acme.example"]}
    refused = httpx.put(url, headers=admin, json={"origins": ["https://help.acme.example/faq"]})
    assert refused.status_code == 422 and "is not an origin" in refused.json()["detail"]
    assert httpx.get(url, headers=bearer(site.keys["search"])).status_code == 403
    search = httpx.get(f"{site.api}/v1/search", params={"q": "x"},
                       headers={"Origin": "https://help.acme.example", **admin})
    assert search.headers["access-control-allow-origin"] == "https://help.acme.example"
    assert httpx.get(url, headers=bearer(site.admin)).json()["origins"] == sorted([site.api, site.allowed_origin])
    assert httpx.put(url, headers=admin, json={"origins": []}).json() == {"origins": []}


def test_allowed_origins_are_stored_per_tenant(open_store):
    store = open_store()
    store.ensure_tenant("a")
    store.ensure_tenant("b")
    assert store.origins.of("a") == [] and not store.origins.allowed("https://a.example")
    store.origins.replace("a", ["https://a.example", "http://127.0.0.1:8000", "https://a.example"])
    store.origins.replace("b", ["https://b.example"])
    assert store.origins.of("a") == ["http://127.0.0.1:8000", "https://a.example"]
    assert store.origins.allowed("https://b.example") and not store.origins.allowed("https://c.example")
    store.origins.replace("a", [])
    assert store.origins.of("a") == [] and store.origins.of("b") == ["https://b.example"]


@pytest.mark.parametrize(("given", "origin"), [("https://Help.Example.com/", "https://help.example.com"),
                                                ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
                                                ("https://shop.example:443", "https://shop.example")])
def test_origins_are_normalised_as_browsers_send_them(given, origin):
    assert normalise_origin(given) == origin


@pytest.mark.parametrize("given", ["ftp://shop.example", "https://shop.example/help", "shop.example", "https://",
                                   "https://shop.example:99999", "https://user@shop.example"])
def test_a_text_that_is_not_an_origin_is_refused(given):
    with pytest.raises(ValueError, match="is not an origin"):
        normalise_origin(given)


def test_the_admin_cli_sets_and_shows_a_tenants_origins(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KB_STORE_PATH", str(tmp_path / "store.sqlite3"))
    store = create_store("sqlite", tmp_path / "store.sqlite3")
    store.ensure_tenant("acme")
    store.close()
    assert admin_main(["tenant", "origins", "acme", "https://Help.Acme.com/", "http://localhost:3000"]) == 0
    assert capsys.readouterr().out.strip() == "tenant acme allows http://localhost:3000, https://help.acme.com"
    assert admin_main(["tenant", "origins", "acme", "https://help.acme.com/faq"]) == 2
    assert "is not an origin" in capsys.readouterr().err
    assert admin_main(["tenant", "origins", "acme", "--clear"]) == 0
    assert capsys.readouterr().out.strip() == "tenant acme allows no origin (closed)"
    assert admin_main(["tenant", "origins", "nobody", "https://x.example"]) == 2


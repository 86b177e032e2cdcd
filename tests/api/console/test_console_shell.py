"""The console's shell in Debian's Chromium against a real server: the files and their security headers, sign-in
(a wrong key and a search-only key refused; an admin key kept in session storage and nowhere else), signing out
when the API refuses the key, every page's UI strings in the four languages, the status page, screenshots."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

from api.routers.console import FOLDER, SECURITY_HEADERS
from tests.api.console.conftest import sign_in
from tests.browser import screenshot

LANGUAGES = ["en", "ja", "zh", "lt"]
PAGE_FILES = re.findall(r'^\s*"\./(pages/[\w-]+\.js)",$', (FOLDER / "app.js").read_text(encoding="utf-8"), re.M)
T_CALL = re.compile(r"""\bt\(\s*["']([\w]+)["']""")  # t("key") with a literal key


def test_every_console_response_carries_the_policy(console):
    responses = {path: httpx.get(f"{console.url}{path}") for path in (
        "/console", "/console/", "/console/app.js", "/console/console.css", "/console/pages/dashboard.js",
        "/console/pages/", "/console/nothing.js", "/console/%2e%2e/routers/console.py",
        "/console/..%2f..%2fpyproject.toml", "/console/pages/%2e%2e/%2e%2e/static/widget.js")}
    for path, response in responses.items():
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
    assert [path for path, response in responses.items() if response.status_code == 200] == [
        "/console", "/console/", "/console/app.js", "/console/console.css", "/console/pages/dashboard.js"]
    assert responses["/console"].headers["content-type"] == "text/html; charset=utf-8"
    assert responses["/console/app.js"].headers["content-type"] == "text/javascript; charset=utf-8"
    assert responses["/console/console.css"].headers["content-type"] == "text/css; charset=utf-8"
    policy = dict(part.strip().split(" ", 1) for part in SECURITY_HEADERS["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe" not in SECURITY_HEADERS["Content-Security-Policy"]
    again = httpx.get(f"{console.url}/console/app.js", headers={"If-None-Match": responses["/console/app.js"].headers["etag"]})
    assert again.status_code == 304 and again.headers["content-security-policy"] == SECURITY_HEADERS[
        "Content-Security-Policy"]


class Markup(HTMLParser):
    """The tags and attributes of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_no_inline_script_or_style_and_no_html_from_strings():
    markup = Markup()
    markup.feed((FOLDER / "index.html").read_text(encoding="utf-8"))
    scripts = [attrs for tag, attrs in markup.tags if tag == "script"]
    assert scripts and all(attrs.get("src", "").startswith("/console/") for attrs in scripts)
    assert not [tag for tag, _ in markup.tags if tag == "style"]
    assert not [(tag, name) for tag, attrs in markup.tags for name in attrs if name == "style" or name.startswith("on")]
    for path in FOLDER.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        for construct in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                          ".style.", "setAttribute(\"style\""):
            assert construct not in source, f"{path.name} uses {construct}"


def stored_key(tab) -> dict:
    return tab.evaluate("""() => ({session: Object.values(sessionStorage), local: Object.keys(localStorage),
                                    cookie: document.cookie, url: location.href})""")


@pytest.mark.parametrize(("key_of", "message"), [
    (lambda console: "kb_not-a-real-key", "This key was not accepted"),
    (lambda console: console.search_key, "This key cannot manage the knowledge base"),
])
def test_a_wrong_or_search_only_key_is_refused(browser, console, key_of, message):
    tab = browser.new_page()
    try:
        sign_in(tab, console, key_of(console))
        alert = tab.locator("#sign-in-message[role=alert]")
        alert.filter(has_text=message).wait_for()
        assert tab.locator("#nav").is_hidden() and tab.locator("#key").is_visible()
        assert key_of(console) not in stored_key(tab)["session"]
    finally:
        tab.close()


def test_an_admin_key_signs_in_and_is_kept_in_session_storage_only(browser, console):
    tab = browser.new_page()
    urls = []
    tab.on("request", lambda request: urls.append(request.url))
    try:
        sign_in(tab, console, console.admin_key)
        tab.locator("#page-title").wait_for()
        assert tab.locator("#nav a[aria-current=page]").count() == 1
        where = stored_key(tab)
        assert where["session"].count(console.admin_key) == 1
        assert where["local"] == [] and where["cookie"] == "" and console.admin_key not in where["url"]
        assert urls and not [url for url in urls if console.admin_key in url]
        tab.reload()  # the same tab: still signed in
        tab.locator("#page-title").wait_for()
        tab.locator("#sign-out").click()
        tab.locator("#key").wait_for()
        assert console.admin_key not in stored_key(tab)["session"]
        assert tab.locator("#sign-in-message").inner_text() == "You are signed out."
    finally:
        tab.close()


def test_a_key_refused_later_signs_out_with_a_message(page, console):
    page.route("**/v1/mailboxes", lambda route: route.fulfill(
        status=401, content_type="application/json", body='{"detail": "this key was revoked"}'))
    page.locator("#nav a[href='#/status']").click()
    message = page.locator("#sign-in-message[role=alert]")
    message.wait_for()
    assert "this key was revoked" in message.inner_text()
    assert console.admin_key not in stored_key(page)["session"]
    assert page.locator("#nav").is_hidden()


def test_every_page_has_every_string_in_every_language(page):
    """Each page module's strings (and the shell's) hold the same keys in the four languages, and every key a page
    asks for with a literal ``t("...")`` exists; the ``page`` fixture also fails on any key missing at run time."""
    assert {"pages/dashboard.js", "pages/questions.js", "pages/status.js"} <= set(PAGE_FILES)
    found = page.evaluate("""async (files) => {
        const i18n = await import("/console/i18n.js");
        const result = {shell: {missing: i18n.missingKeys(i18n.STRINGS), keys: Object.keys(i18n.STRINGS.en)}};
        for (const file of files) {
            const strings = (await import(`/console/${file}`)).default.strings;
            result[file] = {missing: i18n.missingKeys(strings), keys: Object.keys(strings.en || {}),
                            languages: Object.keys(strings)};
        }
        return result;
    }""", PAGE_FILES)
    assert found["shell"]["missing"] == {}
    for file in PAGE_FILES:
        assert found[file]["missing"] == {}, file
        assert sorted(found[file]["languages"]) == sorted(LANGUAGES) and "nav" in found[file]["keys"], file
        used = set(T_CALL.findall((FOLDER / file).read_text(encoding="utf-8")))
        assert not used - set(found[file]["keys"]) - set(found["shell"]["keys"]), file
    for helper in ("app.js", "period.js"):
        used = set(T_CALL.findall((FOLDER / helper).read_text(encoding="utf-8")))
        assert not used - set(found["shell"]["keys"]), helper


def test_the_status_page_shows_connectors_and_an_empty_state(page, console):
    page.locator("#nav a[href='#/status']").click()
    page.locator("#mailboxes .empty-state").wait_for()
    assert "No mailbox is connected yet" in page.locator("#mailboxes").inner_text()
    created = console.api("POST", "/v1/connectors", json={
        "vendor": "zammad", "base_url": "https://help.example.test", "secret": "a-long-enough-secret",
        "token": "token-for-the-test", "agent_name": "<b>Agent</b>"})
    assert created.status_code == 201, created.text
    connector = created.json()
    try:
        page.reload()
        item = page.locator(f"[data-connector='{connector['id']}']")
        item.wait_for()
        text = item.inner_text()
        assert "zammad" in text and "https://help.example.test" in text and connector["receiver_path"] in text
    finally:
        assert console.api("DELETE", f"/v1/connectors/{connector['id']}").status_code == 204


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_in_and_status_screens_in_every_language(browser, console, page, language):
    page.locator("#nav a[href='#/status']").click()
    page.locator("#mailboxes .empty-state").wait_for()
    assert page.locator("html").get_attribute("lang") == language
    screenshot(page, f"console-status-{language}")
    signed_out = browser.new_page()
    try:
        signed_out.goto(console.console_url)
        choose_language_signed_out(signed_out, language)
        screenshot(signed_out, f"console-sign-in-{language}")
    finally:
        signed_out.close()


def choose_language_signed_out(tab, language: str) -> None:
    tab.locator("#key").wait_for()
    if language != tab.locator("html").get_attribute("lang"):
        tab.locator("#language").select_option(language)
    tab.wait_for_function("language => document.documentElement.lang === language", arg=language)

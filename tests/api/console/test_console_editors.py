"""The console's editors in Debian's Chromium against a real server: the article editor's channel preview is the
reply /v1/answer gives, a draft written and published in the console is what the next search finds, a synonym
added in the console changes a lexical search, the tone guard's refusal of a template is shown next to the text
and nothing is saved, an article that is markup is text everywhere; screenshots of each screen in every language.

Each test puts back what it changed on the shared server (articles, templates, synonyms, pins).
"""

from __future__ import annotations

import pytest

from tests.api.console.conftest import open_route, seeded_days
from tests.browser import screenshot

LANGUAGES = ["en", "ja", "zh", "lt"]
CHANNELS = ["help_page", "chat", "email"]
# a question of our own that the demo KB answers with this article
QUESTION, ANSWERING = "where can I see how far along my order is", "order-status"
# a topic the demo KB lacks: the article written in the console for it
NEW_ID = "showroom-dogs"
NEW_ARTICLE = {
    "category": "stores",
    "title": "Bringing your dog to our showroom",
    "summary": "Dogs on a lead are welcome in the showroom; water bowls are by the entrance.",
    "body": "Dogs on a lead are welcome in every showroom.\n\nAssistance dogs may come everywhere, the café included.",
    "questions": ["Can I bring my dog to the showroom?", "Are pets allowed in your store?",
                  "Is the showroom dog friendly?"],
}
# a gap of the seeded log (asked in en, ja and lt), and what a support lead writes for it: summary, body, more questions
GAP_QUESTION = "Is your packaging recyclable?"
GAP_ARTICLE = {
    "en": ("Our boxes and paper padding are recyclable: put them out with your paper waste.",
           "Boxes and paper padding go in paper recycling.\n\nAir cushions go with soft plastics.",
           ["what do I do with the box after unpacking", "can the packing material be recycled"]),
    "ja": ("箱と紙の緩衝材は古紙としてリサイクルできます。",
           "箱と紙の緩衝材は古紙回収に出せます。\n\nエアクッションはプラスチックごみとして出してください。",
           ["届いた箱はどう処分すればいいですか", "緩衝材は資源ごみに出せますか"]),
    "lt": ("Mūsų dėžės ir popieriniai užpildai perdirbami: išmeskite juos su popieriaus atliekomis.",
           "Dėžes ir popierinius užpildus meskite į popieriaus konteinerį.\n\nOro pagalvėles – į plastiko konteinerį.",
           ["Kur dėti dėžę išpakavus prekę?", "Ar pakavimo medžiagas galima perdirbti?"]),
}
# a word no article holds and the model does not know, and the words it becomes a synonym of
NICKNAME, SYNONYM_OF, NICKNAMED = "blorptoken", "gift card", "gift-card"
HOSTILE_ID = "markup-everywhere"
HOSTILE_TITLE = 'Sneaky <img src=x onerror="window.__pwned=1"> title'
HOSTILE_SUMMARY = "A summary that hides <script>window.__pwned=1</script> in it."
HOSTILE_ARTICLE = {"category": "<b>odd</b>", "tags": ["<i>tag</i>"], "visibility": "draft", "variants": {"en": {
    "title": HOSTILE_TITLE, "summary": HOSTILE_SUMMARY,
    "body": 'Steps <img src=x onerror="window.__pwned=1">\n\n1. <script>window.__pwned=1</script> first',
    "questions": ["sneaky <script>window.__pwned=1</script> question", "sneaky markup question",
                  "sneaky <b>bold</b> question"]}}}
REFUSED = "Please calm down, your parcel is on its way."  # "calm down": a phrase the tone guard forbids


def visible_panel(page, within: str = "main"):
    return page.locator(f"{within} [role=tabpanel]:not([hidden])")


def previewed(page, question: str) -> dict[str, str]:
    """The editor's preview once it shows the replies to ``question``: channel -> the reply's text."""
    page.wait_for_function("""question => { const preview = document.querySelector(".preview");
        return preview.dataset.question === question && !preview.hasAttribute("aria-busy"); }""", arg=question)
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(".reply-channel")].map(
        section => [section.dataset.channel, section.querySelector("pre").textContent]))""")


def first_result(console, query: str) -> list[str]:
    response = console.api("GET", "/v1/search", params={"q": query, "lang": "en", "limit": 5})
    assert response.status_code == 200, response.text
    return [result["id"] for result in response.json()["results"]]


@pytest.fixture
def one_wording(console):
    """Makes a template's every part say one thing (each variant the first's text), so /v1/answer's reply no longer
    hangs on its answer id (which picks among a part's variants; a preview's pick is fixed); the defaults come
    back after the test."""
    changed = []

    def flatten(name: str) -> None:
        document = console.api("GET", f"/v1/templates/{name}").json()["document"]
        for section in ("parts", "frame"):
            for parts in document.get(section, {}).values():
                for part, variants in parts.items():
                    parts[part] = [variants[0]] * len(variants)
        response = console.api("PUT", f"/v1/templates/{name}", json=document)
        assert response.status_code == 200, response.text
        changed.append(name)

    yield flatten
    for name in changed:
        assert console.api("DELETE", f"/v1/templates/{name}").status_code == 204


def test_the_editors_preview_is_the_reply_answer_gives_on_each_channel(page, console, one_wording):
    asked = {"query": QUESTION, "language": "en"}
    answer = console.api("POST", "/v1/answer", json={**asked, "channel": "chat"}).json()
    assert answer["answered"] and answer["concerns"][0]["article"]["id"] == ANSWERING, answer
    one_wording(answer["situation"])
    one_wording("_frame")
    expected = {channel: console.api("POST", "/v1/answer", json={**asked, "channel": channel}).json()["text"]
                for channel in CHANNELS}
    assert len(set(expected.values())) == len(CHANNELS)  # three different replies: a mix-up would show

    open_route(page, console, "articles", id=ANSWERING)
    page.locator(".preview input").fill(QUESTION)
    assert previewed(page, QUESTION) == expected

    # an unsaved change shows at once in the preview, and only there
    summary = visible_panel(page).locator("textarea").first
    summary.fill("Open My account, then Orders: each order shows where it is.")
    page.locator(".preview input").fill(f"{QUESTION}?")
    assert previewed(page, f"{QUESTION}?")["help_page"] == "Open My account, then Orders: each order shows where it is."
    assert console.api("GET", f"/v1/articles/{ANSWERING}").json()["variants"]["en"]["summary"] != summary.input_value()


def test_a_draft_written_in_the_console_is_found_by_search_once_published(page, console):
    open_route(page, console, "articles", new="")
    try:
        page.get_by_label("ID", exact=True).fill(NEW_ID)
        page.get_by_label("Category").fill(NEW_ARTICLE["category"])
        assert page.get_by_label("Visibility").input_value() == "draft"
        panel = visible_panel(page)
        for label, name in (("Title", "title"), ("Full answer", "body")):
            panel.get_by_label(label, exact=True).fill(NEW_ARTICLE[name])
        panel.get_by_label("Example questions").fill("\n".join(NEW_ARTICLE["questions"]))
        summary = panel.get_by_label("Summary", exact=True)
        page.locator("form.article-form button[type=submit]").click()  # no summary: the API's 422 shows beside it
        problem = page.locator(f"#{summary.get_attribute('id')}-error")
        problem.wait_for()
        assert "required" in problem.inner_text() and summary.get_attribute("aria-invalid") == "true"
        assert console.api("GET", f"/v1/articles/{NEW_ID}").status_code == 404

        summary.fill(NEW_ARTICLE["summary"])
        page.locator("form.article-form button[type=submit]").click()
        page.wait_for_url(f"**#/articles?id={NEW_ID}")
        page.locator("section[data-page=articles]:not([aria-busy]) .article-form").wait_for()
        stored = console.api("GET", f"/v1/articles/{NEW_ID}").json()
        assert stored["visibility"] == "draft" and stored["variants"]["en"]["questions"] == NEW_ARTICLE["questions"]
        assert NEW_ID not in first_result(console, NEW_ARTICLE["questions"][0])  # a draft is never searched

        page.get_by_role("button", name="Publish").click()
        page.locator(".article-form [role=status]", has_text="Published").wait_for()
        assert first_result(console, NEW_ARTICLE["questions"][0])[0] == NEW_ID
        assert page.get_by_role("button", name="Publish").is_hidden()
    finally:
        console.api("DELETE", f"/v1/articles/{NEW_ID}")


def test_an_article_drafted_from_a_gap_written_and_published_answers_the_gaps_questions(page, console):
    open_route(page, console, "questions", **seeded_days(console))
    cluster = page.locator("#gaps .cluster").filter(has_text=GAP_QUESTION)
    cluster.get_by_role("button", name="Draft an article from it").click()
    page.wait_for_url("**#/articles?id=*")
    page.locator("section[data-page=articles]:not([aria-busy]) .article-form").wait_for()
    article_id = page.evaluate("() => new URLSearchParams(location.hash.split('?')[1]).get('id')")
    try:
        drafted = console.api("GET", f"/v1/articles/{article_id}").json()
        assert drafted["visibility"] == "draft" and set(drafted["variants"]) == set(GAP_ARTICLE)
        assert article_id not in first_result(console, GAP_QUESTION)  # a draft is never searched
        page.locator("[role=tab]", has_text="English").click()
        for language, (summary, body, questions) in GAP_ARTICLE.items():
            if language != "en":  # the next tab, by keyboard (en, ja, lt: the draft has no zh)
                page.locator("[role=tab][aria-selected=true]").press("ArrowRight")
            panel = visible_panel(page)
            assert panel.get_attribute("lang") == language
            fields = panel.locator("textarea")  # summary, full answer, example questions
            fields.nth(0).fill(summary)
            fields.nth(1).fill(body)
            fields.nth(2).fill("\n".join([fields.nth(2).input_value(), *questions]))
        page.get_by_role("button", name="Publish").click()
        page.locator(".article-form [role=status]", has_text="Published").wait_for()
        published = console.api("GET", f"/v1/articles/{article_id}").json()
        assert published["visibility"] == "published" and published["variants"]["lt"]["summary"] == GAP_ARTICLE[
            "lt"][0]
        assert first_result(console, GAP_QUESTION)[0] == article_id
    finally:
        console.api("DELETE", f"/v1/articles/{article_id}")


def test_a_synonym_added_in_the_console_changes_a_lexical_search_result(page, console):
    assert NICKNAMED not in first_result(console, NICKNAME)[:1]
    open_route(page, console, "relevance")
    synonyms = page.locator("form.controls").first
    try:
        synonyms.get_by_role("button", name="Add a group").click()
        group = visible_panel(page, "form.controls").locator("input").last
        group.fill(NICKNAME)  # a group of one word: refused, next to the group
        synonyms.get_by_role("button", name="Save synonyms").click()
        page.locator(f"#{group.get_attribute('id')}-error").wait_for()
        assert group.get_attribute("aria-invalid") == "true"
        assert console.api("GET", "/v1/synonyms").json() == {"groups": []}

        group.fill(f"{NICKNAME}, {SYNONYM_OF}")
        synonyms.get_by_role("button", name="Save synonyms").click()
        synonyms.locator("[role=status]", has_text="Saved").wait_for()
        assert console.api("GET", "/v1/synonyms").json() == {
            "groups": [{"language": "en", "terms": [NICKNAME, SYNONYM_OF]}]}
        assert first_result(console, NICKNAME)[0] == NICKNAMED
    finally:
        assert console.api("PUT", "/v1/synonyms", json={"groups": []}).status_code == 200


def test_the_tone_guards_refusal_is_shown_next_to_the_text_and_nothing_is_saved(page, console):
    before = console.api("GET", "/v1/templates/delivery_delay").json()
    open_route(page, console, "templates", name="delivery_delay")
    acknowledge = page.locator("[data-path='parts.en.acknowledge']")
    acknowledge.locator("textarea").nth(1).fill(REFUSED)
    page.locator("form.template-form button[type=submit]").click()
    problem = acknowledge.locator(".field-error")
    problem.wait_for()
    assert "calm down" in problem.inner_text() and "tone guard" in problem.inner_text()
    assert acknowledge.locator("textarea").nth(1).get_attribute("aria-invalid") == "true"
    assert page.locator(".page-alerts .alert").count() == 0  # inline, not a page-wide error
    assert console.api("GET", "/v1/templates/delivery_delay").json() == before

    # a text the guard accepts is saved, and "reset to default" brings the default back
    acknowledge.locator("textarea").nth(1).fill("Sorry for the wait: let's find your parcel together.")
    page.locator("form.template-form button[type=submit]").click()
    page.locator(".template-form [role=status]", has_text="Saved").wait_for()
    saved = console.api("GET", "/v1/templates/delivery_delay").json()
    assert saved["customised"] and saved["document"]["parts"]["en"]["acknowledge"][1].startswith("Sorry for the wait")
    page.get_by_role("button", name="Reset to default").click()
    page.get_by_role("button", name="Yes, reset").click()
    page.locator(".template-state", has_text="Default").wait_for()
    assert console.api("GET", "/v1/templates/delivery_delay").json() == before


def test_an_article_that_is_markup_is_text_in_the_list_the_editor_and_the_preview(page, console):
    assert console.api("PUT", f"/v1/articles/{HOSTILE_ID}", json=HOSTILE_ARTICLE).status_code == 201
    try:
        open_route(page, console, "articles")
        page.get_by_label("Search").fill("sneaky")
        link = page.locator("table.articles tbody a")
        assert link.count() == 1 and link.inner_text() == HOSTILE_TITLE
        assert page.locator("table.articles tbody td").nth(3).inner_text() == "<b>odd</b>"

        link.click()
        page.locator("section[data-page=articles]:not([aria-busy]) .article-form").wait_for()
        assert page.locator("main h2").first.inner_text() == HOSTILE_TITLE
        assert visible_panel(page).get_by_label("Title", exact=True).input_value() == HOSTILE_TITLE
        question = HOSTILE_ARTICLE["variants"]["en"]["questions"][0]
        assert page.locator(".preview input").input_value() == question
        assert previewed(page, question)["help_page"] == HOSTILE_SUMMARY
        assert page.locator("main img, main script, main b, main i").count() == 0
        assert page.evaluate("() => window.__pwned") is None
    finally:
        console.api("DELETE", f"/v1/articles/{HOSTILE_ID}")


@pytest.fixture
def relevance_controls(console):
    """A synonym group per language and a pin, for the screenshots; none after."""
    groups = [{"language": "en", "terms": ["parcel", "package"]}, {"language": "ja", "terms": ["配送", "発送", "お届け"]},
              {"language": "zh", "terms": ["快递", "包裹"]}, {"language": "lt", "terms": ["siunta", "siuntinys"]}]
    pins = [{"pattern": "track my parcel", "language": "en", "article_id": "order-status"},
            {"pattern": "返品", "language": None, "article_id": "return-item"}]
    assert console.api("PUT", "/v1/synonyms", json={"groups": groups}).status_code == 200
    assert console.api("PUT", "/v1/pins", json={"pins": pins}).status_code == 200
    yield
    assert console.api("PUT", "/v1/synonyms", json={"groups": []}).status_code == 200
    assert console.api("PUT", "/v1/pins", json={"pins": []}).status_code == 200


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_editors_screens_in_every_language(page, console, language, relevance_controls):
    # screen, its route, and what shows it is drawn (none of them is on the screen before)
    screens = [("articles", "#/articles", "table.articles"),
               ("article-editor", f"#/articles?id={ANSWERING}", ".preview[data-question]:not([aria-busy])"),
               ("templates", "#/templates", "table.templates"),
               ("template-editor", "#/templates?name=delivery_delay", ".template-form"),
               ("relevance", "#/relevance", "form.controls")]
    open_route(page, console, "articles")
    for screen, route, drawn in screens:
        page.evaluate("route => { location.hash = route; }", route)
        page.locator(f"section:not([aria-busy]) {drawn}").first.wait_for()
        page.wait_for_function("""() => [...document.styleSheets].some(
            sheet => sheet.href && sheet.href.endsWith("/pages/editors.css"))""")
        assert "⟦" not in page.locator("main").inner_text() and page.locator("html").get_attribute("lang") == language
        page.evaluate("() => document.activeElement.blur()")  # the heading the router focused: no focus ring
        screenshot(page, f"console-{screen}-{language}")

"""Relevance controls through the API: synonyms change lexical search, pins put their article first, both
within the caller's filters and visibility, per tenant, in effect on the next request."""

from __future__ import annotations

import pytest

from tests.helpers import bearer, new_key, wait_for

TENANT, OTHER = "relevance", "relevance-other"


def article(category: str, title: str, summary: str, questions: list[str], visibility: str = "published",
            product: str | None = None) -> dict:
    return {"category": category, "visibility": visibility, "product": product, "variants": {"en": {
        "title": title, "summary": summary, "body": summary, "questions": questions}}}


ARTICLES = {
    "lamp-battery": article("devices", "Replacing the Moonlamp battery",
                            "Unscrew the Moonlamp base, swap in a new cell and screw the base back on.",
                            ["moonlamp battery swap", "new cell for the moonlamp", "moonlamp base will not open"],
                            product="moonlamp"),
    "courier-pickup": article("delivery", "Booking a courier to collect your return",
                              "Pick a day in your account and the courier collects the box at your door.",
                              ["courier collection for a return", "book a pickup", "can someone collect my box"]),
    "gift-wrap": article("orders", "Adding gift wrapping to an order",
                         "Tick gift wrapping at checkout; we add a card with your message.",
                         ["gift wrapping", "can you wrap a present", "add a card to my order"]),
    "staff-overrides": article("orders", "Overriding a refund limit (staff)",
                               "Team leads may approve a refund above the limit in the back office.",
                               ["approve a refund above the limit", "refund limit override", "lead approval"],
                               visibility="internal"),
    "unwritten": article("orders", "Gift vouchers by post (to write)", "Draft: vouchers posted to a friend.",
                         ["post a voucher", "voucher by mail", "send a gift voucher"], visibility="draft"),
}
NICKNAME_QUERY = "gravlox"  # what customers call the Moonlamp: no article says it, neither model places it near one
STAFF_NICKNAME = "zorblax"  # what staff call an override: no article says it either


@pytest.fixture(scope="module")
def keys(client, services):
    """Admin (every scope) and search-only keys of a tenant of our own articles, and another tenant's admin key."""
    for tenant in (TENANT, OTHER):
        services.store.ensure_tenant(tenant)
    admin = bearer(new_key(services, "admin", "answer", "search", tenant=TENANT))
    for article_id, body in ARTICLES.items():
        assert client.put(f"/v1/articles/{article_id}", json=body, headers=admin).status_code in (200, 201)
    services.store.articles.put(OTHER, services.tenant_kb(TENANT).index.articles["gift-wrap"])
    return {"admin": admin, "search": bearer(new_key(services, "search", tenant=TENANT)),
            "other": bearer(new_key(services, "admin", "answer", "search", tenant=OTHER))}


@pytest.fixture()
def controls(client, keys):
    """Each test starts and ends with no synonyms and no pins."""
    yield
    for tenant_key in (keys["admin"], keys["other"]):
        assert client.put("/v1/synonyms", json={"groups": []}, headers=tenant_key).status_code == 200
        assert client.put("/v1/pins", json={"pins": []}, headers=tenant_key).status_code == 200


def search(client, headers, query: str, **params) -> dict:
    response = client.get("/v1/search", params={"q": query, "lang": "en", "limit": 3, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def first(client, headers, query: str, **params) -> tuple[str | None, bool]:
    results = search(client, headers, query, **params)["results"]
    return (results[0]["id"], results[0]["pinned"]) if results else (None, False)


def test_the_controls_round_trip_in_the_contracts_shapes(client, keys, controls):
    synonyms = {"groups": [{"language": "ja", "terms": ["配送", "発送", "お届け"]},
                           {"language": "lt", "terms": ["siunta", "siuntinys", "pakuotė"]},
                           {"language": "en", "terms": ["parcel", "package"]}]}
    pins = {"pins": [{"pattern": "wrap my present", "language": "en", "article_id": "courier-pickup"},
                     {"pattern": "返品", "language": None, "article_id": "gift-wrap"}]}
    assert client.get("/v1/synonyms", headers=keys["admin"]).json() == {"groups": []}
    assert client.put("/v1/synonyms", json=synonyms, headers=keys["admin"]).json() == synonyms
    assert client.put("/v1/pins", json=pins, headers=keys["admin"]).json() == pins
    assert client.get("/v1/synonyms", headers=keys["admin"]).json() == synonyms
    assert client.get("/v1/pins", headers=keys["admin"]).json() == pins
    # the other tenant sees none of them
    assert client.get("/v1/synonyms", headers=keys["other"]).json() == {"groups": []}
    assert client.get("/v1/pins", headers=keys["other"]).json() == {"pins": []}
    assert client.get("/v1/pins", headers=keys["search"]).status_code == 403


def test_a_synonym_makes_a_lexical_query_find_the_article_holding_the_other_term(client, services, keys, controls):
    index = services.tenant_kb(TENANT).index
    assert "lamp-battery" not in index.lexical_scores(NICKNAME_QUERY)
    assert first(client, keys["admin"], NICKNAME_QUERY)[0] != "lamp-battery"

    group = {"groups": [{"language": "en", "terms": ["Gravlox", "moonlamp"]}]}
    assert client.put("/v1/synonyms", json=group, headers=keys["admin"]).status_code == 200
    assert first(client, keys["admin"], NICKNAME_QUERY) == ("lamp-battery", False)
    assert "lamp-battery" in index.lexical_scores(NICKNAME_QUERY, synonyms=services.tenant_kb(TENANT).controls
                                                  .current.synonyms)
    # within the caller's filters only, and only for the tenant that set it
    assert "lamp-battery" not in [r["id"] for r in search(client, keys["admin"], NICKNAME_QUERY,
                                                          category="orders")["results"]]
    assert first(client, keys["other"], NICKNAME_QUERY)[0] != "lamp-battery"

    assert client.put("/v1/synonyms", json={"groups": []}, headers=keys["admin"]).status_code == 200
    assert first(client, keys["admin"], NICKNAME_QUERY)[0] != "lamp-battery"  # the cache keyed on the controls


def test_a_synonym_never_shows_an_article_the_caller_may_not_see(client, keys, controls):
    group = {"groups": [{"language": "en", "terms": ["zorblax", "override"]}]}
    assert client.put("/v1/synonyms", json=group, headers=keys["admin"]).status_code == 200
    assert first(client, keys["admin"], STAFF_NICKNAME)[0] == "staff-overrides"  # internal: an answer key sees it
    assert "staff-overrides" not in [r["id"] for r in search(client, keys["search"], STAFF_NICKNAME)["results"]]


def test_a_pin_puts_its_article_first_for_matching_queries_only(client, keys, controls):
    query = "How do I wrap my   present for a friend?"
    assert first(client, keys["admin"], query) == ("gift-wrap", False)
    pins = {"pins": [{"pattern": "Wrap my present", "language": "en", "article_id": "courier-pickup"}]}
    assert client.put("/v1/pins", json=pins, headers=keys["admin"]).status_code == 200

    found = search(client, keys["admin"], query)
    assert (found["results"][0]["id"], found["results"][0]["pinned"], found["answered"]) == (
        "courier-pickup", True, True)
    assert [r["pinned"] for r in found["results"][1:]] == [False] * (len(found["results"]) - 1)
    assert first(client, keys["admin"], "gift wrapping at checkout") == ("gift-wrap", False)
    assert first(client, keys["other"], query)[1] is False  # another tenant's queries are not pinned

    answer = client.post("/v1/answer", json={"query": query, "channel": "chat", "language": "en"},
                         headers=keys["admin"]).json()
    assert answer["answered"] and answer["concerns"][0]["article"]["id"] == "courier-pickup"
    assert answer["concerns"][0]["article"]["pinned"] and answer["articles"][0]["pinned"]
    assert not answer["handoff"]

    # a pin for Lithuanian queries does not apply to an English one
    pins["pins"][0]["language"] = "lt"
    assert client.put("/v1/pins", json=pins, headers=keys["admin"]).status_code == 200
    assert first(client, keys["admin"], query) == ("gift-wrap", False)


def test_a_pin_respects_filters_and_visibility_and_the_next_visible_pin_wins(client, keys, controls):
    query = "wrap my present"
    pins = {"pins": [{"pattern": query, "article_id": "unwritten"}, {"pattern": "present", "article_id":
                     "staff-overrides"}, {"pattern": "wrap", "article_id": "courier-pickup"}]}
    assert client.put("/v1/pins", json=pins, headers=keys["admin"]).status_code == 200
    assert first(client, keys["admin"], query) == ("staff-overrides", True)  # the draft is nobody's
    assert first(client, keys["search"], query) == ("courier-pickup", True)  # the internal one not for the public
    assert first(client, keys["admin"], query, category="orders") == ("staff-overrides", True)
    assert first(client, keys["search"], query, category="orders") == ("gift-wrap", False)
    assert first(client, keys["search"], query, product="moonlamp")[1] is False


def test_a_change_made_through_another_process_is_taken_in(client, services, keys, controls):
    from kb.relevance import Pin

    query = "wrap my present"
    assert first(client, keys["admin"], query) == ("gift-wrap", False)
    services.store.relevance.replace_pins(TENANT, [Pin(pattern="present", article_id="lamp-battery")])  # no API
    wait_for(lambda: first(client, keys["admin"], query) == ("lamp-battery", True),
             "a pin written to the store by another process was not taken in", seconds=10)


@pytest.mark.parametrize(("path", "body", "problem"), [
    ("/v1/synonyms", {"groups": [{"language": "en", "terms": ["parcel", "Parcel"]}]}, "at least two different"),
    ("/v1/synonyms", {"groups": [{"language": "xx", "terms": ["a", "b"]}]}, "groups.0.language"),
    ("/v1/synonyms", {"groups": [{"language": "en", "terms": ["a", "b"]}, {"language": "en", "terms": ["B", "c"]}]},
     "groups: term 'B' (en) is in groups 0 and 1"),
    ("/v1/pins", {"pins": [{"pattern": " ", "article_id": "gift-wrap"}]}, "pins.0.pattern"),
    ("/v1/pins", {"pins": [{"pattern": "gift", "language": "klingon", "article_id": "gift-wrap"}]},
     "pins.0.language"),
    ("/v1/pins", {"pins": [{"pattern": "gift", "article_id": "no-such-article"}]}, "no article 'no-such-article'"),
    ("/v1/pins", {"pins": [{"pattern": "gift", "article_id": "lamp-battery"}] * 501}, "at most 500"),
])
def test_bad_controls_are_refused_with_422_naming_what_to_fix(client, keys, controls, path, body, problem):
    response = client.put(path, json=body, headers=keys["admin"])
    assert response.status_code == 422 and problem in response.json()["detail"], response.text
    assert client.get(path, headers=keys["admin"]).json() in ({"groups": []}, {"pins": []})  # nothing written

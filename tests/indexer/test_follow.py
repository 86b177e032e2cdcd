"""Articles written to the store by another process (another replica, the admin CLI) reach this
service's index through the store's change feed, on both backends."""

from __future__ import annotations

from pathlib import Path

from kb.loader import parse_article
from kb.stores import create_store
from tests.helpers import wait_for

ARTICLE = {"id": "kayak-rental", "category": "orders", "tags": ["rental"], "variants": {"en": {
    "title": "Can I rent a kayak for the weekend?", "summary": "Yes: kayaks are rented from Friday to Monday.",
    "body": "Book a kayak for the weekend in the Rentals section; pick it up on Friday, bring it back on Monday.",
    "questions": ["weekend kayak rental", "rent a canoe for two days", "borrow a kayak"]}}}


def top_hit(client, query: str) -> str | None:
    results = client.get("/v1/search", params={"q": query, "limit": 1}).json()["results"]
    return results[0]["id"] if results else None


def test_an_article_written_by_another_process_is_taken_in_and_its_deletion_too(settings, services, client):
    other = create_store(settings.store, settings.store_location)  # what the admin CLI or another replica holds
    try:
        stored = other.articles.put("demo", parse_article(ARTICLE, Path("test")))
        took = wait_for(lambda: top_hit(client, "rent a kayak over the weekend") == "kayak-rental",
                        "the article written elsewhere never became searchable", seconds=30)
        print(f"taken in after {took:.2f} s")
        assert services.default.follower.applied["kayak-rental"] == stored.seq
        other.articles.delete("demo", "kayak-rental")
        wait_for(lambda: top_hit(client, "rent a kayak over the weekend") != "kayak-rental",
                 "the deletion made elsewhere never reached the index", seconds=30)
        assert "kayak-rental" not in services.default.index.articles
    finally:
        other.close()

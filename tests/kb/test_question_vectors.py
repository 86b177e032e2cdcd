"""The stored vectors of logged question texts (coverage gaps), on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def vector(seed: int) -> bytes:
    return np.random.default_rng(seed).standard_normal(8).astype(np.float32).tobytes()


def test_vectors_are_kept_per_tenant_and_model(open_store):
    store = open_store()
    store.question_vectors.put("acme", "model-a", {"parcel lost": (vector(1), NOW), "refund": (vector(2), NOW)})
    store.question_vectors.put("other", "model-a", {"parcel lost": (vector(3), NOW)})
    assert store.question_vectors.get("acme", "model-a", ["parcel lost", "refund", "never asked"]) == {
        "parcel lost": vector(1), "refund": vector(2)}
    assert store.question_vectors.get("other", "model-a", ["parcel lost", "refund"]) == {"parcel lost": vector(3)}
    assert store.question_vectors.get("acme", "model-b", ["parcel lost"]) == {}
    many = [f"question {number}" for number in range(1200)]  # more keys than one read asks for at once
    store.question_vectors.put("acme", "model-a", {key: (vector(7), NOW) for key in many})
    assert len(store.question_vectors.get("acme", "model-a", many)) == 1200


def test_a_vector_goes_with_the_last_query_text_it_came_from(open_store):
    store = open_store()
    store.question_vectors.put("acme", "m", {"old": (vector(1), NOW - timedelta(days=40)),
                                              "asked again": (vector(2), NOW - timedelta(days=40))})
    store.question_vectors.put("acme", "m", {"asked again": (vector(2), NOW - timedelta(days=1))})
    store.question_vectors.put("acme", "m", {"asked again": (vector(2), NOW - timedelta(days=50))})  # keeps the later
    store.question_vectors.put("other", "m", {"old": (vector(3), NOW - timedelta(days=40))})
    store.answers.forget_queries("acme", NOW - timedelta(days=30))
    assert store.question_vectors.get("acme", "m", ["old", "asked again"]) == {"asked again": vector(2)}
    assert store.question_vectors.get("other", "m", ["old"]) == {"old": vector(3)}  # another tenant's stays
    store.answers.forget_queries(None, NOW)
    assert store.question_vectors.get("acme", "m", ["asked again"]) == {}
    assert store.question_vectors.get("other", "m", ["old"]) == {}

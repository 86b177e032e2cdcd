"""The vectors of logged question texts, kept for coverage gaps: a text is embedded once, when it is
logged, not each time a dashboard asks. Each vector is erased with the last query text it came from."""

from __future__ import annotations

import base64
from datetime import datetime

from kb.stores.columns import utc
from kb.stores.concern import Concern


class QuestionVectors(Concern):
    """Per tenant and model, a question text's vector (``text_key``: the text as questions are grouped by)
    and the moment it was last asked."""

    def get(self, tenant: str, model: str, keys: list[str]) -> dict[str, bytes]:
        """The stored vectors of those of ``keys`` that have one under ``model``."""
        found: dict[str, bytes] = {}
        with self.store.reading() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                placeholders = ", ".join("?" * len(chunk))
                rows = db.execute(f"SELECT text_key, vector FROM question_vectors WHERE tenant = ? AND model = ? "  # noqa: S608 (placeholders)
                                  f"AND text_key IN ({placeholders})", (tenant, model, *chunk)).fetchall()
                found.update((key, base64.b64decode(vector)) for key, vector in rows)
        return found

    def put(self, tenant: str, model: str, vectors: dict[str, tuple[bytes, datetime]]) -> None:
        """Store vectors (``text_key`` -> its vector and when that text was asked); a stored one keeps the
        later of the two moments."""
        with self.store.transaction() as db:
            db.executemany("INSERT INTO question_vectors (tenant, model, text_key, seen_at, vector) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, model, text_key) DO UPDATE SET "
                           "seen_at = CASE WHEN excluded.seen_at > question_vectors.seen_at "
                           "THEN excluded.seen_at ELSE question_vectors.seen_at END",
                           [(tenant, model, key, utc(seen_at), base64.b64encode(vector).decode("ascii"))
                            for key, (vector, seen_at) in vectors.items()])

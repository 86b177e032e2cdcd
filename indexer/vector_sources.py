"""Which article field each vector id was made from, in compact columns.

A 10,000-article knowledge base has about 240,000 field vectors; one Python object per
vector (with its text) took 200 MB and two seconds to load. The search needs only the
source of each vector: its article, language and field, kept here as three small arrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.models import Language

FIELDS = ("title", "summary", "body", "question")
LANGUAGES = tuple(Language)
REMOVED = -1


@dataclass(frozen=True)
class Entry:
    """What one vector is made from: a field of one language variant of one article."""

    article_id: str
    language: str
    field: str
    text: str

    def as_dict(self) -> dict:
        """The entry as a plain mapping (``dataclasses.asdict`` is much slower at this scale)."""
        return {"article_id": self.article_id, "language": self.language, "field": self.field, "text": self.text}


def source_codes(entries: list[Entry]) -> tuple[np.ndarray, np.ndarray]:
    """The language and field codes of entries (positions in :data:`LANGUAGES` and :data:`FIELDS`)."""
    return (np.array([LANGUAGES.index(Language(entry.language)) for entry in entries], dtype=np.int8),
            np.array([FIELDS.index(entry.field) for entry in entries], dtype=np.int8))


class VectorSources:
    """The article, language and field each vector id was made from (vector ``i`` is row ``i``).

    Articles are numbered in the order they are first seen; a removed article's vectors point
    to :data:`REMOVED`, and a replaced article keeps its number.

    Args:
        article_ids: the article of each number.
        articles: article number per vector.
        languages: language code per vector (position in :data:`LANGUAGES`).
        fields: field code per vector (position in :data:`FIELDS`).
    """

    def __init__(self, article_ids: list[str], articles: np.ndarray, languages: np.ndarray, fields: np.ndarray):
        self.article_ids = list(article_ids)
        self.numbers = {article_id: number for number, article_id in enumerate(self.article_ids)}
        self.articles = np.asarray(articles, dtype=np.int32)
        self.languages = np.asarray(languages, dtype=np.int8)
        self.fields = np.asarray(fields, dtype=np.int8)

    @classmethod
    def of_entries(cls, entries: list[Entry]) -> VectorSources:
        """The sources of vectors made from ``entries``, in their order."""
        sources = cls([], np.zeros(0), np.zeros(0), np.zeros(0))
        sources.extend(entries)
        return sources

    def extend(self, entries: list[Entry]) -> np.ndarray:
        """Append the sources of new vectors.

        Returns:
            The vector ids they got.
        """
        start = len(self.articles)
        languages, fields = source_codes(entries)
        self.articles = np.append(self.articles, np.array([self._number(entry.article_id) for entry in entries],
                                                          dtype=np.int32))
        self.languages = np.append(self.languages, languages)
        self.fields = np.append(self.fields, fields)
        return np.arange(start, len(self.articles), dtype=np.int64)

    def assign(self, ids: np.ndarray, article_ids: list[str], languages: np.ndarray, fields: np.ndarray) -> None:
        """Record the sources of vectors whose ids a shared backend chose (the columns grow to the largest id).

        Args:
            ids: the vector ids.
            article_ids: the article of each.
            languages: language code of each (position in :data:`LANGUAGES`).
            fields: field code of each (position in :data:`FIELDS`).
        """
        if len(ids) == 0:
            return
        missing = int(np.max(ids)) + 1 - len(self.articles)
        if missing > 0:
            self.articles = np.append(self.articles, np.full(missing, REMOVED, dtype=np.int32))
            self.languages = np.append(self.languages, np.zeros(missing, dtype=np.int8))
            self.fields = np.append(self.fields, np.zeros(missing, dtype=np.int8))
        self.articles[ids] = [self._number(article_id) for article_id in article_ids]
        self.languages[ids] = languages
        self.fields[ids] = fields

    def _number(self, article_id: str) -> int:
        if article_id not in self.numbers:
            self.numbers[article_id] = len(self.article_ids)
            self.article_ids.append(article_id)
        return self.numbers[article_id]

    def vectors_of(self, article_id: str) -> np.ndarray:
        """The live vector ids of an article."""
        number = self.numbers.get(article_id)
        return np.zeros(0, dtype=np.int64) if number is None else np.flatnonzero(self.articles == number)

    def remove(self, vector_ids: np.ndarray) -> None:
        """Mark vectors as made from nothing live (their article was removed or replaced)."""
        self.articles[vector_ids] = REMOVED

    def live_count(self) -> int:
        return int(np.count_nonzero(self.articles != REMOVED))

    def best_per_article(self, scores: np.ndarray, ids: np.ndarray) -> list[tuple[str, float, Language, str]]:
        """Each article's best vector among nearest-neighbour results.

        Args:
            scores: similarities, best first.
            ids: their vector ids (-1 pads).

        Returns:
            (article id, score, language, field) per article, best first.
        """
        known = (ids >= 0) & (ids < len(self.articles))  # -1 pads; a shared backend may hold newer vectors
        ids, scores = ids[known], scores[known]
        numbers = self.articles[ids]
        live = numbers != REMOVED
        ids, scores, numbers = ids[live], scores[live], numbers[live]
        _, first = np.unique(numbers, return_index=True)  # results are best first: an article's first is its best
        first.sort()
        return [(self.article_ids[numbers[i]], float(scores[i]), LANGUAGES[self.languages[ids[i]]],
                 FIELDS[self.fields[ids[i]]]) for i in first.tolist()]

    def __len__(self) -> int:
        return len(self.articles)

    def save(self, path: Path) -> None:
        """Write the sources as JSON: the article ids and the three columns."""
        path.write_text(json.dumps({
            "article_ids": self.article_ids, "articles": self.articles.tolist(),
            "languages": [language.value for language in LANGUAGES], "language": self.languages.tolist(),
            "fields": list(FIELDS), "field": self.fields.tolist()}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> VectorSources:
        """Read sources written by :meth:`save`."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["languages"] != [language.value for language in LANGUAGES] or data["fields"] != list(FIELDS):
            raise ValueError(f"{path} was written with other language or field codes: rebuild the index")
        return cls(data["article_ids"], np.array(data["articles"]), np.array(data["language"]),
                   np.array(data["field"]))

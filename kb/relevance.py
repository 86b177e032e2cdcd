"""Relevance controls a tenant sets per language: synonym groups for lexical search, and pins (a query pattern ->
an article first).

* A synonym group's terms match one another in lexical (BM25) search: a query holding one term also matches
  articles holding another (see :mod:`indexer.synonyms`). A term belongs to one group per language.
* A pin matches a query when the normalised query (:func:`normalise`: NFKC, case-folded, whitespace collapsed)
  contains the normalised pattern, in the pin's language (any language when it has none; Japanese and Chinese
  share Han words, so a pin of one matches queries of both). Pins are tried in order; the first whose article
  the caller may see comes first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel, Field, field_validator

from kb.models import Language

MAX_GROUPS = 500
MAX_TERMS = 20
MAX_TERM_CHARS = 100
MAX_PINS = 500
MAX_PATTERN_CHARS = 200
# Han text is shared by Japanese and Chinese (and detecting one from a few Han characters is a guess)
HAN_LANGUAGES = frozenset({Language.JA, Language.ZH})
WORD_CHARACTER = re.compile(r"[^\W_]")


def normalise(text: str) -> str:
    """Text as terms and patterns are compared: NFKC, case-folded, runs of whitespace as one space, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def same_vocabulary(language: Language) -> frozenset[Language]:
    """The languages whose controls apply to a query in ``language`` (itself; Japanese and Chinese both)."""
    return HAN_LANGUAGES if language in HAN_LANGUAGES else frozenset({language})


class SynonymGroup(BaseModel):
    """Terms that mean the same in one language (a term may be several words)."""

    language: Language = Field(..., description="the language of the queries and articles it applies to")
    terms: list[str] = Field(..., min_length=2, max_length=MAX_TERMS,
                             description="at least two different terms, e.g. 配送, 発送, お届け")

    @field_validator("terms")
    @classmethod
    def are_distinct_words(cls, terms: list[str]) -> list[str]:
        """Terms trimmed, each with a letter or digit, at least two different ones (repeats dropped)."""
        kept: dict[str, str] = {}
        for term in terms:
            term = " ".join(term.split())
            if len(term) > MAX_TERM_CHARS:
                raise ValueError(f"term {term[:20]!r}... is longer than {MAX_TERM_CHARS} characters")
            if not WORD_CHARACTER.search(term):
                raise ValueError(f"term {term!r} has no letter or digit: lexical search cannot match it")
            kept.setdefault(normalise(term), term)
        if len(kept) < 2:
            raise ValueError(f"a group needs at least two different terms, got {sorted(kept.values())}")
        return list(kept.values())


class SynonymGroups(BaseModel):
    """All of a tenant's synonym groups (``PUT /v1/synonyms`` replaces them)."""

    groups: list[SynonymGroup] = Field(..., max_length=MAX_GROUPS)

    @field_validator("groups")
    @classmethod
    def one_group_per_term(cls, groups: list[SynonymGroup]) -> list[SynonymGroup]:
        """A term belongs to at most one group of its language."""
        seen: dict[tuple[Language, str], int] = {}
        for number, group in enumerate(groups):
            for term in group.terms:
                first = seen.setdefault((group.language, normalise(term)), number)
                if first != number:
                    raise ValueError(f"term {term!r} ({group.language.value}) is in groups {first} and {number}: "
                                     "merge them or keep it in one")
        return groups


class Pin(BaseModel):
    """A query pattern whose article comes first."""

    pattern: str = Field(..., max_length=MAX_PATTERN_CHARS,
                         description="matches a query that contains it (both normalised: NFKC, case-folded, "
                                     "whitespace collapsed)")
    language: Language | None = Field(None, description="only queries in this language (null: any)")
    article_id: str = Field(..., min_length=1, max_length=200, description="the article shown first")

    @field_validator("pattern")
    @classmethod
    def has_words(cls, pattern: str) -> str:
        pattern = " ".join(pattern.split())
        if not WORD_CHARACTER.search(pattern):
            raise ValueError("pattern must contain a letter or digit, e.g. 'track my parcel'")
        return pattern

    def matches(self, query: str, language: Language | None) -> bool:
        """Whether the pin applies to a query (``query`` already :func:`normalise` d) in ``language``."""
        return (self.language is None or language is None or self.language in same_vocabulary(language)) \
            and normalise(self.pattern) in query


class Pins(BaseModel):
    """All of a tenant's pins, first match first (``PUT /v1/pins`` replaces them)."""

    pins: list[Pin] = Field(..., max_length=MAX_PINS)


@dataclass(frozen=True)
class RelevanceControls:
    """A tenant's controls as stored; ``version`` grows with every change (0: none ever set)."""

    version: int = 0
    groups: tuple[SynonymGroup, ...] = ()
    pins: tuple[Pin, ...] = ()

    def pinned(self, query: str, language: Language | None) -> list[str]:
        """The articles of the pins matching a query, in pin order (repeats dropped).

        Args:
            query: the query as typed.
            language: its language (None when unknown: pins of every language apply).
        """
        text = normalise(query)
        return list(dict.fromkeys(pin.article_id for pin in self.pins if pin.matches(text, language)))

"""The steps an answer and a search share: detect the language, read a message, retrieve with a confidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from api.pipeline.models import Message, Reading
from indexer.confidence import confidence
from indexer.search import ArticleHit
from kb.filters import ArticleFilter
from kb.language import Detection, UnsupportedLanguageError, detect_language, resolve_language
from kb.models import Language
from kb.reading import EmptyMessageError, read_message
from kb.segments import segments, to_search

if TYPE_CHECKING:
    from api.services import TenantKnowledgeBase


@dataclass(frozen=True)
class Ranked:
    """A searched text's articles, best first, the calibrated probability that the first is right, and
    the text's embedding."""

    hits: list[ArticleHit]
    confidence: float
    vector: np.ndarray


def detect(text: str, explicit: Language | None, accept_language: str | None) -> Detection:
    """Detect the text's language; an explicit language covers text we cannot detect."""
    try:
        return detect_language(text, accept_language)
    except UnsupportedLanguageError:
        if explicit is None:
            raise
        return Detection(explicit, "explicit")


def read(message: Message, cost: Callable[[str], int]) -> Reading:
    """Read a message: keep the customer's own words, detect their language, cut them into segments.

    Args:
        message: the message.
        cost: a text's embedding cost in tokens.

    Raises:
        EmptyMessageError: nothing of the customer's own is left (only a quote or forwarded mail).
        UnsupportedLanguageError: the words are in a language we do not answer and none was named.
        UnencodableTextError: the text cannot be embedded.
    """
    own = read_message(message.text, message.subject, message.html)
    if not own.text:
        raise EmptyMessageError(
            f"query holds no words of the customer's own: only {'quoted or forwarded mail' if own.quoted else 'markup'}"
            f" ({len(own.quoted)} characters set aside). Send the customer's new text, e.g. the mail as it "
            "arrived with its reply above the quote")
    detection = detect(own.text, message.language, message.accept_language)
    pieces = segments(own.text, detection.language)
    searched = to_search(pieces, own.subject)
    return Reading(own, detection, pieces, searched, [cost(segment.text) for segment in searched])


async def retrieve(tenant_kb: TenantKnowledgeBase, text: str, language: Language, limit: int, allowed: ArticleFilter,
                   tokens: int | None = None, admitted: bool = False) -> Ranked:
    """The text's best articles among those ``allowed`` lets through, at least two (the confidence needs
    the runner-up), with their confidence.

    Args:
        tenant_kb: the tenant searched.
        text: the searched text.
        language: its language (the lexical rules searched with).
        limit: how many articles the caller wants.
        allowed: the articles the caller may be shown.
        tokens: the text's embedding cost when already counted.
        admitted: its tokens are already held (:meth:`api.embedding.QueryEmbedder.admit`).

    Raises:
        Overloaded: the embedder's lane for this text is full.
    """
    retrieval = await tenant_kb.retriever.retrieve(text, language, max(limit, 2), allowed, tokens, admitted)
    return Ranked(retrieval.hits, confidence(retrieval.hits), retrieval.vector)


def matched_language(detection: Detection, hits: list[ArticleHit]) -> Language:
    """The language a detection stands for, given the best-matching fields (an ambiguous Han-only text
    takes its best match's language among Japanese and Chinese)."""
    return resolve_language(detection, [hit.language for hit in hits])

"""An article drafted from the questions customers asked (a coverage gap's cluster), for a person to write.

One variant per language among the questions, each with its questions as example questions (in the order
given: the most central first) and a title suggested from its first; a summary and body that say what to
write. The article is a ``draft``: stored and indexed, never searched, until a person publishes it — and
publishing checks it like any article (every variant then needs :data:`kb.models.MIN_QUESTIONS` questions).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kb.models import DRAFT_BODY, DRAFT_SUMMARY, Article, ArticleVariant, Language, Visibility

DEFAULT_CATEGORY = "uncategorised"
MAX_TITLE_CHARS = 120
# an id made from a title keeps room for a "-<number>" that makes it unique
MAX_SLUG_CHARS = 70
FALLBACK_ID = "draft"  # a title with no Latin letters or digits (Japanese, Chinese) gives no id of its own
NOT_SLUG = re.compile(r"[^a-z0-9]+")
@dataclass(frozen=True)
class AskedQuestion:
    """A question as customers asked it, in the language it was asked in."""

    text: str
    language: Language


def draft_article(questions: Sequence[AskedQuestion], taken: Callable[[str], bool], article_id: str | None = None,
                  category: str = DEFAULT_CATEGORY) -> Article:
    """A draft article for the questions.

    Args:
        questions: the questions, the most central first (repeats, in case and spacing too, are kept once).
        taken: whether an article id is in use; an id made from the title avoids those.
        article_id: the draft's id (None: made from the first question's title, unique).
        category: the draft's category.

    Returns:
        The draft: one variant per language, in the order the languages first appear.

    Raises:
        ValueError: no questions.
    """
    if not questions:
        raise ValueError("a draft needs at least one question")
    asked: dict[Language, dict[str, str]] = {}
    for question in questions:
        text = " ".join(question.text.split())
        asked.setdefault(question.language, {}).setdefault(text.casefold(), text)
    variants = {language: ArticleVariant(language, suggested_title(next(iter(texts.values()))),
                                         DRAFT_SUMMARY[language], DRAFT_BODY[language],
                                         tuple(texts.values()))
                for language, texts in asked.items()}
    titles = [variant.title for variant in variants.values()]
    return Article(id=article_id or unique_id(titles, taken), category=category, tags=(), variants=variants,
                   visibility=Visibility.DRAFT)


def suggested_title(question: str) -> str:
    """A title from a question: its words, the first letter capitalised, at most ``MAX_TITLE_CHARS``."""
    title = " ".join(question.split())
    if len(title) > MAX_TITLE_CHARS:
        title = title[:MAX_TITLE_CHARS - 1].rstrip() + "…"
    return title[:1].upper() + title[1:]


def unique_id(titles: Sequence[str], taken: Callable[[str], bool]) -> str:
    """An article id from the first title that has Latin letters or digits (``draft`` when none has), with
    ``-2``, ``-3``... when it is taken."""
    base = next((slug for slug in map(slugified, titles) if slug), FALLBACK_ID)
    candidate, number = base, 1
    while taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def slugified(title: str) -> str:
    """Lowercase ASCII letters and digits of a title joined by hyphens ('' when it has none): accents
    dropped (``Kaip grąžinti`` → ``kaip-grazinti``), at most ``MAX_SLUG_CHARS``, cut between words."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        cut = slug[:MAX_SLUG_CHARS + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:MAX_SLUG_CHARS]
    return slug

"""Domain objects of the knowledge base: languages, channels, articles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class Language(str, Enum):
    """Languages we answer in."""

    JA = "ja"
    ZH = "zh"
    LT = "lt"
    EN = "en"


class Channel(str, Enum):
    """Where the customer asked; decides the shape of the answer."""

    HELP_PAGE = "help_page"
    CONTACT_FORM = "contact_form"
    CHAT = "chat"
    CHATBOT = "chatbot"
    EMAIL = "email"
    TICKET = "ticket"

    @property
    def style(self) -> str:
        """``terse`` (help page, contact form), ``chat`` or ``letter`` (email, ticket)."""
        if self in (Channel.HELP_PAGE, Channel.CONTACT_FORM):
            return "terse"
        if self in (Channel.CHAT, Channel.CHATBOT):
            return "chat"
        return "letter"


# When an article lacks the requested language, answer in the first of these it has.
FALLBACK_ORDER = (Language.EN, Language.LT, Language.ZH, Language.JA)


@dataclass(frozen=True)
class ArticleVariant:
    """One language version of an article."""

    language: Language
    title: str
    summary: str
    body: str
    questions: tuple[str, ...]


class Visibility(str, Enum):
    """Who may see an article."""

    PUBLISHED = "published"  # everyone, public search boxes included
    DRAFT = "draft"  # nobody yet: kept in the store, never searched
    INTERNAL = "internal"  # agents only: ticket and email replies may use it, public widgets may not


@dataclass(frozen=True)
class Article:
    """A knowledge-base article with its language variants.

    ``valid_from`` / ``valid_until`` (timezone-aware, optional) bound when it may be shown.
    """

    id: str
    category: str
    tags: tuple[str, ...]
    variants: dict[Language, ArticleVariant] = field(hash=False)
    product: str | None = None
    visibility: Visibility = Visibility.PUBLISHED
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def as_mapping(self) -> dict:
        """The article in the knowledge-base file format (YAML or JSONL); optional fields only when set."""
        mapping = {"id": self.id, "category": self.category, "tags": list(self.tags)}
        if self.product is not None:
            mapping["product"] = self.product
        if self.visibility is not Visibility.PUBLISHED:
            mapping["visibility"] = self.visibility.value
        for name in ("valid_from", "valid_until"):
            if getattr(self, name) is not None:
                mapping[name] = getattr(self, name).isoformat()
        mapping["variants"] = {
            language.value: {"title": v.title, "summary": v.summary, "body": v.body, "questions": list(v.questions)}
            for language, v in self.variants.items()}
        return mapping

    def shown_at(self, moment: datetime) -> bool:
        """True when ``moment`` lies inside the article's validity window."""
        return ((self.valid_from is None or self.valid_from <= moment)
                and (self.valid_until is None or moment < self.valid_until))

    def variant_for(self, language: Language) -> ArticleVariant:
        """The variant in ``language``, else the first available in ``FALLBACK_ORDER``."""
        if language in self.variants:
            return self.variants[language]
        for candidate in FALLBACK_ORDER:
            if candidate in self.variants:
                return self.variants[candidate]
        raise LookupError(f"article {self.id} has no variants")

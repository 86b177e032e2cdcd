"""Domain objects of the knowledge base: languages, channels, articles."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Article:
    """A knowledge-base article with its language variants."""

    id: str
    category: str
    tags: tuple[str, ...]
    variants: dict[Language, ArticleVariant] = field(hash=False)

    def as_mapping(self) -> dict:
        """The article in the knowledge-base file format (YAML or JSONL)."""
        return {"id": self.id, "category": self.category, "tags": list(self.tags), "variants": {
            language.value: {"title": v.title, "summary": v.summary, "body": v.body, "questions": list(v.questions)}
            for language, v in self.variants.items()}}

    def variant_for(self, language: Language) -> ArticleVariant:
        """The variant in ``language``, else the first available in ``FALLBACK_ORDER``."""
        if language in self.variants:
            return self.variants[language]
        for candidate in FALLBACK_ORDER:
            if candidate in self.variants:
                return self.variants[candidate]
        raise LookupError(f"article {self.id} has no variants")

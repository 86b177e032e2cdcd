"""Domain objects of the knowledge base: languages, channels, articles, and the one validated
schema of an article as written (:class:`ArticleDocument`) that the loader, the API and the store share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails


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


# what the summary and body of an article drafted from customers' questions (kb.drafts) say until someone
# writes them: an article that may be shown never says it
DRAFT_SUMMARY = {
    Language.EN: "Draft: write a short answer here, in one or two sentences.",
    Language.LT: "Juodraštis: čia parašykite trumpą atsakymą – vieną ar du sakinius.",
    Language.JA: "下書き：ここに短い回答を1～2文で書いてください。",
    Language.ZH: "草稿：请在这里用一两句话写出简短的回答。",
}
DRAFT_BODY = {
    Language.EN: "Draft: write the whole answer here (the steps, the conditions, the exceptions). Before publishing, "
                 "give this language at least three example questions.",
    Language.LT: "Juodraštis: čia parašykite visą atsakymą (žingsnius, sąlygas, išimtis). Prieš skelbdami šia kalba "
                 "įrašykite bent tris klausimų pavyzdžius.",
    Language.JA: "下書き：ここに回答の全文（手順・条件・例外）を書いてください。公開する前に、この言語の質問例を3つ以上"
                 "入れてください。",
    Language.ZH: "草稿：请在这里写出完整的回答（步骤、条件和例外）。发布之前，请为这种语言至少填写三个示例问题。",
}


ARTICLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MIN_QUESTIONS = 3  # a draft may have fewer (at least one): it is written from the few questions customers asked
ARTICLE_FIELDS = ("id", "category", "tags", "product", "visibility", "valid_from", "valid_until", "variants")
VARIANT_FIELDS = ("title", "summary", "body", "questions")
# what each field must be, said when it is not
RULES = {
    "id": "required; lowercase letters, digits and hyphens, at most 80 characters",
    "category": "required; a non-empty string",
    "tags": "must be a list of strings",
    "product": "must be a non-empty string when given",
    "visibility": f"use one of {', '.join(v.value for v in Visibility)}",
    "valid_from": "an ISO 8601 date-time such as 2026-12-01T00:00:00+00:00",
    "valid_until": "an ISO 8601 date-time such as 2026-12-01T00:00:00+00:00",
    "variants": "required; a mapping from language code to title/summary/body/questions",
    "variant": "must be a mapping with title, summary, body, questions",
    "language": f"unknown language; use one of {', '.join(language.value for language in Language)}",
    "title": "required; a non-empty string",
    "summary": "required; a non-empty string",
    "body": "required; a non-empty string",
    "questions": f"required; a list of at least {MIN_QUESTIONS} non-empty strings (a draft needs one)",
    "unwritten": "still the draft's placeholder: write it before the article is published or made internal",
}


class VariantDocument(BaseModel):
    """One language version of an article as written (a knowledge-base file, the API)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    summary: str
    body: str
    questions: list[str]

    @field_validator("title", "summary", "body", mode="before")
    @classmethod
    def _text(cls, value: Any, info: ValidationInfo) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(RULES[info.field_name])
        return value.strip()

    @field_validator("questions", mode="before")
    @classmethod
    def _questions(cls, value: Any) -> list[str]:
        if (not isinstance(value, list) or not value
                or not all(isinstance(question, str) and question.strip() for question in value)):
            raise ValueError(RULES["questions"])
        return [question.strip() for question in value]


class ArticleContent(BaseModel):
    """An article as written, without its id: every rule of the knowledge-base format."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str = Field(..., description="e.g. delivery, payment, returns")
    tags: list[str] = Field([], description="free labels, usable as search filters")
    product: str | None = Field(None, description="the product it is about, usable as a search filter")
    visibility: Visibility = Field(Visibility.PUBLISHED, description="published, draft or internal (agents only)")
    valid_from: datetime | None = Field(None, description="not shown before this moment (ISO 8601 with time zone)")
    valid_until: datetime | None = Field(None, description="not shown from this moment on")
    variants: dict[Language, VariantDocument] = Field(..., description="the article per language")

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(RULES["category"])
        return value.strip()

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            raise ValueError(RULES["tags"])
        return value

    @field_validator("product", mode="before")
    @classmethod
    def _product(cls, value: Any) -> str | None:
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(RULES["product"])
        return value.strip() if value else None

    @field_validator("visibility", mode="before")
    @classmethod
    def _visibility(cls, value: Any) -> Visibility:
        if not isinstance(value, str) or value not in {v.value for v in Visibility}:  # {} or [] is no visibility
            raise ValueError(RULES["visibility"])
        return Visibility(value)

    @field_validator("valid_from", "valid_until", mode="before")
    @classmethod
    def _moment(cls, value: Any, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):  # YAML reads unquoted timestamps itself
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                raise ValueError(RULES[info.field_name]) from None
        if moment.tzinfo is None:
            raise ValueError("needs a time zone, e.g. 2026-12-01T00:00:00+00:00 or ...Z")
        if info.field_name == "valid_until" and info.data.get("valid_from") and moment <= info.data["valid_from"]:
            raise ValueError("must be later than valid_from")
        return moment

    @field_validator("variants", mode="before")
    @classmethod
    def _variants(cls, value: Any) -> dict:
        if not isinstance(value, dict) or not value:
            raise ValueError(RULES["variants"])
        return value

    @model_validator(mode="after")
    def _ready_to_show(self) -> ArticleContent:
        """Every variant of an article that may be shown has ``MIN_QUESTIONS`` questions (a draft, one) and
        none still says what a draft says until it is written."""
        if self.visibility is Visibility.DRAFT:
            return self
        problems = []
        for language, variant in self.variants.items():
            if len(variant.questions) < MIN_QUESTIONS:
                problems.append((language, "questions", list(variant.questions), RULES["questions"]))
            for part, placeholder in (("summary", DRAFT_SUMMARY), ("body", DRAFT_BODY)):
                if getattr(variant, part) == placeholder.get(language):
                    problems.append((language, part, getattr(variant, part), RULES["unwritten"]))
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, [InitErrorDetails(
                type="value_error", loc=("variants", language.value, part), input=value,
                ctx={"error": ValueError(message)}) for language, part, value, message in problems])
        return self


class ArticleDocument(ArticleContent):
    """An article as written, with its id: a knowledge-base file, a line of ``articles.jsonl``, an
    API write, a stored article."""

    id: str

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        if not isinstance(value, str) or not ARTICLE_ID.match(value):
            raise ValueError(RULES["id"])
        return value

    def to_article(self) -> Article:
        """The domain article."""
        return Article(id=self.id, category=self.category, tags=tuple(self.tags), product=self.product,
                       visibility=self.visibility, valid_from=self.valid_from, valid_until=self.valid_until,
                       variants={language: ArticleVariant(language, variant.title, variant.summary, variant.body,
                                                          tuple(variant.questions))
                                 for language, variant in self.variants.items()})


def field_problem(error: ValidationError) -> tuple[str, str]:
    """The field (dotted, e.g. ``variants.en.questions``) and what is wrong with it, of the first
    problem :class:`ArticleDocument` found, in the words of :data:`RULES`."""
    first = error.errors()[0]
    where = [str(part) for part in first["loc"]]
    if where[-1] == "[key]":  # a variant under an unknown language code
        return ".".join(where[:-1]), RULES["language"]
    field = ".".join(where)
    if first["type"] == "extra_forbidden":
        allowed = VARIANT_FIELDS if where[0] == "variants" else ARTICLE_FIELDS
        return field, f"unknown field; allowed: {', '.join(allowed)}"
    if first["type"] == "value_error":
        return field, str(first["ctx"]["error"])
    return field, RULES["variant" if where[0] == "variants" and len(where) == 2 else where[-1]]

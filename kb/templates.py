"""Reply templates: the empathy around an answer, chosen by the customer's situation.

Files: ``<kb>/templates/<situation>.yaml`` (trigger examples and the parts
``acknowledge``, ``lead_in``, ``agreement``, ``closing`` per language, each with
variants) and ``<kb>/templates/_frame.yaml`` (greeting and signature of letters,
default placeholder values). Format in README.md. Loading validates every text
against the tone guard and the allowed placeholders.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import yaml

from kb.loader import KBFormatError
from kb.models import Language
from kb.references import ReferenceKind
from kb.tone import find_forbidden_phrase

# A tenant's reference pattern is searched in messages of up to 20,000 characters: kept short and simple.
MAX_REFERENCE_PATTERN = 200
PARTS = ("acknowledge", "lead_in", "agreement", "closing")
# next_step: what happens next in this situation when no article answers (else unknown_answer's agreement)
OPTIONAL_PARTS = ("next_step",)
FRAME_PARTS = ("greeting", "greeting_anonymous", "signature")
# signature_anonymous: the team's signature when the caller names no agent (else signature)
OPTIONAL_FRAME_PARTS = ("signature_anonymous",)
PLACEHOLDERS = frozenset({"customer_name", "article_title", "timeframe", "agent_name", "company", "team"})
DEFAULTS = ("agent_name", "company")
OPTIONAL_DEFAULTS = ("team",)
MIN_VARIANTS = 2


class Situation(str, Enum):
    """The customer's situation; picks the reply template."""

    ANGRY_CUSTOMER = "angry_customer"
    DELIVERY_DELAY = "delivery_delay"
    OUT_OF_STOCK = "out_of_stock"
    DEFECTIVE_PRODUCT = "defective_product"
    FEATURE_REQUEST_REFUSED = "feature_request_refused"
    EXCEPTION_REQUEST = "exception_request"
    TRANSFER_TO_SPECIALIST = "transfer_to_specialist"
    UNKNOWN_ANSWER = "unknown_answer"
    FAREWELL = "farewell"
    GENERAL = "general"


@dataclass(frozen=True)
class ReplyTemplate:
    """One situation's trigger examples and reply parts, per language."""

    situation: Situation
    description: str
    triggers: dict[Language, tuple[str, ...]]
    parts: dict[Language, dict[str, tuple[str, ...]]]
    timeframe: dict[Language, str]
    articles: frozenset[str] | None = None
    """The ids of the articles this situation fits (None: any article); an answer from another article
    does not assert the situation."""

    def fits(self, article_id: str | None) -> bool:
        """Whether the situation agrees with an answer from this article (None: no article answers)."""
        return article_id is None or self.articles is None or article_id in self.articles


@dataclass(frozen=True)
class Frame:
    """Greeting and signature of letters, default placeholder values per language, and the kinds of
    reference (order numbers...) the tenant's customers give."""

    parts: dict[Language, dict[str, tuple[str, ...]]]
    defaults: dict[str, dict[Language, str]]
    references: tuple[ReferenceKind, ...] = ()
    redirects: dict[Language, tuple[str, ...]] = field(default_factory=dict)
    """Per language, words of article sentences that send the customer to support ("contact us"):
    left out where the customer is already writing to support (chat, email, ticket)."""


@dataclass(frozen=True)
class TemplateSet:
    templates: dict[Situation, ReplyTemplate]
    frame: Frame


FRAME = "_frame"


def load_templates(kb_dir: Path) -> TemplateSet:
    """Read and validate every template file of a knowledge base.

    Args:
        kb_dir: the knowledge-base directory.

    Returns:
        The templates, one per situation, and the frame.

    Raises:
        KBFormatError: naming the file and field of the first problem, including a
            text that fails the tone guard or has a placeholder other than a plain known one.
    """
    return template_set(template_documents(kb_dir), Path(kb_dir) / "templates")


def template_documents(kb_dir: Path) -> dict[str, dict]:
    """The template files of a knowledge base as mappings, by name (file name without ``.yaml``)."""
    folder = Path(kb_dir) / "templates"
    if not folder.is_dir():
        raise FileNotFoundError(f"{kb_dir}: no 'templates' folder (see README: reply templates)")
    return {path.stem: _read(path) for path in sorted(folder.glob("*.yaml"))}


def template_set(documents: dict[str, dict], where: Path) -> TemplateSet:
    """Validate a complete set of template mappings: one per situation, named after it, and ``_frame``.

    Args:
        documents: name -> mapping (the content of ``<name>.yaml``).
        where: the folder (or store) they came from, for error messages.
    """
    if FRAME not in documents:
        raise KBFormatError(where / f"{FRAME}.yaml", "(file)", "missing")
    frame = parse_frame(documents[FRAME], where / f"{FRAME}.yaml")
    templates = {}
    for name, document in documents.items():
        if name == FRAME:
            continue
        template = parse_template(document, where / f"{name}.yaml")
        if template.situation.value != name:
            raise KBFormatError(where / f"{name}.yaml", "situation", f"'{template.situation.value}' in a template "
                                                                      f"named '{name}'")
        templates[template.situation] = template
    missing = sorted(s.value for s in Situation if s not in templates)
    if missing:
        raise KBFormatError(where, "(files)", f"no template for situation(s): {', '.join(missing)}")
    general_timeframe = templates[Situation.GENERAL].timeframe
    if set(general_timeframe) != set(Language):
        raise KBFormatError(where / "general.yaml", "timeframe", "the default {timeframe} is needed in every language")
    for name in OPTIONAL_DEFAULTS:
        user = next((template for template in templates.values() if name not in frame.defaults and any(
            "{" + name + "}" in text for by_part in template.parts.values() for texts in by_part.values()
            for text in texts)), None)
        if user:
            raise KBFormatError(where / f"{FRAME}.yaml", f"defaults.{name}",
                                f"required: {user.situation.value} uses {{{name}}}")
    return TemplateSet(templates, frame)


def _read(path: Path) -> dict:
    if not path.is_file():
        raise KBFormatError(path, "(file)", "missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise KBFormatError(path, "(file)", f"not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise KBFormatError(path, "(file)", "expected a mapping")
    return data


def parse_template(data: dict, path: Path) -> ReplyTemplate:
    """Validate one situation's template mapping.

    Args:
        data: the mapping read from YAML.
        path: where it came from, for error messages.

    Returns:
        The template.
    """
    try:
        situation = Situation(data.get("situation"))
    except ValueError:
        allowed = ", ".join(s.value for s in Situation)
        raise KBFormatError(path, "situation", f"required; one of {allowed}") from None
    triggers = {
        language: _texts(values, path, f"triggers.{language.value}", language, minimum=1, our_words=False)
        for language, values in _by_language(data.get("triggers", {}), path, "triggers").items()
    }
    parts = {}
    for language, fields in _by_language(data.get("parts"), path, "parts").items():
        if not isinstance(fields, dict):
            raise KBFormatError(path, f"parts.{language.value}", f"must map {', '.join(PARTS)} to variants")
        parts[language] = {
            part: _texts(fields.get(part), path, f"parts.{language.value}.{part}", language, MIN_VARIANTS)
            for part in PARTS + tuple(optional for optional in OPTIONAL_PARTS if optional in fields)
        }
    missing = [language.value for language in Language if language not in parts]
    if missing:
        raise KBFormatError(path, "parts", f"missing language(s) {', '.join(missing)}: every reply needs all four")
    timeframe = {}
    if data.get("timeframe"):
        for language, value in _by_language(data["timeframe"], path, "timeframe").items():
            where = f"timeframe.{language.value}"
            if not isinstance(value, str) or not value.strip():
                raise KBFormatError(path, where, "must be a non-empty string")
            check_template_text(value, language, path, where)
            timeframe[language] = value.strip()
    description = data.get("description", "")
    if not isinstance(description, str):
        raise KBFormatError(path, "description", "must be a string")
    articles = data.get("articles")
    if articles is not None and (not isinstance(articles, list) or not all(
            isinstance(article, str) and article.strip() for article in articles)):
        raise KBFormatError(path, "articles", "a list of the article ids this situation fits (leave it out: any)")
    return ReplyTemplate(situation, description, triggers, parts, timeframe,
                         None if articles is None else frozenset(article.strip() for article in articles))


def parse_frame(data: dict, path: Path) -> Frame:
    """Validate the letter frame mapping (``_frame.yaml``)."""
    parts = {}
    for language, fields in _by_language(data.get("frame"), path, "frame").items():
        if not isinstance(fields, dict):
            raise KBFormatError(path, f"frame.{language.value}", f"must map {', '.join(FRAME_PARTS)} to variants")
        parts[language] = {part: _texts(fields.get(part), path, f"frame.{language.value}.{part}", language, 1)
                           for part in FRAME_PARTS + tuple(o for o in OPTIONAL_FRAME_PARTS if o in fields)}
    missing = [language.value for language in Language if language not in parts]
    if missing:
        raise KBFormatError(path, "frame", f"missing language(s) {', '.join(missing)}")
    defaults = {}
    for name in DEFAULTS + tuple(o for o in OPTIONAL_DEFAULTS if o in (data.get("defaults") or {})):
        values = _by_language((data.get("defaults") or {}).get(name), path, f"defaults.{name}")
        defaults[name] = {language: str(value) for language, value in values.items()}
        if set(defaults[name]) != set(Language):
            raise KBFormatError(path, f"defaults.{name}", "required for every language (ja, zh, lt, en)")
    redirects = {language: _texts(values, path, f"redirects.{language.value}", language, 1, our_words=False)
                 for language, values in _by_language(data["redirects"], path, "redirects").items()
                 } if "redirects" in data else {}
    return Frame(parts, defaults, parse_reference_kinds(data.get("references") or {}, path), redirects)


def parse_reference_kinds(data, path: Path) -> tuple[ReferenceKind, ...]:
    """Validate the frame's ``references``: name -> ``pattern`` (a regular expression) and ``labels`` per language.

    Raises:
        KBFormatError: naming the field of the first problem.
    """
    if not isinstance(data, dict):
        raise KBFormatError(path, "references", "must map a reference name to its pattern and labels")
    kinds = []
    for name, spec in data.items():
        where = f"references.{name}"
        if not isinstance(spec, dict) or not isinstance(spec.get("pattern"), str) or not spec["pattern"].strip():
            raise KBFormatError(path, f"{where}.pattern", "required; a regular expression, e.g. '\\bBC-\\d{6}\\b'")
        if len(spec["pattern"]) > MAX_REFERENCE_PATTERN:
            raise KBFormatError(path, f"{where}.pattern", f"at most {MAX_REFERENCE_PATTERN} characters")
        try:
            pattern = re.compile(spec["pattern"])
        except re.error as error:
            raise KBFormatError(path, f"{where}.pattern", f"not a valid regular expression: {error}") from None
        if pattern.search(""):
            raise KBFormatError(path, f"{where}.pattern", "matches the empty text; it must match a reference only")
        labels = {language: _texts(values, path, f"{where}.labels.{language.value}", language, 1, our_words=False)
                  for language, values in _by_language(spec.get("labels"), path, f"{where}.labels").items()}
        kinds.append(ReferenceKind(str(name), pattern, labels))
    return tuple(kinds)


def _by_language(value, path: Path, where: str) -> dict[Language, object]:
    if not isinstance(value, dict) or not value:
        raise KBFormatError(path, where, "required; a mapping from language code (ja, zh, lt, en)")
    result = {}
    for code, item in value.items():
        try:
            result[Language(code)] = item
        except ValueError:
            raise KBFormatError(path, f"{where}.{code}", "unknown language; use ja, zh, lt or en") from None
    return result


def _texts(values, path: Path, where: str, language: Language, minimum: int,
           our_words: bool = True) -> tuple[str, ...]:
    """A validated list of texts; ``our_words`` (reply text, not customer triggers) is tone-checked."""
    if not isinstance(values, list) or len(values) < minimum or not all(isinstance(v, str) and v.strip()
                                                                          for v in values):
        raise KBFormatError(path, where, f"required; a list of at least {minimum} non-empty strings")
    for text in values if our_words else ():
        check_template_text(text, language, path, where)
    return tuple(v.strip() for v in values)


def check_template_text(text: str, language: Language, path: Path, where: str) -> None:
    """Reject placeholders other than plain known ``{name}`` ones, and phrases the tone guard forbids.

    Args:
        text: a template text.
        language: its language (for the tone guard).
        path: its file, for error messages.
        where: its field, for error messages.

    Raises:
        KBFormatError: naming the file, the field and the offending placeholder or phrase.
    """
    try:
        fields = [field for field in string.Formatter().parse(text) if field[1] is not None]
    except ValueError as error:
        raise KBFormatError(path, where, f"broken placeholder braces: {error}") from None
    for _, name, format_spec, conversion in fields:
        problem = placeholder_problem(name, conversion, format_spec)
        if problem:
            allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise KBFormatError(path, where, f"placeholder {written_placeholder(name, conversion, format_spec)} is "
                                             f"not allowed ({problem}); plain placeholders only: {allowed}")
    phrase = find_forbidden_phrase(text, language)
    if phrase:
        raise KBFormatError(path, where, f"contains the phrase '{phrase}', which the tone guard forbids")


def placeholder_problem(name: str, conversion: str | None, format_spec: str) -> str | None:
    """Why a placeholder (as :meth:`string.Formatter.parse` splits it) is not a plain known ``{name}``.

    Returns:
        The problem (unknown name, attribute or index access, a conversion, a format spec), or None.
    """
    if name not in PLACEHOLDERS:
        known_base = name.partition(".")[0].partition("[")[0] in PLACEHOLDERS
        return "attribute or index access" if known_base else "unknown name"
    if conversion is not None:
        return f"conversion '!{conversion}'"
    if format_spec:
        return f"format spec ':{format_spec}'"
    return None


def written_placeholder(name: str, conversion: str | None, format_spec: str) -> str:
    """A placeholder as the template wrote it, from the parts :meth:`string.Formatter.parse` gives."""
    return "{" + name + (f"!{conversion}" if conversion is not None else "") + (
        f":{format_spec}" if format_spec else "") + "}"


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Fill the plain known placeholders of a template text; never raises, never pads.

    Only ``{name}`` with a name of ``PLACEHOLDERS`` (and a value) is filled, by substitution, not
    ``str.format``. Loading rejects every other placeholder, but a text stored without that check is
    still rendered safely: any other placeholder stays as written, and broken braces leave the text
    as it is, so a reply is never longer than its template texts and values together.

    Args:
        text: a template text.
        values: the value of each placeholder name.

    Returns:
        The text with its placeholders filled.
    """
    try:
        pieces = list(string.Formatter().parse(text))
    except ValueError:
        return text
    filled = []
    for literal, name, format_spec, conversion in pieces:
        filled.append(literal)
        if name is None:
            continue
        plain = placeholder_problem(name, conversion, format_spec) is None and name in values
        filled.append(values[name] if plain else written_placeholder(name, conversion, format_spec))
    return "".join(filled)

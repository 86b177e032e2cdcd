"""Load a knowledge-base directory into domain objects.

Layout: ``<kb>/articles/<id>.yaml``, one article per file, and/or ``<kb>/articles.jsonl``,
one article per line (same fields; format in README.md).
Every problem is reported as a :class:`KBFormatError` naming the file and field.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import yaml

from kb.models import Article, ArticleVariant, Language, Visibility
from kb.text import find_unencodable

JSONL_FILE = "articles.jsonl"
ARTICLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
VARIANT_FIELDS = ("title", "summary", "body", "questions")
ARTICLE_FIELDS = ("id", "category", "tags", "product", "visibility", "valid_from", "valid_until", "variants")
MIN_QUESTIONS = 3


class KBFormatError(ValueError):
    """A knowledge-base file is malformed; the message names the file and the field."""

    def __init__(self, path: Path, field: str, problem: str):
        super().__init__(f"{path}: field '{field}': {problem}")
        self.path = path
        self.field = field


def load_articles(kb_dir: Path) -> list[Article]:
    """Read a knowledge base: every ``articles/*.yaml`` file and every line of ``articles.jsonl``.

    Args:
        kb_dir: the knowledge-base directory.

    Returns:
        Articles sorted by id.

    Raises:
        KBFormatError: on the first malformed file or line, or a duplicate id.
        FileNotFoundError: when the directory has neither an ``articles`` folder nor ``articles.jsonl``.
    """
    folder, lines = Path(kb_dir) / "articles", Path(kb_dir) / JSONL_FILE
    if not folder.is_dir() and not lines.is_file():
        raise FileNotFoundError(f"{kb_dir}: no 'articles' folder or {JSONL_FILE} (see README: knowledge-base format)")
    sources = [(load_article(path), path) for path in sorted(folder.glob("*.yaml"))] if folder.is_dir() else []
    if lines.is_file():
        sources += _load_jsonl(lines)
    seen: dict[str, Path] = {}
    for article, path in sources:
        if article.id in seen:
            raise KBFormatError(path, "id", f"duplicate id '{article.id}' (also in {seen[article.id]})")
        seen[article.id] = path
    return sorted((article for article, _ in sources), key=lambda article: article.id)


def _load_jsonl(path: Path) -> list[tuple[Article, Path]]:
    articles = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            where = path.with_name(f"{path.name}:{number}")
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as error:
                raise KBFormatError(where, "(line)", f"not valid JSON: {error}") from None
            except RecursionError:
                raise KBFormatError(where, "(line)", "nested too deep to be an article") from None
            if not isinstance(data, dict):
                raise KBFormatError(where, "(line)", "expected an object with id, category, tags, variants")
            articles.append((parse_article(data, where), where))
    return articles


def load_article(path: Path) -> Article:
    """Parse one article file.

    Args:
        path: a ``<id>.yaml`` file.

    Returns:
        The article.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise KBFormatError(path, "(file)", f"not valid YAML: {error}") from None
    except UnicodeDecodeError:
        raise KBFormatError(path, "(file)", "not UTF-8 text") from None
    if not isinstance(data, dict):
        raise KBFormatError(path, "(file)", "expected a mapping with id, category, tags, variants")
    return parse_article(data, path)


def parse_article(data: dict, path: Path) -> Article:
    """Validate an article mapping (as read from YAML) and build the Article.

    Args:
        data: the mapping.
        path: where it came from, for error messages.

    Returns:
        The article.
    """
    unencodable = find_unencodable(data)
    if unencodable is not None:
        raise KBFormatError(path, unencodable.field, str(unencodable))
    article_id = data.get("id")
    if not isinstance(article_id, str) or not ARTICLE_ID.match(article_id):
        raise KBFormatError(path, "id", "required; lowercase letters, digits and hyphens, at most 80 characters")
    if path.suffix == ".yaml" and path.stem != article_id:
        raise KBFormatError(path, "id", f"'{article_id}' does not match the file name '{path.stem}'")
    category = data.get("category")
    if not isinstance(category, str) or not category.strip():
        raise KBFormatError(path, "category", "required; a non-empty string")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise KBFormatError(path, "tags", "must be a list of strings")
    unknown = set(data) - set(ARTICLE_FIELDS)
    if unknown:
        raise KBFormatError(path, sorted(unknown)[0], f"unknown field; allowed: {', '.join(ARTICLE_FIELDS)}")
    product = data.get("product")
    if product is not None and (not isinstance(product, str) or not product.strip()):
        raise KBFormatError(path, "product", "must be a non-empty string when given")
    visibility = data.get("visibility", Visibility.PUBLISHED.value)
    if visibility not in {v.value for v in Visibility}:
        raise KBFormatError(path, "visibility", f"use one of {', '.join(v.value for v in Visibility)}")
    valid_from, valid_until = (_moment(data.get(name), path, name) for name in ("valid_from", "valid_until"))
    if valid_from and valid_until and valid_until <= valid_from:
        raise KBFormatError(path, "valid_until", "must be later than valid_from")
    variants_data = data.get("variants")
    if not isinstance(variants_data, dict) or not variants_data:
        raise KBFormatError(path, "variants", "required; a mapping from language code to title/summary/body/questions")
    variants = {}
    for code, fields in variants_data.items():
        try:
            language = Language(code)
        except ValueError:
            supported = ", ".join(lang.value for lang in Language)
            raise KBFormatError(path, f"variants.{code}", f"unknown language; use one of {supported}") from None
        variants[language] = _parse_variant(language, fields, path)
    return Article(id=article_id, category=category.strip(), tags=tuple(tags), variants=variants,
                   product=product.strip() if product else None, visibility=Visibility(visibility),
                   valid_from=valid_from, valid_until=valid_until)


def _moment(value, path: Path, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):  # YAML reads unquoted timestamps itself
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise KBFormatError(path, name, "an ISO 8601 date-time such as 2026-12-01T00:00:00+00:00") from None
    if moment.tzinfo is None:
        raise KBFormatError(path, name, "needs a time zone, e.g. 2026-12-01T00:00:00+00:00 or ...Z")
    return moment


def _parse_variant(language: Language, fields, path: Path) -> ArticleVariant:
    where = f"variants.{language.value}"
    if not isinstance(fields, dict):
        raise KBFormatError(path, where, "must be a mapping with title, summary, body, questions")
    for name in ("title", "summary", "body"):
        value = fields.get(name)
        if not isinstance(value, str) or not value.strip():
            raise KBFormatError(path, f"{where}.{name}", "required; a non-empty string")
    questions = fields.get("questions")
    if (not isinstance(questions, list) or len(questions) < MIN_QUESTIONS
            or not all(isinstance(q, str) and q.strip() for q in questions)):
        raise KBFormatError(path, f"{where}.questions", f"required; a list of at least {MIN_QUESTIONS} non-empty strings")
    unknown = set(fields) - set(VARIANT_FIELDS)
    if unknown:
        raise KBFormatError(path, f"{where}.{sorted(unknown)[0]}", f"unknown field; allowed: {', '.join(VARIANT_FIELDS)}")
    return ArticleVariant(
        language=language,
        title=fields["title"].strip(),
        summary=fields["summary"].strip(),
        body=fields["body"].strip(),
        questions=tuple(q.strip() for q in questions),
    )

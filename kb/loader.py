"""Load a knowledge-base directory into domain objects.

Layout: ``<kb>/articles/<id>.yaml``, one article per file, and/or ``<kb>/articles.jsonl``,
one article per line (same fields; format in README.md).
Every article is checked against the one article schema, :class:`kb.models.ArticleDocument`; every
problem is reported as a :class:`KBFormatError` naming the file and field.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from kb.models import Article, ArticleDocument, field_problem
from kb.text import find_unencodable

JSONL_FILE = "articles.jsonl"


class KBFormatError(ValueError):
    """A knowledge-base file is malformed; the message names the file (or the item) and the field."""

    def __init__(self, path: Path | str, field: str, problem: str):
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


def parse_article(data: dict, path: Path | str) -> Article:
    """Validate an article mapping (as read from YAML or JSON) against :class:`ArticleDocument` and
    build the Article.

    Args:
        data: the mapping.
        path: where it came from, for error messages: its file (a ``<id>.yaml`` file's name must be
            the id), or a label such as ``item 3`` of an import.

    Returns:
        The article.

    Raises:
        KBFormatError: the first problem, naming the file and the field.
    """
    unencodable = find_unencodable(data)
    if unencodable is not None:
        raise KBFormatError(path, unencodable.field, str(unencodable))
    try:
        document = ArticleDocument.model_validate(data)
    except ValidationError as error:
        raise KBFormatError(path, *field_problem(error)) from None
    if isinstance(path, Path) and path.suffix == ".yaml" and path.stem != document.id:
        raise KBFormatError(path, "id", f"'{document.id}' does not match the file name '{path.stem}'")
    return document.to_article()

"""Article URLs on the tenant's help centre, from a pattern such as
``https://help.example.com/{language}/articles/{id}`` (``{id}``: the article id, ``{language}``: the language
shown, ``en``, ``ja``, ``zh``, ``lt``; both URL-encoded)."""

from __future__ import annotations

from string import Formatter
from urllib.parse import quote, urlsplit

from kb.models import Language

PLACEHOLDERS = ("id", "language")
MAX_PATTERN_CHARS = 500


def checked_article_url(pattern: str) -> str:
    """The pattern, when it makes an absolute http(s) URL from ``{id}`` (and optionally ``{language}``).

    Raises:
        ValueError: what is wrong with it.
    """
    pattern = pattern.strip()
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"article_url is longer than {MAX_PATTERN_CHARS} characters")
    try:
        fields = [(field, spec, conversion) for _, field, spec, conversion in Formatter().parse(pattern)
                  if field is not None]
    except ValueError as error:  # an unmatched brace
        raise ValueError(f"article_url {pattern!r} is not a pattern: {error}") from None
    names = {field for field, _, _ in fields}
    if any(field not in PLACEHOLDERS or spec or conversion for field, spec, conversion in fields):
        raise ValueError(f"article_url may hold only the placeholders {{id}} and {{language}}, as they are, not "
                         f"{pattern!r}")
    if "id" not in names:
        raise ValueError("article_url must hold {id}, e.g. https://help.example.com/{language}/articles/{id}")
    parts = urlsplit(pattern.format(id="x", language="en"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"article_url must be an absolute http(s) URL, not {pattern!r}")
    return pattern


def article_url(pattern: str | None, article_id: str, language: Language) -> str | None:
    """The article's URL in ``language`` on the help centre (None without a pattern)."""
    if pattern is None:
        return None
    return pattern.format(id=quote(article_id, safe=""), language=quote(language.value, safe=""))

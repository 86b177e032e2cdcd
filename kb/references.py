"""References a customer gives (order numbers and the like), and replies that do not ask for them again.

Each tenant names its kinds of reference in the letter frame (``_frame.yaml``, ``references``): a
regular expression that finds one in a message, and per language the words a reply uses when it asks
for one ("order number", 注文番号). When the customer's message already holds a reference of a kind,
the sentences of the reply that mention that kind are left out: the customer is never asked for what
they gave.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentencex import segment as sentencex_segment

from kb.models import Language

LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")


@dataclass(frozen=True)
class ReferenceKind:
    """A kind of reference: how to find one, and the words replies use for it.

    Args:
        name: e.g. ``order_number``.
        pattern: compiled regular expression finding one in a message.
        labels: per language, the words that name it in a reply (matched case-insensitively).
    """

    name: str
    pattern: re.Pattern
    labels: dict[Language, tuple[str, ...]]


@dataclass(frozen=True)
class Reference:
    kind: str
    value: str


def find_references(text: str, kinds: tuple[ReferenceKind, ...]) -> list[Reference]:
    """Every distinct reference of the given kinds in ``text``, in order of first appearance."""
    found = {}
    for kind in kinds:
        for match in kind.pattern.finditer(text):
            found.setdefault((kind.name, match.group(0)), match.start())
    return [Reference(name, value) for (name, value), _ in sorted(found.items(), key=lambda item: item[1])]


def drop_requests_for(text: str, given: list[Reference], kinds: tuple[ReferenceKind, ...], language: Language) -> str:
    """``text`` without the sentences that mention a kind of reference the customer already gave.

    Args:
        text: a reply part (article text or template text).
        given: the references the message holds.
        kinds: the tenant's kinds of reference.
        language: the reply's language.

    Returns:
        The text; a list item left empty goes as a whole.
    """
    given_kinds = {reference.kind for reference in given}
    labels = [label.lower() for kind in kinds if kind.name in given_kinds for label in kind.labels.get(language, ())]
    if not labels:
        return text
    lines = []
    for line in text.split("\n"):
        marker = LIST_MARKER.match(line)
        content = line[marker.end():] if marker else line
        kept = "".join(sentence for sentence in sentencex_segment(language.value, content)
                       if not any(label in sentence.lower() for label in labels)).strip()
        if kept or not content.strip():
            lines.append((marker.group(0) if marker else "") + kept)
    return "\n".join(lines)

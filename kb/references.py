"""References a customer gives (order numbers and the like), and replies that do not ask for them again.

Each tenant names its kinds of reference in the letter frame (``_frame.yaml``, ``references``): a
regular expression that finds one in a message, and per language the words a reply uses when it asks
for one ("order number", 注文番号). When the customer's message already holds a reference of a kind,
the reply's clauses that only ask for one are left out, and longer ones name the customer's: the
customer is never asked for what they gave.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentencex import segment as sentencex_segment

from kb.models import Language
from kb.segments import CJK

LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")
NUMBERED = re.compile(r"^(\s*)(\d+)([.)]\s+)")
# Clauses of a sentence: split after semicolons (and Chinese commas), kept with their separator.
CLAUSE = re.compile(r"(?<=[;；，])")
# A clause naming a reference is only a request for it unless this many other words remain
# (a CJK word counted as 2.5 characters).
MIN_OTHER_INFORMATION = 10
LATIN_WORD = re.compile(r"[^\W\d_]+")


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
    """``text`` that no longer asks for references the customer already gave.

    A clause (of a sentence, split at semicolons) that mentions a given kind of reference and says
    little else ("Have your order number ready.") goes; a longer one keeps its other information and
    names the customer's reference ("with your order number (BC-418207), company name and VAT number").

    Args:
        text: a reply part (article text or template text).
        given: the references the message holds.
        kinds: the tenant's kinds of reference.
        language: the reply's language.

    Returns:
        The text; a list item left empty goes as a whole.
    """
    values = {kind.name: [reference.value for reference in given if reference.kind == kind.name] for kind in kinds}
    mentioned = [(kind, label, values[kind.name]) for kind in kinds if values[kind.name]
                 for label in kind.labels.get(language, ())]
    if not mentioned:
        return text
    return rewrite_sentences(text, language, lambda sentence: _unasked(sentence, mentioned))


def drop_sentences_with(text: str, phrases: tuple[str, ...], language: Language) -> str:
    """``text`` without its sentences that hold one of ``phrases`` (case-insensitive); a list item left
    empty goes as a whole."""
    if not phrases:
        return text
    lowered = tuple(phrase.lower() for phrase in phrases)
    return rewrite_sentences(text, language, lambda sentence: "" if any(
        phrase in sentence.lower() for phrase in lowered) else sentence)


def rewrite_sentences(text: str, language: Language, rewrite) -> str:
    """Rewrite each sentence of each line of ``text`` (list markers kept); a line whose sentences all
    rewrite to nothing goes, and the numbered steps after it are numbered on (1, 2, 3, not 1, 3, 4).

    Args:
        text: reply text, Markdown lines.
        language: its language (sentence segmentation).
        rewrite: sentence -> new sentence ('' drops it).
    """
    lines, dropped = [], 0  # numbered steps left out so far in the current list
    for line in text.split("\n"):
        marker, number = LIST_MARKER.match(line), NUMBERED.match(line)
        content = line[marker.end():] if marker else line
        kept = "".join(rewrite(sentence) for sentence in sentencex_segment(language.value, content)).strip()
        if number and int(number.group(2)) == 1 or not marker and content.strip():
            dropped = 0  # a new list, or text outside a list
        if content.strip() and not kept:
            dropped += bool(number)
            continue
        if number:
            lines.append(f"{number.group(1)}{int(number.group(2)) - dropped}{number.group(3)}{kept}")
        else:
            lines.append((marker.group(0) if marker else "") + kept)
    return "\n".join(lines)


def _information(text: str) -> float:
    """About how many words ``text`` holds."""
    cjk = len(CJK.findall(text))
    return len(LATIN_WORD.findall(CJK.sub(" ", text))) + cjk / 2.5


def _unasked(sentence: str, mentioned: list[tuple[ReferenceKind, str, list[str]]]) -> str:
    clauses = []
    for clause in CLAUSE.split(sentence):
        found = [(kind, label, values) for kind, label, values in mentioned if label.lower() in clause.lower()]
        if not found:
            clauses.append(clause)
            continue
        rest = clause
        for kind, label, _ in found:
            rest = kind.pattern.sub("", re.sub(re.escape(label), "", rest, flags=re.IGNORECASE))
        if _information(rest) < MIN_OTHER_INFORMATION:
            continue  # it only asks for the reference
        for kind, label, values in found:
            if kind.pattern.search(clause):  # its example ("e.g. BC-123456") becomes the customer's own
                clause = kind.pattern.sub(values[0], clause)
            else:
                boundary = "" if CJK.search(label[-1]) else r"(?!\w)"  # CJK text runs on into kana or Han
                clause = re.sub(rf"({re.escape(label)}){boundary}", lambda m: f"{m.group(1)} ({', '.join(values)})",
                                clause, count=1, flags=re.IGNORECASE)
        clauses.append(clause)
    if not clauses:
        return ""
    joined = "".join(clauses)
    ending = re.search(r"[.!?。！？]\s*$", sentence)
    if ending and not re.search(r"[.!?。！？]\s*$", joined):
        joined = joined.rstrip(" ;；，,") + ending.group(0)
    return joined

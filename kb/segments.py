"""Cut the customer's words into short segments, the units concerns are found in.

A segment is a sentence (sentencex, which knows CJK and Lithuanian punctuation), or a few very short
ones joined, never crossing a paragraph. Short segments are what the model reads best: a right
article scores as high against one sentence of a long mail as against the same question asked
alone, and embedding many short segments costs linear time in the message's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentencex import segment as sentencex_segment

from kb.models import Language

# A segment shorter than this (in characters; CJK characters count 3) is joined to its neighbour.
MIN_SEGMENT_WEIGHT = 24
# A segment longer than this is cut at clause punctuation (commas), the model reads the first 512 tokens only.
MAX_SEGMENT_CHARS = 400
# Most segments read from one message; a longer message keeps the segments that ask something first.
MAX_SEGMENTS = 48
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_OR_FULL_WIDTH = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
CLAUSE_BREAK = re.compile(r"(?<=[,，、;；])\s*")
# Questions and requests: a question mark, or a request or question word of one of our languages.
ASKING = re.compile(
    r"[?？]"
    r"|\b(?i:how|what|when|where|why|which|can|could|would|will|is it|are there|do you|does|please|i want|i'd like"
    r"|i would like|i need|need to|help|possible|kaip|kada|kur|kodėl|kodel|kiek|kokia|koks|ar|prašau|prasau|prašom"
    r"|prasom|norėčiau|noreciau|noriu|galite|galetumete|galėtumėte|reikia|padėkite|padekite)\b"
    r"|ですか|ますか|でしょうか|ください|下さい|たいのですが|たいです|たいと(?:思|考え)|教えて|お願いしたい|どうすれば|どうしたら"
    r"|どうやって|いつ頃|いつまで|方法|可能"
    r"|吗|呢|如何|怎么|怎样|能否|能不能|可不可以|请问|请帮|请告诉|想要|想问|想知道|想了解|想咨询|想申请|多久|什么时候|哪里|哪儿"
    r"|哪个|为什么|麻烦|是否")


@dataclass(frozen=True)
class Segment:
    """One piece of the customer's text.

    ``asks`` is true for a question or request (a concern may be there even when no article answers it).
    """

    text: str
    position: int
    asks: bool


def segments(text: str, language: Language) -> list[Segment]:
    """Split a message's own text into segments.

    Args:
        text: the customer's words (quotes and signatures already removed).
        language: the message's language (picks sentencex's rules).

    Returns:
        The segments in message order (at most ``MAX_SEGMENTS``).
    """
    pieces = []
    for paragraph in re.split(r"\n\s*\n", text):
        sentences = []
        for line in paragraph.split("\n"):
            sentences += [s.strip() for s in sentencex_segment(language.value, line) if s.strip()]
        pieces += _join_short([part for sentence in sentences for part in _cut_long(sentence)])
    found = [Segment(piece, position, bool(ASKING.search(piece))) for position, piece in enumerate(pieces)]
    if len(found) > MAX_SEGMENTS:
        keep = sorted(found, key=lambda s: (not s.asks, s.position))[:MAX_SEGMENTS]
        found = sorted(keep, key=lambda s: s.position)
    return found


def with_context(found: list[Segment]) -> list[Segment]:
    """Each asking segment joined with the one before it ("I want to return the boots. How do I do that?"):
    a question often names its subject only in the sentence before."""
    return [Segment(_glue(before.text, segment.text), segment.position, True)
            for before, segment in zip(found, found[1:]) if segment.asks and before.position == segment.position - 1]


def weight(text: str) -> int:
    """Characters, a CJK character counting as three (a CJK word is one or two characters)."""
    return len(text) + 2 * len(CJK.findall(text))


def _join_short(sentences: list[str]) -> list[str]:
    joined: list[str] = []
    for sentence in sentences:
        if joined and weight(joined[-1]) < MIN_SEGMENT_WEIGHT:
            joined[-1] = _glue(joined[-1], sentence)
        else:
            joined.append(sentence)
    if len(joined) > 1 and weight(joined[-1]) < MIN_SEGMENT_WEIGHT:
        last = joined.pop()
        joined[-1] = _glue(joined[-1], last)
    return joined


def _glue(first: str, second: str) -> str:
    return first + ("" if CJK_OR_FULL_WIDTH.search(first[-1:]) else " ") + second


def _cut_long(sentence: str) -> list[str]:
    if len(sentence) <= MAX_SEGMENT_CHARS:
        return [sentence]
    parts, current = [], ""
    for clause in CLAUSE_BREAK.split(sentence):
        if current and len(current) + len(clause) > MAX_SEGMENT_CHARS:
            parts.append(current)
            current = ""
        current = _glue(current, clause) if current else clause
        while len(current) > MAX_SEGMENT_CHARS:
            parts.append(current[:MAX_SEGMENT_CHARS])
            current = current[MAX_SEGMENT_CHARS:]
    return parts + ([current] if current else [])

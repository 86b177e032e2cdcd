"""Cut the customer's words into short segments, the units concerns are found in.

A segment is a sentence (sentencex, which knows CJK and Lithuanian punctuation), or a few very short
ones joined, never crossing a paragraph. Short segments are what the model reads best: a right
article scores as high against one sentence of a long mail as against the same question asked
alone, and embedding many short segments costs linear time in the message's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sentencex import segment as sentencex_segment

from kb.models import Language

# A segment shorter than this (in characters; CJK characters count 3) is joined to its neighbour.
MIN_SEGMENT_WEIGHT = 24
# A segment longer than this is cut at clause punctuation (commas), the model reads the first 512 tokens only.
MAX_SEGMENT_CHARS = 400
# A question at least this long (see weight) names its own subject: it is not read with the sentence before.
MAX_CONTEXT_FREE_WEIGHT = 60
# The subject line's place among the segments: before the body.
SUBJECT_POSITION = -1
# Most segments read from one message; a longer message keeps the segments that ask something first.
MAX_SEGMENTS = 48
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_OR_FULL_WIDTH = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# A line break inside a paragraph (plain-text mail is wrapped at about 72 characters), with the character before it.
HARD_WRAP = re.compile(r"(.)[ \t]*\n[ \t]*")
CLAUSE_BREAK = re.compile(r"(?<=[,，、;；])\s*")
# Questions and requests: a question mark; a question word or inverted verb opening the sentence (after "and",
# "also"...: "when" or "could" inside a sentence is usually a statement); a request; CJK question endings.
ASKING = re.compile(
    r"[?？]"
    r"|^\W*(?:(?i:and|also|so|but|anyway|ok|okay|oh|btw|plus|then|ir|dar|taip pat|o|tai|beje)\W+)?"
    r"(?i:can|could|would|will|is|are|do|does|did|should|may|how|what|when|where|why|which|who|kaip|kada|kur"
    r"|kodėl|kodel|kiek|ar|koks|kokia|kokie|kokį|koki)\b"
    r"|\b(?i:please|i want|i'd like|i would like|i need|i wish|let me know|tell me|prašau|prasau|prašom|prasom"
    r"|norėčiau|noreciau|noriu|galite|galėtumėte|galetumete|reikia|padėkite|padekite|pasakykite)\b"
    r"|ですか|ますか|でしょうか|ください|下さい|たいのですが|たいです|たいと(?:思|考え)|教えて|お願いしたい|どうすれば|どうしたら"
    r"|どうやって|いつ頃|いつまで|方法|可能"
    r"|吗|呢|如何|怎么|怎样|能否|能不能|可不可以|请问|请帮|请告诉|想要|想问|想知道|想了解|想咨询|想申请|多久|什么时候|哪里|哪儿"
    r"|哪个|为什么|麻烦|是否")


# Words that open another topic: "Also, ...", "One more thing", "Ir dar", "別件ですが", "另外".
NEW_TOPIC = re.compile(
    r"^\W*(?:(?i:also|another (?:thing|question)|the other thing|separately|one more thing|secondly|second question"
    r"|btw|by the way|on another note|oh and|and one more|ir dar|dar vienas|dar klausimas|kitas klausimas|be to"
    r"|taip pat|beje)\b"
    r"|また|あと|それと|もう一点|もう一つ|別件|ついでに|それから|追加で|もうひとつ"
    r"|还有|另外|顺便|再问|另一个|此外|其次|第二|再就是)")


@dataclass(frozen=True)
class Segment:
    """One piece of the customer's text.

    ``asks`` is true for a question or request (a concern may be there even when no article answers it);
    ``new_topic`` when it opens with words that turn to another topic ("Also, ...").
    """

    text: str
    position: int
    asks: bool
    new_topic: bool = False
    covers: tuple[int, ...] | None = None

    def __post_init__(self):
        if self.covers is None:  # the positions of the message's segments this text holds
            object.__setattr__(self, "covers", (self.position,) if self.position >= 0 else ())


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
        # Latin lines wrapped mid-sentence are joined; a CJK line ends its sentence (often without 。)
        lines = HARD_WRAP.sub(lambda match: match.group(1) + ("\n" if CJK_OR_FULL_WIDTH.search(match.group(1))
                                                             else " "), paragraph)
        sentences = [s.strip() for line in lines.split("\n") for s in sentencex_segment(language.value, line)
                     if s.strip()]
        pieces += _join_short([part for sentence in sentences for part in _cut_long(sentence)])
    found = [Segment(piece, position, bool(ASKING.search(piece)), bool(NEW_TOPIC.search(piece)))
             for position, piece in enumerate(pieces)]
    if len(found) > MAX_SEGMENTS:
        keep = sorted(found, key=lambda s: (not s.asks, s.position))[:MAX_SEGMENTS]
        found = sorted(keep, key=lambda s: s.position)
    return found


def to_search(found: list[Segment], subject: str = "") -> list[Segment]:
    """What of a message is embedded and searched: its questions and requests (when nothing asks, its
    statements are what it asks: "my parcel arrived broken"), each short question also with the sentence
    before it, and the subject line. The story around the questions is never embedded: it costs the model
    most of a long mail's tokens and only votes for articles the customer did not ask about.

    Args:
        found: the message's segments.
        subject: its subject line ('' when none).

    Returns:
        The texts to search; the subject is the one at :data:`SUBJECT_POSITION`.
    """
    asking = [segment for segment in found if segment.asks] or [replace(segment, asks=True) for segment in found]
    return [*asking, *other_readings(found), *([Segment(subject, SUBJECT_POSITION, True)] if subject else [])]


def other_readings(found: list[Segment]) -> list[Segment]:
    """Each short asking segment read with the segment before it ("I want to return the boots. How do I do
    that?"): a short question often names its subject only in the sentence before (unless it turns to
    another topic: "Also, ..."). (Its asking clauses read alone were
    tried too: they added more wrong votes than right ones on the tuning emails.)"""
    return [Segment(_glue(before.text, segment.text), segment.position, True, segment.new_topic,
                    (before.position, segment.position))
            for before, segment in zip(found, found[1:])
            if segment.asks and not segment.new_topic and weight(segment.text) < MAX_CONTEXT_FREE_WEIGHT
            and before.position == segment.position - 1]


def weight(text: str) -> int:
    """Characters, a CJK character counting as three (a CJK word is one or two characters)."""
    return len(text) + 2 * len(CJK.findall(text))


def _join_short(sentences: list[str]) -> list[str]:
    """Very short sentences joined to the next one, but never two questions into one."""
    joined: list[str] = []
    for sentence in sentences:
        if joined and weight(joined[-1]) < MIN_SEGMENT_WEIGHT and not (
                ASKING.search(joined[-1]) and ASKING.search(sentence)):
            joined[-1] = _glue(joined[-1], sentence)
        else:
            joined.append(sentence)
    # a short closing remark goes with what came before; a short question stays itself ("Can I return them?")
    if len(joined) > 1 and weight(joined[-1]) < MIN_SEGMENT_WEIGHT and not ASKING.search(joined[-1]):
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

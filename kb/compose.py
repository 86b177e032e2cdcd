"""Shape an answer for the channel, with the reply template of the customer's situation.

A message may hold several concerns; the reply answers them all in one letter:

* ``help_page`` / ``contact_form``: the summary of each answered concern, no template text;
* ``chat`` / ``chatbot``: one acknowledgement, the summary of each answered concern (and its
  first step when that adds something and the reply stays within the chat budget), the open
  ones acknowledged, one closing question;
* ``email`` / ``ticket``: greeting, one acknowledgement, a solution section per answered
  concern (lead-in, then per concern its title when there are several, then the article's
  body — or its summary when it has no body — so no fact is said twice), each open concern
  quoted with our promise to find out, one agreement (what happens next, by when), a closing
  that asks whether anything else is open, one signature (the team's when no agent is named).

With no confident answer the help page gets no text (the caller shows the
suggested articles) and chat/email get the ``unknown_answer`` template — or the situation's
own ``next_step`` (a transfer names the team, a defect offers replacement or refund...): we
will find out and come back, never "I don't know". An angry customer's grievance is quoted
and answered with what happens next. A reply never asks for a reference (an order number)
the customer already gave (:mod:`kb.references`), and where the customer is already writing
to us (chat, email) it never sends them to "contact us" (the frame's ``redirects``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from kb.models import ArticleVariant, Channel, Language
from kb.references import Reference, drop_requests_for, drop_sentences_with
from kb.segments import CJK
from kb.templates import Situation, TemplateSet, fill_placeholders
from kb.vocative import lithuanian_vocative

FIRST_STEP = re.compile(r"^\s*1[.)]\s+(.+)$", re.MULTILINE)
MARKDOWN_EMPHASIS = re.compile(r"\*\*|__|`")
# How a reply quotes the customer's words, per language.
QUOTES = {Language.EN: ("“", "”"), Language.LT: ("„", "“"), Language.JA: ("「", "」"), Language.ZH: ("“", "”")}
# The longest quote of a customer's words in a reply.
MAX_QUOTE_CHARS = 160
# A chat reply's budget, in characters (a CJK character counted as two): the first step is left out beyond it.
CHAT_BUDGET = 300
# A first step adds something only when at most this share of its words is already in the summary.
MAX_STEP_OVERLAP = 0.5
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ReplyContext:
    """Optional values for the placeholders; the frame's defaults fill what is missing."""

    customer_name: str | None = None
    agent_name: str | None = None
    company: str | None = None
    timeframe: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class ConcernReply:
    """One concern of the message: the article variant that answers it (None: no confident answer),
    and the customer's words for it."""

    variant: ArticleVariant | None
    words: str = ""


@dataclass(frozen=True)
class ComposedAnswer:
    """The reply text and its parts in order (empty parts are left out of ``text``)."""

    text: str
    parts: dict[str, str]


def key_step(body: str) -> str:
    """The first numbered step of an article body, without Markdown emphasis ('' when none)."""
    match = FIRST_STEP.search(body)
    return MARKDOWN_EMPHASIS.sub("", match.group(1)).strip() if match else ""


def compose_answer(concerns: list[ConcernReply], channel: Channel, language: Language, situation: Situation,
                   templates: TemplateSet, context: ReplyContext = ReplyContext(), seed: int = 0,
                   given: list[Reference] | None = None, grievance: str = "") -> ComposedAnswer:
    """Compose one reply to every concern of a message.

    Args:
        concerns: the message's concerns in order, each with its answering variant or None.
        channel: where the customer asked.
        language: the answer language (the variants', when there are some).
        situation: the customer's situation; picks the template.
        templates: the knowledge base's reply templates.
        context: placeholder values from the caller.
        seed: picks among the variants of each part (the same seed, the same wording).
        given: references the customer's message holds; the reply never asks for them again.
        grievance: the customer's words of complaint, quoted before what happens next when the
            situation is ``angry_customer``.

    Returns:
        The composed answer.
    """
    answered = [concern.variant for concern in concerns if concern.variant is not None]
    open_concerns = [concern for concern in concerns if concern.variant is None]
    clean = _Cleaner(given or [], templates, language, channel)
    if channel.style == "terse":
        return _join({"solution": "\n\n".join(clean(variant.summary) for variant in answered)})
    # Without an answer the reply is the unknown_answer template ("let me check that for you"),
    # but a feeling the customer showed (anger, a late parcel...) is still acknowledged first.
    feeling = templates.templates[situation]
    if not answered and situation is not Situation.FAREWELL:
        situation = Situation.UNKNOWN_ANSWER
    template = templates.templates[situation]
    rng = random.Random(seed)  # noqa: S311 (picks a wording variant, not security)
    pick = _Picker(template, templates, language, answered[0] if answered else None, context, rng)
    felt = feeling if feeling.situation is not Situation.GENERAL else None  # general: the template's own
    acknowledgement = pick.part("acknowledge", felt)
    unknown = templates.templates[Situation.UNKNOWN_ANSWER]
    # the open concerns are quoted beside answers; alone, the acknowledgement already speaks to them
    follow_up = "\n\n".join(f"{_quote(concern.words, language)}\n{pick.part('acknowledge', unknown)}"
                             for concern in open_concerns) if answered else ""
    agreement = clean(_agreement(pick, feeling, unknown, bool(answered), bool(open_concerns), grievance, language))
    several = len(answered) > 1
    farewell = situation is Situation.FAREWELL

    if channel.style == "chat":
        parts = {"acknowledgement": acknowledgement}
        if answered and not farewell:
            parts["solution"] = "\n\n".join(_chat_solution(variant, several, clean) for variant in answered)
        if follow_up:
            parts["follow_up"] = follow_up
        if (not answered or open_concerns or _escalates(feeling, language)) and not farewell:
            parts["agreement"] = agreement
        parts["closing"] = pick.part("closing")
        if _chat_length(parts) > CHAT_BUDGET and answered and not farewell:  # no first steps, the shortest wording
            parts["solution"] = "\n\n".join(_chat_solution(variant, several, clean, step=False)
                                              for variant in answered)
            parts["acknowledgement"] = pick.shortest("acknowledge", felt)
            parts["closing"] = pick.shortest("closing")
        return _join(parts)

    parts = {"greeting": pick.greeting(), "acknowledgement": acknowledgement}
    if answered and not farewell:
        sections = [clean("\n\n".join([f"**{variant.title}**"] * several + [variant.body or variant.summary]))
                    for variant in answered]
        parts["solution"] = "\n\n".join([pick.part("lead_in"), *sections])
    if follow_up:
        parts["follow_up"] = follow_up
    if not farewell:
        parts["agreement"] = agreement
    parts["closing"] = pick.part("closing")
    parts["signature"] = pick.signature()
    return _join(parts)


def _has_next_step(template, language: Language) -> bool:
    return "next_step" in template.parts[language]


def _escalates(feeling, language: Language) -> bool:
    """An angry customer is told what happens next even beside an answer."""
    return feeling.situation is Situation.ANGRY_CUSTOMER and _has_next_step(feeling, language)


def _agreement(pick: _Picker, feeling, unknown, answered: bool, open_concerns: bool, grievance: str,
               language: Language) -> str:
    """What happens next: an angry customer's grievance quoted and the situation's own next step; with no
    answer, the situation's next step (or unknown_answer's promise to find out); beside an open concern,
    that promise; else the template's agreement."""
    if _escalates(feeling, language):
        step = pick.part("next_step", feeling)
        return f"{_quote(grievance, language)}\n{step}" if grievance else step
    if not answered and _has_next_step(feeling, language):
        return pick.part("next_step", feeling)
    return pick.part("agreement", unknown if open_concerns and answered else None)


def _chat_solution(variant: ArticleVariant, several: bool, clean, step: bool = True) -> str:
    first = key_step(variant.body) if step else ""
    adds = first and _overlap(first, variant.summary) <= MAX_STEP_OVERLAP
    return clean((f"{variant.title}\n" if several else "") + variant.summary + (f"\n{first}" if adds else ""))


def _words(text: str) -> set[str]:
    """Words of a text for comparing two texts (every CJK character one word)."""
    return set(CJK.findall(text)) | {word.lower() for word in WORD.findall(CJK.sub(" ", text))}


def _overlap(text: str, other: str) -> float:
    """The share of ``text``'s words that ``other`` has too."""
    words = _words(text)
    return len(words & _words(other)) / len(words) if words else 1.0


def _chat_length(parts: dict[str, str]) -> int:
    """A chat reply's length, each CJK character counted twice (it carries about two Latin letters' meaning)."""
    text = "\n\n".join(part for part in parts.values() if part)
    return len(text) + len(CJK.findall(text))


def _quote(words: str, language: Language) -> str:
    words = " ".join(words.split())
    if len(words) > MAX_QUOTE_CHARS:
        words = words[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
    opening, closing = QUOTES[language]
    return f"{opening}{words}{closing}"


class _Cleaner:
    """Drops from reply text the requests for references the customer already gave and, where the
    customer is already writing to us, the sentences that send them to contact us."""

    def __init__(self, given: list[Reference], templates: TemplateSet, language: Language, channel: Channel):
        self.given, self.kinds, self.language = given, templates.frame.references, language
        self.redirects = templates.frame.redirects.get(language, ()) if channel.style != "terse" else ()

    def __call__(self, text: str) -> str:
        text = drop_requests_for(text, self.given, self.kinds, self.language) if self.given else text
        return drop_sentences_with(text, self.redirects, self.language)


class _Picker:
    """Chooses a variant of each part and fills its placeholders."""

    def __init__(self, template, templates: TemplateSet, language: Language, variant: ArticleVariant | None,
                 context: ReplyContext, rng: random.Random):
        self.template, self.letter_frame, self.language, self.rng = template, templates.frame, language, rng
        defaults = templates.frame.defaults
        self.customer_name = _addressed((context.customer_name or "").strip(), language)
        self.agent_named = bool((context.agent_name or "").strip())
        self.values = {
            "customer_name": self.customer_name,
            "article_title": variant.title if variant else "",
            "timeframe": (context.timeframe or "").strip() or template.timeframe.get(language)
            or templates.templates[Situation.GENERAL].timeframe[language],
            "agent_name": (context.agent_name or "").strip() or defaults["agent_name"][language],
            "company": (context.company or "").strip() or defaults["company"][language],
            "team": (context.team or "").strip() or defaults.get("team", {}).get(language, ""),
        }

    def part(self, name: str, template=None) -> str:
        """A variant of a part of this reply's template (or of ``template``), placeholders filled."""
        return self._fill(self.rng.choice((template or self.template).parts[self.language][name]))

    def shortest(self, name: str, template=None) -> str:
        """The shortest variant of a part, placeholders filled."""
        return min((self._fill(text) for text in (template or self.template).parts[self.language][name]), key=len)

    def frame(self, name: str) -> str:
        return self._fill(self.rng.choice(self.letter_frame.parts[self.language][name]))

    def greeting(self) -> str:
        return self.frame("greeting" if self.customer_name else "greeting_anonymous")

    def signature(self) -> str:
        """The agent's signature, or the team's when no agent is named (and the frame has one)."""
        anonymous = not self.agent_named and "signature_anonymous" in self.letter_frame.parts[self.language]
        return self.frame("signature_anonymous" if anonymous else "signature")

    def _fill(self, text: str) -> str:
        return fill_placeholders(text, self.values).strip()


def _addressed(name: str, language: Language) -> str:
    """The name as a greeting addresses the customer: Lithuanian in the vocative ('' when unsure of it)."""
    return (lithuanian_vocative(name) or "") if name and language is Language.LT else name


def _join(parts: dict[str, str]) -> ComposedAnswer:
    return ComposedAnswer(text="\n\n".join(part for part in parts.values() if part), parts=parts)

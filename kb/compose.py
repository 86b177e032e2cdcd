"""Shape an answer for the channel, with the reply template of the customer's situation.

* ``help_page`` / ``contact_form``: the article summary alone, no template text;
* ``chat`` / ``chatbot``: one acknowledgement, the summary and its key step, one
  closing question;
* ``email`` / ``ticket``: greeting, acknowledgement, the full solution (lead-in,
  summary, steps and options), the agreement (what happens next, by when), a
  closing that asks whether anything else is open, signature.

With no confident answer the help page gets no text (the caller shows the
suggested articles) and chat/email get the ``unknown_answer`` template: we will
find out and come back, never "I don't know".
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from kb.models import ArticleVariant, Channel, Language
from kb.templates import Situation, TemplateSet, fill_placeholders

FIRST_STEP = re.compile(r"^\s*1[.)]\s+(.+)$", re.MULTILINE)
MARKDOWN_EMPHASIS = re.compile(r"\*\*|__|`")


@dataclass(frozen=True)
class ReplyContext:
    """Optional values for the placeholders; the frame's defaults fill what is missing."""

    customer_name: str | None = None
    agent_name: str | None = None
    company: str | None = None
    timeframe: str | None = None


@dataclass(frozen=True)
class ComposedAnswer:
    """The reply text and its parts in order (empty parts are left out of ``text``)."""

    text: str
    parts: dict[str, str]


def key_step(body: str) -> str:
    """The first numbered step of an article body, without Markdown emphasis ('' when none)."""
    match = FIRST_STEP.search(body)
    return MARKDOWN_EMPHASIS.sub("", match.group(1)).strip() if match else ""


def compose_answer(variant: ArticleVariant | None, channel: Channel, language: Language, situation: Situation,
                   templates: TemplateSet, context: ReplyContext = ReplyContext(), seed: int = 0
                   ) -> ComposedAnswer:
    """Compose the reply.

    Args:
        variant: the article variant that answers, or None without a confident answer.
        channel: where the customer asked.
        language: the answer language (the variant's, when there is one).
        situation: the customer's situation; picks the template.
        templates: the knowledge base's reply templates.
        context: placeholder values from the caller.
        seed: picks among the variants of each part (the same seed, the same wording).

    Returns:
        The composed answer.
    """
    style = channel.style
    if style == "terse":
        return _join({"solution": variant.summary if variant else ""})
    # Without an answer the reply is the unknown_answer template ("let me check that for you"),
    # but a feeling the customer showed (anger, a late parcel...) is still acknowledged first.
    feeling = templates.templates[situation]
    if variant is None and situation is not Situation.FAREWELL:
        situation = Situation.UNKNOWN_ANSWER
    template = templates.templates[situation]
    pick = _Picker(template, templates, language, variant, context, random.Random(seed))  # noqa: S311 (picks a wording variant, not security)
    acknowledgement = pick.part("acknowledge", feeling if feeling.situation is not Situation.GENERAL else None)

    if style == "chat":
        parts = {"acknowledgement": acknowledgement}
        if variant is not None and situation is not Situation.FAREWELL:
            step = key_step(variant.body)
            parts["solution"] = variant.summary + (f"\n{step}" if step and step not in variant.summary else "")
        elif situation is Situation.UNKNOWN_ANSWER:
            parts["agreement"] = pick.part("agreement")
        parts["closing"] = pick.part("closing")
        return _join(parts)

    parts = {"greeting": pick.greeting(), "acknowledgement": acknowledgement}
    if variant is not None and situation is not Situation.FAREWELL:
        parts["solution"] = "\n\n".join([pick.part("lead_in"), variant.summary, variant.body])
    if situation is not Situation.FAREWELL:
        parts["agreement"] = pick.part("agreement")
    parts["closing"] = pick.part("closing")
    parts["signature"] = pick.frame("signature")
    return _join(parts)


class _Picker:
    """Chooses a variant of each part and fills its placeholders."""

    def __init__(self, template, templates: TemplateSet, language: Language, variant: ArticleVariant | None,
                 context: ReplyContext, rng: random.Random):
        self.template, self.letter_frame, self.language, self.rng = template, templates.frame, language, rng
        defaults = templates.frame.defaults
        self.customer_name = (context.customer_name or "").strip()
        self.values = {
            "customer_name": self.customer_name,
            "article_title": variant.title if variant else "",
            "timeframe": (context.timeframe or "").strip() or template.timeframe.get(language)
            or templates.templates[Situation.GENERAL].timeframe[language],
            "agent_name": (context.agent_name or "").strip() or defaults["agent_name"][language],
            "company": (context.company or "").strip() or defaults["company"][language],
        }

    def part(self, name: str, template=None) -> str:
        """A variant of a part of this reply's template (or of ``template``), placeholders filled."""
        return self._fill(self.rng.choice((template or self.template).parts[self.language][name]))

    def frame(self, name: str) -> str:
        return self._fill(self.rng.choice(self.letter_frame.parts[self.language][name]))

    def greeting(self) -> str:
        return self.frame("greeting" if self.customer_name else "greeting_anonymous")

    def _fill(self, text: str) -> str:
        return fill_placeholders(text, self.values).strip()


def _join(parts: dict[str, str]) -> ComposedAnswer:
    return ComposedAnswer(text="\n\n".join(part for part in parts.values() if part), parts=parts)

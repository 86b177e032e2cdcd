"""What the agent sees on the ticket under policy ``assist`` (or when an answer is not sure enough to send): a
private note with the suggested reply, the articles it comes from, and whether a person should answer."""

from __future__ import annotations

from html import escape

from api import pipeline
from kb.formats import ReplyFormat, render
from kb.templates import Situation


def handoff_reason(answer: pipeline.Answer) -> str | None:
    """Why a person should answer, in words for the agent (None when the draft may go out)."""
    if not answer.handoff:
        return None
    if answer.situation is Situation.TRANSFER_TO_SPECIALIST:
        return "the customer asks for a person or a specialist"
    open_concerns = [concern.text for concern in answer.concerns if not concern.answered]
    return "no article answers: " + "; ".join(f"'{text[:120]}'" for text in open_concerns)


def agent_note(answer: pipeline.Answer) -> tuple[str, str]:
    """The private note for the agent, as plain text and as HTML.

    Args:
        answer: the pipeline's answer (its text in Markdown).

    Returns:
        The note's text and HTML.
    """
    reason = handoff_reason(answer)
    heading = (f"Suggested reply (confidence {answer.confidence:.2f})" if reason is None
               else f"A person should answer: {reason}. Suggested reply (confidence {answer.confidence:.2f})")
    sources = [(match.title, match.url) for match in answer.articles]
    text = "\n\n".join([heading + ":", render(answer.text, ReplyFormat.TEXT),
                        "Sources:\n" + "\n".join(f"- {title}" + (f" ({url})" if url else "") for title, url in sources)])
    items = "".join(f'<li><a href="{escape(url)}">{escape(title)}</a></li>' if url else f"<li>{escape(title)}</li>"
                    for title, url in sources)
    html = (f"<p><strong>{escape(heading)}:</strong></p><blockquote>{render(answer.text, ReplyFormat.HTML)}"
            f"</blockquote><p>Sources:</p><ul>{items}</ul>")
    return text, html

"""Whether a mailbox's answer goes out at once or waits as a draft for an agent."""

from __future__ import annotations

from dataclasses import dataclass

from api.mailbox.config import MailboxSettings, Policy
from api.pipeline import Answer


@dataclass(frozen=True)
class Decision:
    """``send``: send the reply now; else draft it. ``reason``: why, in words for the mailbox's log."""

    send: bool
    reason: str


def decide(answer: Answer, settings: MailboxSettings) -> Decision:
    """Send only under policy ``auto``, when every concern is answered with at least the mailbox's auto-send
    confidence and nothing is handed over to a person; draft everything else.

    Args:
        answer: the pipeline's answer to the mail.
        settings: the mailbox's policy and auto-send confidence.

    Returns:
        The decision and its reason.
    """
    if settings.policy is not Policy.AUTO:
        return Decision(False, f"policy {settings.policy.value}: every reply is a draft")
    if answer.handoff:
        return Decision(False, "handed over to a person: no article answers every concern, or the customer "
                               "asks for one")
    for concern in answer.concerns:
        if not concern.answered or concern.confidence < settings.auto_send_confidence:
            return Decision(False, f"a concern is answered with confidence {concern.confidence:.2f}, under the "
                                   f"auto-send confidence {settings.auto_send_confidence:.2f}: {concern.text[:80]!r}")
    return Decision(True, f"every concern answered with confidence {answer.confidence:.2f} or more")

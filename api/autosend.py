"""Whether a connector's answer (a mail, a ticket reply) goes out at once or waits for a person."""

from __future__ import annotations

from dataclasses import dataclass

from api.pipeline import Answer

AUTO = "auto"  # the policy under which sure answers go out


@dataclass(frozen=True)
class Decision:
    """``send``: send the reply now; else draft it. ``reason``: why, in words for the mailbox's log."""

    send: bool
    reason: str


def decide(answer: Answer, policy: str, auto_send_confidence: float) -> Decision:
    """Send only under policy ``auto``, when every concern is answered with at least the auto-send confidence and
    nothing is handed over to a person; everything else waits for a person (a draft, a private note).

    Args:
        answer: the pipeline's answer.
        policy: the connector's policy (``auto``, ``draft``, ``assist``, ...).
        auto_send_confidence: the least confidence every concern needs.

    Returns:
        The decision and its reason.
    """
    if policy != AUTO:
        return Decision(False, f"policy {policy}: every answer waits for a person")
    if answer.handoff:
        return Decision(False, "handed over to a person: no article answers every concern, or the customer "
                               "asks for one")
    for concern in answer.concerns:
        if not concern.answered or concern.confidence < auto_send_confidence:
            return Decision(False, f"a concern is answered with confidence {concern.confidence:.2f}, under the "
                                   f"auto-send confidence {auto_send_confidence:.2f}: {concern.text[:80]!r}")
    return Decision(True, f"every concern answered with confidence {answer.confidence:.2f} or more")

"""Triage of a message in its conversation: emergencies told over several messages.

A visitor in trouble does not always say it in one message: symptoms come one at a time ("I hit
my head this morning" ... "now I'm throwing up and can't see straight"), and after an emergency
reply the next short message ("it's getting worse", "she won't wake up") is still about it.
`triage_turn` reads the message alone first; only when that is not an emergency does it look at
the visitor's last messages, so one message's verdict is never weakened by its context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from bot.triage.decision import Decision, triage

HISTORY_TURNS = 2  # earlier visitor messages read together with the new one
CONTINUATION_MAX_WORDS = 12  # a message this short right after an emergency is about it


def triage_turn(
    message: str, history: Sequence[str] = (), tokens: np.ndarray | None = None
) -> Decision:
    """Triage `message`, given the visitor's earlier messages (oldest first); `tokens`: the
    message's token vectors for the embedding layer (see `triage`)."""
    decision = triage(message, tokens=tokens)
    recent = [h for h in history[-HISTORY_TURNS:] if h.strip()]
    if decision.kind == "emergency" or not recent:
        return decision
    earlier = [triage(h) for h in recent]
    last = earlier[-1]
    if last.kind == "emergency":
        short = len(message.split()) <= CONTINUATION_MAX_WORDS
        if short and decision.kind in ("question", "smalltalk"):
            return replace(last, reason=f"continued: {last.reason}")
        # A longer message, or a clear request, gets its own reply with the help line first.
        return decision if decision.notice else replace(decision, notice=last.sub)
    joined = triage(" . ".join([*recent, message]))
    if joined.kind == "emergency":
        return replace(joined, reason=f"across turns: {joined.reason}")
    return decision

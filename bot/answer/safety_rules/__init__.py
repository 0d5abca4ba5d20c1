"""The data behind message triage, as readable tables: spelling, emergencies, advice rules.

Every pattern runs on text that `bot.answer.safety.normalise` produced: lower case, straight
quotes, single spaces, common typos fixed. Patterns are built from small named pieces so that
each row reads as the phrase family it catches; `tests/answer/test_safety.py` has rows per
behaviour. The helpers below are the only code here.
"""

from __future__ import annotations


def any_of(*alternatives: str) -> str:
    """A non-capturing alternation of regex fragments."""
    return "(?:" + "|".join(alternatives) + ")"


def words(text: str) -> list[str]:
    """The white-space separated words of a table written as a block of text."""
    return text.split()


def gap(count: int) -> str:
    """Up to `count` words between two phrases (lazy), including the separators."""
    return rf"(?:\W+[\w']+){{0,{count}}}?\W+"

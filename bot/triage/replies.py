"""The texts triage replies with (templates/replies.yaml), per language, with the safety net.

English and Spanish have their own texts; any other language gets the English text plus a line
saying the clinic answers in English and Spanish. Every reply that is not an answer ends with
the safety-net line. Numbers are plain text here: bot.links makes them tel:/sms: links.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Formatter

from pydantic import RootModel, field_validator

from bot.triage.decision import Decision

REPLIES_FILE = Path(__file__).parent / "templates" / "replies.yaml"
REQUIRED = (
    "safety_net",
    "other_language",
    "english_pages",
    "emergency.self_harm",
    "emergency.overdose_poisoning",
    "emergency.medical",
    "advice",
    "appointment",
    "smalltalk",
    "smalltalk.thanks",
    "smalltalk.farewell",
    "topic_notice.self_harm",
    "topic_notice.overdose_poisoning",
    "topic_notice.medical",
    "reminder",
    "fallback",
    "fallback_lacking",
    "partial_missing",
    "contact",
    "or",
)
LANGUAGES = ("en", "es")
# The fields in braces each text must carry (and the only ones it may): bot/answer fills them in.
FIELDS = {
    "fallback": {"contact"},
    "fallback_lacking": {"title", "lacking"},
    "partial_missing": {"asked", "contact"},
    "contact": {"contact"},
}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


class RepliesFile(RootModel[dict[str, dict[str, str]]]):
    """templates/replies.yaml: language -> template key -> text."""

    @field_validator("root")
    @classmethod
    def _complete(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for lang in LANGUAGES:
            missing = [k for k in REQUIRED if not value.get(lang, {}).get(k, "").strip()]
            if missing:
                raise ValueError(f"language {lang!r} lacks {', '.join(missing)}")
        return value


def field_problem(key: str, text: str) -> str | None:
    """Why `text` cannot be the `key` template (its {fields} are not the ones filled in)."""
    try:
        found = _fields(text)
    except ValueError as exc:  # an unbalanced brace
        return str(exc)
    wanted = FIELDS.get(key, set())
    if found == wanted:
        return None
    names = ", ".join(f"{{{n}}}" for n in sorted(wanted)) or "no {fields}"
    return f"must use {names}, uses {', '.join(f'{{{n}}}' for n in sorted(found)) or 'none'}"


@lru_cache(maxsize=1)
def templates() -> dict[str, dict[str, str]]:
    """The validated reply texts, loaded once."""
    from bot.triage.errors import TriageDataError
    from bot.triage.rules import load_yaml_model, yaml_line

    texts = load_yaml_model(REPLIES_FILE, RepliesFile).root
    for lang, by_key in texts.items():
        for key, text in by_key.items():
            problem = field_problem(key, text)
            if problem:
                line = yaml_line(REPLIES_FILE, (lang, key))
                raise TriageDataError(REPLIES_FILE, line, f"{lang}.{key}: {problem}")
    return texts


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def text(key: str, lang: str, **fields: str) -> str:
    """The `key` text in the visitor's language (English for a language without its own texts),
    with its fields filled in."""
    return templates()[_lang(lang)][key].format(**fields)


def variants(key: str) -> tuple[str, ...]:
    """The `key` text in every language, unfilled: to recognise it at the end of a reply."""
    return tuple(templates()[lang][key] for lang in LANGUAGES)


def safety_net(lang: str) -> str:
    """The line that ends every non-answer ("If this is an emergency call 911; ..."), translated."""
    return templates()[_lang(lang)]["safety_net"]


def with_safety_net(text: str, lang: str) -> str:
    """`text` ending with the safety-net line (once)."""
    line = safety_net(lang)
    return text if text.rstrip().endswith(line) else f"{text.rstrip()}\n\n{line}"


def reply_text(decision: Decision) -> str:
    """The full reply for a decision that is not a question (those go to retrieval)."""
    if not decision.template:
        raise ValueError(f"a {decision.kind} decision has no template: retrieval answers it")
    texts = templates()[_lang(decision.lang)]
    text = texts[decision.template]
    if decision.notice is not None and decision.kind != "emergency":
        text = f"{text}\n\n{texts[f'topic_notice.{decision.notice}']}"
    return non_answer(text, decision.lang)


def non_answer(text: str, lang: str) -> str:
    """`text` as a reply that is not an answer: for a language without its own texts, the line
    saying which languages the chat answers in; then the safety-net line."""
    if lang not in LANGUAGES:
        text = f"{text}\n{templates()['en']['other_language']}"
    return with_safety_net(text, lang)


def topic_notice(decision: Decision) -> str:
    """The help line to lead an ordinary answer with, when the message touched such a topic."""
    if decision.notice is None:
        return ""
    return templates()[_lang(decision.lang)][f"topic_notice.{decision.notice}"]


def language_lead(lang: str) -> str:
    """The line before the English quotes of an answer to a question in `lang`: "" for English,
    the language's own `english_pages` line, else the English one."""
    return "" if lang == "en" else templates()[_lang(lang)]["english_pages"]

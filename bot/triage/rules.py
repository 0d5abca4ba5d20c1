"""The deterministic triage rules: YAML files in bot/triage/rules/, validated with pydantic.

A rule file holds phrases in a small syntax (see rules/en.yaml); this module checks them and
compiles each to a pattern once. A bad file raises `TriageDataError` naming the file, the line
and the reason, so the app refuses to start rather than serve with a broken rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from bot.triage.errors import TriageDataError
from bot.triage.normalise import fold_accents

RULES_DIR = Path(__file__).parent / "rules"
RULE_FILES = ("en.yaml", "es.yaml", "xx.yaml")

Sub = Literal["self_harm", "overdose_poisoning", "medical"]
SUBS: tuple[Sub, ...] = ("self_harm", "overdose_poisoning", "medical")
MaskKind = Literal["negation", "idiom"]
SmalltalkKind = Literal["thanks", "farewell"]
SMALLTALK_KINDS: tuple[SmalltalkKind, ...] = ("thanks", "farewell")

_ALLOWED = re.compile(r"^[^\\\[\]{}^$+.]+$")  # no regex syntax beyond ( | ) ? * ~
_GAP = r"(?:\S+\s+){0,3}"


def _check_phrase(phrase: str) -> str:
    """Why `phrase` is not a valid rule phrase, or "" when it is."""
    if not phrase.strip():
        return "empty phrase"
    if phrase != phrase.lower():
        return f"phrase {phrase!r} has upper-case letters (messages are lower-cased)"
    if not _ALLOWED.match(phrase):
        return f"phrase {phrase!r} uses a character outside the phrase syntax"
    depth = 0
    for ch in phrase:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return f"phrase {phrase!r} has unbalanced parentheses"
    if depth:
        return f"phrase {phrase!r} has unbalanced parentheses"
    if "()" in phrase or "(|" in phrase or "|)" in phrase or "||" in phrase:
        return f"phrase {phrase!r} has an empty alternative"
    if re.search(r"(^|[\s(|])[?*]", phrase):
        return f"phrase {phrase!r} has '?' or '*' with nothing before it"
    return ""


def _valid_phrase(phrase: str) -> str:
    problem = _check_phrase(phrase)
    if problem:
        raise ValueError(problem)
    return phrase


Phrase = Annotated[str, AfterValidator(_valid_phrase)]


class RuleFile(BaseModel):
    """One language's rules, as written in its YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str
    fold_accents: bool = True
    word_boundaries: bool = True
    masks: dict[MaskKind, list[Phrase]] = {}
    emergency: dict[Sub, list[Phrase]] = {}
    advice: list[Phrase] = []
    appointment: list[Phrase] = []
    topic_notice: dict[Sub, list[Phrase]] = {}
    # Which small-talk reply fits ("thanks" -> "You're welcome"); a greeting otherwise.
    smalltalk: dict[SmalltalkKind, list[Phrase]] = {}

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2}", value):
            raise ValueError(f"language must be a two-letter code (or xx), not {value!r}")
        return value


def compile_phrase(phrase: str, *, fold: bool = True, boundaries: bool = True) -> re.Pattern[str]:
    """The pattern of one rule phrase (syntax in rules/en.yaml)."""
    text = fold_accents(phrase) if fold else phrase
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            out.append("(?:")
        elif ch in ")|?":
            out.append(ch)
        elif ch == "*":
            out.append(r"[\w'-]*")
        elif ch == "~":
            out.append(_GAP)
            if i + 1 < len(text) and text[i + 1] == " ":
                i += 1  # the gap eats its own trailing space
        elif ch == " ":
            out.append(r"\s*")
        else:
            out.append(re.escape(ch))
        i += 1
    body = "".join(out)
    if boundaries:
        body = rf"(?<![\w']){body}(?![\w'])"
    return re.compile(body)


@dataclass(frozen=True)
class Rule:
    """One compiled phrase and where it came from (shown as the decision's reason)."""

    name: str  # "en:emergency.self_harm:3"
    phrase: str
    pattern: re.Pattern[str]
    fold: bool


class RuleGroup(tuple[Rule, ...]):
    """The rules of one section, with one combined pattern per text form for a fast first pass
    (most messages match no rule of a section)."""

    def __new__(cls, rules: Sequence[Rule]) -> RuleGroup:
        group = super().__new__(cls, rules)
        group._any = {
            fold: re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules if r.fold == fold))
            if any(r.fold == fold for r in rules)
            else None
            for fold in (True, False)
        }
        return group

    def first(self, folded: str, unfolded: str) -> Rule | None:
        """The first rule matching its form of the text, or None."""
        hit = {
            fold: p is not None and p.search(folded if fold else unfolded) is not None
            for fold, p in self._any.items()
        }
        if not any(hit.values()):
            return None
        return next(
            (r for r in self if hit[r.fold] and r.pattern.search(folded if r.fold else unfolded)),
            None,
        )

    def blank(self, folded: str, unfolded: str) -> tuple[str, str]:
        """Both text forms with every match replaced by a space."""
        fold_any, plain_any = self._any[True], self._any[False]
        return (
            fold_any.sub(" ", folded) if fold_any is not None else folded,
            plain_any.sub(" ", unfolded) if plain_any is not None else unfolded,
        )


@dataclass(frozen=True)
class RuleSet:
    """All rule files, compiled: what bot.triage.decision applies."""

    masks: RuleGroup
    emergency: dict[Sub, RuleGroup]
    advice: RuleGroup
    appointment: RuleGroup
    topic_notice: dict[Sub, RuleGroup]
    smalltalk: dict[SmalltalkKind, RuleGroup]


def _line_of(node: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location."""
    line = node.start_mark.line + 1 if node is not None else None
    for at, key in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if pair is not None and loc[at + 1 : at + 2] == ("[key]",):
                return pair[0].start_mark.line + 1  # the key itself is wrong
            node = pair[1] if pair else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if key < len(node.value) else None
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def yaml_line(path: Path, loc: Sequence[Any]) -> int | None:
    """The 1-based line of the value at `loc` (keys and indexes) in a YAML file already read
    once, for an error found after validation."""
    return _line_of(yaml.compose(path.read_text(encoding="utf-8")), loc)


def load_yaml_model(path: Path, model: type[BaseModel]) -> Any:
    """Parse and validate one YAML data file, or raise TriageDataError with file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TriageDataError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise TriageDataError(path, mark.line + 1 if mark else None, f"not YAML: {reason}") from exc
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        reason = first["msg"].removeprefix("Value error, ")
        raise TriageDataError(path, _line_of(root, first["loc"]), f"{where}: {reason}") from exc


def _compile(file: RuleFile, section: str, phrases: Sequence[str]) -> tuple[Rule, ...]:
    return tuple(
        Rule(
            f"{file.language}:{section}:{i}",
            phrase,
            compile_phrase(phrase, fold=file.fold_accents, boundaries=file.word_boundaries),
            file.fold_accents,
        )
        for i, phrase in enumerate(phrases)
    )


def build_rules(files: Sequence[RuleFile]) -> RuleSet:
    """Compile validated rule files into one RuleSet (all languages apply to every message)."""
    masks: list[Rule] = []
    advice: list[Rule] = []
    appointment: list[Rule] = []
    emergency: dict[Sub, list[Rule]] = {s: [] for s in SUBS}
    notice: dict[Sub, list[Rule]] = {s: [] for s in SUBS}
    smalltalk: dict[SmalltalkKind, list[Rule]] = {k: [] for k in SMALLTALK_KINDS}
    for f in files:
        for kind, phrases in f.masks.items():
            masks.extend(_compile(f, f"mask.{kind}", phrases))
        for sub, phrases in f.emergency.items():
            emergency[sub].extend(_compile(f, f"emergency.{sub}", phrases))
        for sub, phrases in f.topic_notice.items():
            notice[sub].extend(_compile(f, f"topic_notice.{sub}", phrases))
        for kind, phrases in f.smalltalk.items():
            smalltalk[kind].extend(_compile(f, f"smalltalk.{kind}", phrases))
        advice.extend(_compile(f, "advice", f.advice))
        appointment.extend(_compile(f, "appointment", f.appointment))
    return RuleSet(
        RuleGroup(masks),
        {s: RuleGroup(r) for s, r in emergency.items()},
        RuleGroup(advice),
        RuleGroup(appointment),
        {s: RuleGroup(r) for s, r in notice.items()},
        {k: RuleGroup(r) for k, r in smalltalk.items()},
    )


def load_rules(directory: Path | None = None, names: Sequence[str] = RULE_FILES) -> RuleSet:
    """Read, validate and compile the rule files; TriageDataError on the first bad one."""
    directory = RULES_DIR if directory is None else directory
    return build_rules([load_yaml_model(directory / name, RuleFile) for name in names])


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The shipped rules, loaded once."""
    return load_rules()

"""Deterministic triage of a visitor's message, run before retrieval: emergency, hand-off, refusal.

The rules are data in `bot.answer.safety_rules`; `bot.answer.normalise` cleans the text and this
module applies the rules to it.

An emergency topic ("suicidal", "chest pain", "took too many pills") is a report when the writer
or someone with them has it now, and a question when it is asked about in general. The cue that
ends nearest before the mention decides ("I am having suicidal thoughts" vs "can ketamine help
with suicidal thoughts"); negation and past or habitual frames right next to it can cancel it;
a bare mention with no cue counts as a report, because a missed emergency costs far more than a
false alarm.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.answer.normalise import normalise
from bot.answer.safety_rules import emergency, triage
from bot.answer.safety_rules.emergency import Topic

__all__ = [
    "SafetyVerdict",
    "appointment_text",
    "assess",
    "emergency_text",
    "normalise",
    "refusal_text",
]

VerdictKind = Literal["emergency", "refusal", "appointment"]

HISTORY_TURNS = 3  # earlier visitor messages that can carry an emergency or a crisis context

CRISIS_LINE = (
    "If you are having thoughts of suicide or self-harm, call or text 988 "
    "(Suicide & Crisis Lifeline) at any time, or call 911 in an emergency."
)
POISON_LINE = (
    "If someone may have taken too much of a medicine or been poisoned, call Poison Help at "
    "1-800-222-1222, or 911 if they are very unwell."
)
RED_FLAG_LINE = "If you or someone with you has these symptoms now, call 911."


@dataclass(frozen=True)
class SafetyVerdict:
    """What triage decided for one message; `kind` None means go on to retrieval."""

    kind: VerdictKind | None
    rule: str  # the rule that fired ("crisis.want_to_die", "dose.how_much"); for kind None,
    # "about:<topic>" when an emergency topic was only asked about, else ""
    crisis: bool  # suicide / self-harm context: show the 988 line
    overdose: bool  # overdose / poisoning context: show Poison Help
    topic_notice: str  # one line to add to an ordinary reply that touches such a topic


# --- Emergency ------------------------------------------------------------------------------

# Clauses: sentences, and a new question after a comma or "and/but" ("I want to die, can
# ketamine help?" has a report and a question).
_QUESTION_START = (
    r"(?:is|are|does|do|did|can|could|will|would|should|what|how|why|when|where|which|who)\b(?!')"
)
_CLAUSE_BREAK = re.compile(
    rf"[.!?;]+\s*|,\s*(?:and |but |or |so )?(?={_QUESTION_START})"
    rf"|\s(?:and|but|or) (?={_QUESTION_START})"
)
# Cue tables for a crisis topic and for any other: "is it normal to ..." is personal only for
# a crisis ("is it normal to want to die?" vs "is it normal to faint after an infusion?").
_CUES = {
    crisis: tuple(
        ("personal" if kind == "personal_if_crisis" else kind, re.compile(pattern))
        for kind, patterns in emergency.CUE_PATTERNS.items()
        if crisis or kind != "personal_if_crisis"
        for pattern in patterns
    )
    for crisis in (True, False)
}
_NEGATION = re.compile(emergency.NEGATION_BEFORE)
_NOT_NOW_BEFORE = {kind: re.compile(p) for kind, p in emergency.NOT_NOW_BEFORE.items()}
_NOT_NOW_AFTER = {kind: re.compile(p) for kind, p in emergency.NOT_NOW_AFTER.items()}
_CURRENT = re.compile(emergency.CURRENT_CUE)
_PERSONAL_AFTER = re.compile(emergency.PERSONAL_AFTER)
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|myself|mine)\b")
_PRESENT_NOW = re.compile(r"\b(?:right now|at the moment|as we speak|currently)\b")
_CONTINUATION = re.compile(emergency.CONTINUATION)


@dataclass(frozen=True)
class _Mention:
    topic: Topic
    frame: Literal["report", "question", "negated", "not_now"]


def _clauses(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for brk in _CLAUSE_BREAK.finditer(text):
        if brk.start() > start:
            spans.append((start, brk.start()))
        start = brk.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _cues_found(text: str, crisis: bool) -> list[tuple[str, re.Match[str]]]:
    return [(kind, m) for kind, pattern in _CUES[crisis] for m in pattern.finditer(text)]


def _nearest_cue(text: str, crisis: bool) -> str | None:
    """The kind of the cue that ends last in `text` (ties: the longer cue)."""
    found = _cues_found(text, crisis)
    if not found:
        return None
    return max(found, key=lambda c: (c[1].end(), c[1].end() - c[1].start()))[0]


def _first_cue(text: str, crisis: bool) -> str | None:
    """The kind of the cue that starts first in `text` (ties: the longer cue)."""
    found = _cues_found(text, crisis)
    if not found:
        return None
    return min(found, key=lambda c: (c[1].start(), c[1].start() - c[1].end()))[0]


def _tail(text: str, words: int = 5) -> str:
    return " ".join(text.split()[-words:])


def _head(text: str, words: int = 6) -> str:
    return " ".join(text.split()[:words])


def _frame(topic: Topic, before: str, matched: str, after: str) -> _Mention:
    if topic.negatable and _NEGATION.search(before):
        return _Mention(topic, "negated")
    if topic.always_report:
        return _Mention(topic, "report")
    if topic.notice_only:
        return _Mention(topic, "question")
    if not (_CURRENT.search(_tail(before)) or _CURRENT.search(_head(after))):
        for kind in topic.not_now:
            if _NOT_NOW_BEFORE[kind].search(before) or _NOT_NOW_AFTER[kind].search(after):
                return _Mention(topic, "not_now")
    if topic.self_evident and _FIRST_PERSON.search(matched):
        return _Mention(topic, "report")
    # "what if I have X right now?": first person, anchored in the present, is a report
    # whatever question it is wrapped in.
    if _FIRST_PERSON.search(_tail(before)) and _PRESENT_NOW.search(_head(after)):
        return _Mention(topic, "report")
    cue = _nearest_cue(before, topic.crisis)
    if cue == "info" and _PERSONAL_AFTER.search(after):
        cue = "personal"
    if cue is None:
        cue = (
            _first_cue(after, topic.crisis) or "personal"
        )  # a bare mention: "chest pain, can't breathe"
    return _Mention(topic, "report" if cue == "personal" else "question")


def _mentions(text: str) -> list[_Mention]:
    spans = _clauses(text)
    found: list[_Mention] = []
    for topic, pattern in emergency.COMPILED_TOPICS:
        units = [(0, len(text))] if topic.whole_message else spans
        for start, end in units:
            for m in pattern.finditer(text, start, end):
                # Cues count within the clause the mention starts in.
                c_start, c_end = next(
                    ((s, e) for s, e in spans if s <= m.start() < e), (start, end)
                )
                before, after = text[c_start : m.start()], text[m.end() : c_end]
                found.append(_frame(topic, before, m.group(0), after))
    return found


@dataclass(frozen=True)
class _Scan:
    report: Topic | None
    mentions: tuple[_Mention, ...]

    @property
    def crisis(self) -> bool:
        return any(m.topic.crisis for m in self.mentions)

    @property
    def overdose(self) -> bool:
        return any(m.topic.overdose for m in self.mentions)

    @property
    def red_flag(self) -> bool:
        return any(not (m.topic.crisis or m.topic.overdose) for m in self.mentions)


def _scan(text: str) -> _Scan:
    mentions = _mentions(text)
    report = next((m.topic for m in mentions if m.frame == "report"), None)
    return _Scan(report, tuple(mentions))


def _notice(crisis: bool, overdose: bool, red_flag: bool) -> str:
    lines = [CRISIS_LINE] if crisis else []
    if overdose:
        lines.append(POISON_LINE)
    if red_flag and not lines:
        lines.append(RED_FLAG_LINE)
    return " ".join(lines)


def _emergency(rule: str, scans: Sequence[_Scan]) -> SafetyVerdict:
    return SafetyVerdict(
        "emergency",
        rule,
        crisis=any(s.crisis for s in scans),
        overdose=any(s.overdose for s in scans),
        topic_notice="",
    )


# --- Triage ---------------------------------------------------------------------------------

_APPOINTMENT = tuple((name, re.compile(p)) for name, p in triage.APPOINTMENT_RULES)
_REFUSAL = tuple((name, re.compile(p)) for name, p in triage.REFUSAL_RULES)
_EXCEPTIONS = {category: re.compile(p) for category, p in triage.REFUSAL_EXCEPTIONS.items()}


def _first_rule(text: str, table: Sequence[tuple[str, re.Pattern[str]]]) -> str:
    """The first rule that matches, skipping a category whose exception matches the message."""
    for name, pattern in table:
        exception = _EXCEPTIONS.get(name.split(".", 1)[0])
        if pattern.search(text) and not (exception and exception.search(text)):
            return name
    return ""


def assess(message: str, history: Sequence[str] = ()) -> SafetyVerdict:
    """Triage one visitor message: emergency, then appointment intent, then refusal, else None.

    `history` holds the visitor's earlier messages, oldest first. An emergency raised in the
    last one stays live while the visitor carries on about it ("it's getting worse"); symptoms
    that only count together may be split across turns ("I hit my head" ... "now I'm
    vomiting"); a crisis or overdose topic raised earlier keeps its notice on later replies.
    """
    text = normalise(message)
    scan = _scan(text)
    if scan.report is not None:
        return _emergency(scan.report.name, [scan])

    recent = [normalise(h) for h in list(history)[-HISTORY_TURNS:]]
    earlier = [_scan(h) for h in recent]
    if earlier:
        last = earlier[-1]
        if last.report is not None and _CONTINUATION.search(text):
            return _emergency(f"continued:{last.report.name}", [last, scan])
        joined = _scan(". ".join([*recent[-2:], text]))
        if joined.report is not None and not any(s.report for s in earlier[-2:]):
            return _emergency(f"across_turns:{joined.report.name}", [joined])

    crisis = scan.crisis or any(s.crisis for s in earlier)
    overdose = scan.overdose or any(s.overdose for s in earlier)
    notice = _notice(crisis, overdose, scan.red_flag)
    for kind, table in (("appointment", _APPOINTMENT), ("refusal", _REFUSAL)):
        rule = _first_rule(text, table)
        if rule:
            return SafetyVerdict(kind, rule, crisis, overdose, notice)  # type: ignore[arg-type]
    about = f"about:{scan.mentions[0].topic.name}" if scan.mentions else ""
    return SafetyVerdict(None, about, crisis, overdose, notice)


# --- Replies --------------------------------------------------------------------------------


def emergency_text(verdict: SafetyVerdict) -> str:
    """The emergency reply: 911 first, then 988 for a crisis and Poison Help for an overdose."""
    lines = [
        "Call 911 now, or go to the nearest emergency room, if you or someone with you may be "
        "in danger."
    ]
    if verdict.crisis:
        lines.append(
            "If you are thinking about suicide or hurting yourself, call or text 988 (Suicide & "
            "Crisis Lifeline) right now. It is free, confidential and open 24/7. You are not alone."
        )
    if verdict.overdose:
        lines.append(
            "For a possible overdose or poisoning, call Poison Help at 1-800-222-1222 (free, 24/7)."
        )
    if not (verdict.crisis or verdict.overdose):
        lines.append("What you describe can be a sign of a medical emergency. Please don't wait.")
    lines.append("This chat can't help in an emergency and is not watched by staff in real time.")
    return "\n".join(lines)


_REFUSAL_REASON = {
    "dose": "I can't advise on doses or amounts of any medicine.",
    "interaction": "I can't advise on combining medicines, alcohol or other substances.",
    "medication": "I can't advise on starting, stopping or changing a medicine.",
    "prescription": "I can't prescribe or refill medicines.",
    "decision": "I can't say whether a treatment is right for you personally.",
    "diagnosis": "I can't diagnose symptoms.",
}
_ASK_A_CLINICIAN = (
    "A clinician can answer this safely: please ask your own doctor or pharmacist, or use the "
    "appointment request below to speak with our team."
)


def refusal_text(verdict: SafetyVerdict) -> str:
    """A kind decline that points to a clinician or the hand-off; never states a dose."""
    category = verdict.rule.split(".", 1)[0]
    if category == "injection":
        text = (
            "I can't change how I work or share my instructions, but I'm happy to answer "
            "questions about our clinic and its treatments. To reach our team, use the "
            "appointment request below."
        )
    elif category == "privacy":
        text = (
            "I'm sorry, I can't look up or share information about other people. For your own "
            "care, please use the appointment request below so our team can help you directly."
        )
    elif category == "off_topic":
        text = (
            "Sorry, I can only help with questions about our clinic, its treatments and "
            "appointments. To reach our team, use the appointment request below."
        )
    else:
        reason = _REFUSAL_REASON.get(category, "I can't give individual medical advice.")
        text = f"I'm sorry, this chat gives general information only. {reason} {_ASK_A_CLINICIAN}"
    if verdict.topic_notice:
        text = f"{text}\n\n{verdict.topic_notice}"
    return text


def appointment_text() -> str:
    """The line that opens the appointment-request hand-off."""
    return (
        "I can pass your request to our team — please fill in the form below with your name "
        "and how to reach you, and someone from the clinic will get back to you."
    )

"""Word-level text tools shared by lexical retrieval, sentence scoring and answer checks.

Pure functions over strings: tokenising, stemming (Snowball, a kept library), stop words and the
table of patient synonyms (brand <-> generic names, lay <-> clinical words).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")

# Words that carry no topic: question scaffolding, pronouns, auxiliaries. Kept short on purpose:
# BM25's IDF already discounts words common in the pages.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "into",
        "about",
        "over",
        "after",
        "before",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "have",
        "has",
        "had",
        "having",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "us",
        "our",
        "ours",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "whether",
        "than",
        "then",
        "so",
        "such",
        "too",
        "very",
        "just",
        "also",
        "not",
        "no",
        "nor",
        "any",
        "some",
        "all",
        "each",
        "other",
        "more",
        "most",
        "much",
        "many",
        "own",
        "same",
        "only",
        "one's",
        "get",
        "got",
        "getting",
        "let",
        "lets",
        "please",
        "tell",
        "know",
        "want",
        "wanted",
        "like",
        "would've",
        "i'm",
        "i've",
        "you're",
        "it's",
        "that's",
        "there's",
        "what's",
        "don't",
        "doesn't",
        "isn't",
        "can't",
        "won't",
    ]
)

# Question words that say what kind of answer is wanted, not what it is about.
QUESTION_WORDS = frozenset(
    [
        "what",
        "which",
        "who",
        "when",
        "where",
        "why",
        "how",
        "whether",
        "does",
        "do",
        "is",
        "are",
        "can",
    ]
)

# Patient wording -> words the pages may use. Generic pharmacology and clinic vocabulary, not
# keyed to any single question: brand/generic pairs and common lay/clinical equivalents.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "spravato": ("esketamine", "intranasal", "nasal", "spray"),
    "esketamine": ("spravato", "intranasal", "nasal", "spray"),
    "imitrex": ("sumatriptan", "triptan"),
    "sumatriptan": ("imitrex", "triptan"),
    "zomig": ("zolmitriptan", "triptan"),
    "zolmitriptan": ("zomig", "triptan"),
    "maxalt": ("rizatriptan", "triptan"),
    "rizatriptan": ("maxalt", "triptan"),
    "triptans": ("triptan",),
    "iv": ("intravenous", "infusion"),
    "intravenous": ("iv", "infusion"),
    "drip": ("infusion", "intravenous"),
    "nasal": ("intranasal",),
    "intranasal": ("nasal",),
    "tms": ("transcranial", "magnetic", "stimulation"),
    "headache": ("migraine",),
    "headaches": ("migraines",),
    "migraine": ("headache",),
    "migraines": ("headaches",),
    "anesthesia": ("anesthetic",),
    "anaesthetic": ("anesthetic",),
    "anaesthesia": ("anesthetic",),
    "ptsd": ("post-traumatic", "trauma"),
    "ocd": ("obsessive-compulsive",),
    "depressed": ("depression",),
    "anxious": ("anxiety",),
    "insurer": ("insurance",),
    "insured": ("insurance",),
    "coverage": ("covers", "covered", "insurance"),
    "therapy": ("treatment",),
    "counselling": ("counseling",),
    # Two-word entries give a word the sense its neighbour fixes: "talk therapy" is counseling,
    # "talk to" a doctor is consulting one.
    "talk therapy": ("counseling", "psychotherapy"),
    "talk to": ("consult",),
    "talk with": ("consult",),
    "psychotherapy": ("counseling", "therapy"),
    "single": ("one",),
    "one": ("single",),
    "way": ("method",),
    "ways": ("methods",),
    "given": ("administer", "administered"),
    "give": ("administer",),
    "administered": ("given", "administer"),
    "fast": ("rapid",),
    "quick": ("rapid",),
    "quickly": ("rapid",),
    "rapidly": ("rapid",),
    "work": ("effective",),
    "effective": ("works",),
    "help": ("relief", "treat"),
    "relieve": ("relief",),
    "location": ("located", "area"),
    "where": ("area", "located"),
    "doctor": ("provider", "physician"),
    "physician": ("doctor", "provider"),
    "nausea": ("nauseous",),
    "nauseous": ("nausea",),
    "light": ("photophobia",),
    "photophobia": ("light", "sensitivity"),
    # Everyday words for body parts, routes and evidence -> the clinical words pages use.
    "nose": ("nasal", "intranasal"),
    "pill": ("oral", "tablet"),
    "pills": ("oral", "tablets"),
    "tablet": ("oral", "pill"),
    "shot": ("injection",),
    "shots": ("injections",),
    "injection": ("shot",),
    "puke": ("vomiting", "nausea"),
    "vomit": ("vomiting", "nausea"),
    "science": ("research", "studies", "evidence"),
    "proof": ("research", "studies", "evidence"),
    "research": ("studies", "evidence"),
    "evidence": ("studies", "research"),
    "studies": ("research", "evidence"),
    "brain": ("neurological",),
    "stomach": ("gastrointestinal",),
}


def normalise_text(text: str) -> str:
    """NFKC, straight quotes, lower case, collapsed white space (the eval's comparison form)."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def words(text: str) -> list[str]:
    """Lower-case word tokens, apostrophes kept inside words."""
    return [w.replace("’", "'") for w in _WORD.findall(normalise_text(text))]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word.removesuffix("'s")))


# Endings that inflect a word (or turn an adjective into its adverb) without naming another
# thing; longest first.
_INFLECTIONS = ("ies", "ied", "ing", "ly", "ed", "es", "s", "d", "e", "y")


@lru_cache(maxsize=50_000)
def light_stem(word: str) -> str:
    """The Snowball stem plus the derivational suffix it removed, inflections dropped.

    Snowball gives "addictive" and "addiction" one stem, yet a page that lists addiction among
    the conditions treated says nothing on whether a drug is addictive ("painful" and "pain",
    "effective" and "effects" likewise). This key keeps such words apart and still joins the
    inflections of one word (migraine/migraines, use/used/using, try/tried, stop/stopping).
    No lemmatiser ships with our dependencies, hence this small rule over the kept stemmer.
    """
    word = word.removesuffix("'s")
    root = stem(word)
    shared = 0
    while shared < min(len(word), len(root)) and word[shared] == root[shared]:
        shared += 1
    tail = word[shared:]
    for _ in range(2):
        ending = next((e for e in _INFLECTIONS if tail.endswith(e) and not tail.endswith("ss")), "")
        tail = tail[: len(tail) - len(ending)]
    if len(tail) == 1 and root.endswith(tail):  # a doubled consonant: stopping, planned
        tail = ""
    return root + tail


def vocabulary(text: str) -> frozenset[str]:
    """The light stems of a text's words: what a question's words are looked up in."""
    return frozenset(light_stem(w) for w in words(text) if w not in STOP_WORDS and len(w) > 1)


def word_synonyms(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each word of the text with its synonyms: its own and those of a two-word entry it is in."""
    tokens = words(text)
    out: list[tuple[str, tuple[str, ...]]] = []
    for i, word in enumerate(tokens):
        phrases = [" ".join(tokens[j : j + 2]) for j in (i - 1, i) if 0 <= j < len(tokens) - 1]
        found = [*SYNONYMS.get(word, ()), *(s for p in phrases for s in SYNONYMS.get(p, ()))]
        out.append((word, tuple(dict.fromkeys(found))))
    return out


def content_terms(text: str) -> list[str]:
    """Stemmed topic words of a text, in order, stop words removed."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS and len(w) > 1]


def expand_query_terms(text: str) -> list[str]:
    """Content terms plus the stems of their patient synonyms (each added once)."""
    terms = content_terms(text)
    extra: list[str] = []
    for _, synonyms in word_synonyms(text):
        for syn in synonyms:
            for part in content_terms(syn):
                if part not in terms and part not in extra:
                    extra.append(part)
    return terms + extra


def term_groups(text: str) -> list[tuple[str, frozenset[str]]]:
    """Per topic word of the question: its stem, and its synonyms' stems.

    A sentence covers a word when it uses the stem, or (with less weight) a synonym, so a
    synonym can stand in for the patient's word without counting as much as the word itself.
    """
    groups: list[tuple[str, frozenset[str]]] = []
    seen: set[str] = set()
    for w, word_syns in word_synonyms(text):
        if w in STOP_WORDS or len(w) < 2 or stem(w) in seen:
            continue
        seen.add(stem(w))
        synonyms = {t for syn in word_syns for t in content_terms(syn)} - {stem(w)}
        groups.append((stem(w), frozenset(synonyms)))
    return groups


def expand_query_text(text: str) -> str:
    """The question with synonym words appended, for the dense embedding."""
    added: list[str] = []
    for _, synonyms in word_synonyms(text):
        for syn in synonyms:
            if syn not in added and syn not in text.lower():
                added.append(syn)
    return text if not added else f"{text} ({' '.join(added)})"

"""Spelling fixes for visitor messages: typos, texting slang, held-down keys."""

from __future__ import annotations

from bot.answer.safety_rules import words

# --- Spelling -------------------------------------------------------------------------------

# Exact token replacements: typos too short for fuzzy matching, texting slang, contractions
# typed without the apostrophe. Values may be several words.
SPELLING: dict[str, str] = {
    "im": "i'm",
    "ive": "i've",
    "cant": "can't",
    "cannot": "can't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "wont": "won't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "havent": "haven't",
    "couldnt": "couldn't",
    "shouldnt": "shouldn't",
    "wouldnt": "wouldn't",
    "hes": "he's",
    "shes": "she's",
    "theyre": "they're",
    "thats": "that's",
    "whats": "what's",
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "have to",
    "prob": "probably",
    "probs": "probably",
    "prolly": "probably",
    "rn": "right now",
    "idk": "i don't know",
    "ppl": "people",
    "appt": "appointment",
    "appts": "appointments",
    "kil": "kill",
    "kiil": "kill",
    "kilk": "kill",
    "kll": "kill",
    "kms": "kill myself",
    "kys": "kill yourself",
    "unalive": "kill",
    "ded": "dead",
    "dieing": "dying",
    "diying": "dying",
    "myslf": "myself",
    "mysef": "myself",
    "suicidle": "suicidal",
    "suicidel": "suicidal",
    "sucidle": "suicidal",
    "sucicidal": "suicidal",
    "suisidal": "suicidal",
    "suiside": "suicide",
    "sewerslide": "suicide",
    "nek": "neck",
    "feaver": "fever",
    "fevar": "fever",
    "fevr": "fever",
    "stif": "stiff",
    "breth": "breath",
    "brethe": "breathe",
    "cheast": "chest",
    "chesst": "chest",
    "hed": "head",
    "hedache": "headache",
    "hedaches": "headaches",
    "headach": "headache",
    "haedache": "headache",
    "seizer": "seizure",
    "seazure": "seizure",
    "siezure": "seizure",
    "numm": "numb",
    "nummb": "numb",
    "faintd": "fainted",
    "pils": "pills",
    "pilz": "pills",
}

# Fixes that need the next word: "id like" is "i'd like", "id card" is an ID.
PHRASE_FIXES: tuple[tuple[str, str], ...] = (
    (r"\bid (?=like|love|rather|want|prefer|appreciate)\b", "i'd "),
    (r"\bi ?d (?=like to|love to)\b", "i'd "),
    (r"\bwant (?:too|2) (?=die|be dead|kill)\b", "want to "),
)

# Longer words that typos are corrected toward (one insertion, deletion, substitution or
# swap of neighbours). Short words are left out on purpose: one edit turns too many everyday
# words into them ("never" -> "fever", "will" -> "kill"); their typos are in SPELLING instead.
FUZZY_VOCABULARY: frozenset[str] = frozenset(
    words(
        """
    suicide suicides suicidal suicidality myself himself herself themselves yourself
    overdose overdosed overdoses overdosing poisoned poisoning poisonous
    thunderclap headache headaches breathe breathing breathless breath
    unconscious unresponsive fainted fainting seizure seizing convulsing
    drooping droopy slurred slurring numbness tingling paralyzed weakness
    confused confusion disoriented vomiting vomited throwing concussion meningitis
    emergency ambulance suddenly excruciating
    appointment appointments consultation schedule reschedule callback
    prescription prescriptions prescribe refill dosage medication medications medicine
    ketamine esketamine spravato infusion infusions migraine migraines depression
    treatment thoughts harming cutting anymore
    someone somebody husband daughter girlfriend boyfriend
    """
    )
)

# Real words one edit away from a vocabulary word: never "corrected".
PROTECTED_WORDS: frozenset[str] = frozenset(
    words(
        """
    never fewer prison poisson heartache heartaches overdone dropping drooling cooking
    strike stroke strokes painted breathy wanted seizures sudden sadden hunting hurling
    cutter nothing mother brother living giving diving loving moving leaving infusing
    consults dosages sizing worse words conclusion confession concession meditation
    meditations tinkling waiting
    """
    )
)

# Words whose letter repeats are squeezed out entirely ("diiie" -> "die").
SHORT_WORDS: frozenset[str] = frozenset(
    words("die dead kill help pain please so no yes now bad hurt pills sick")
)

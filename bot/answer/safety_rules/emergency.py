"""Emergency topics and the cues that tell a report ("I am having ...") from a question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answer.safety_rules import any_of, gap

# --- Emergency topics -----------------------------------------------------------------------

CANT = any_of(
    "can't", "can not", "couldn't", "could not", "unable to", "not able to", "struggling to",
    "struggle to", "hard to", "hardly"
)  # fmt: skip
ANY_SELF = any_of(
    "myself", "my self", "my own self", "himself", "herself", "themselves", "themself",
    "yourself", "oneself"
)  # fmt: skip
POSSESSIVE = any_of("my", "his", "her", "their", "your", "our", "our")
SIDE = any_of("left", "right", "one")
LIMB = any_of(
    "arm", "arms", "leg", "legs", "hand", "hands", "foot", "feet", "face", "side", "fingers"
)  # fmt: skip
ONE_SIDED_WEAKNESS = any_of(
    "numb", "numbness", "weak", "weakness", "tingly", "tingling", "paralyzed", "paralysed",
    "dead", "limp", "heavy", "droop", "drooping", "droopy", "not working", "won't move",
    "can't move", "useless", "gone"
)  # fmt: skip
HEADACHE = any_of(
    "headache", "headaches", "head ache", "head pain", "pain in my head", "migraine", "head"
)  # fmt: skip
DRUGS = any_of(
    r"triptans?", "ibuprofen", "advil", "motrin", "tylenol", "acetaminophen", "paracetamol",
    "aspirin", "xanax", r"benzos?", r"opioids?", r"oxy\w*", "insulin", r"antidepressants?",
    "lithium", "ketamine", "spravato", "esketamine", "sumatriptan", "imitrex", "percocet",
    "vicodin", "fentanyl", "heroin", "cocaine", "alcohol", "ambien"
)  # fmt: skip
PILLS = any_of(
    "pills", "pill", "tablets", "tablet", "meds", "medication", "medications", "medicine",
    "medicines", "capsules", "painkillers", "sleeping pills", "tylenol", "ketamine",
    "doses", "gummies", "edibles", "bottle"
)  # fmt: skip
WORSENING = any_of(
    r"vomit\w*", r"throw\w* up", "threw up", r"puk\w*", r"confus\w*", r"drows\w*", "sleepy",
    "can't stay awake", "getting worse", "worsening", "worse and worse", "passed out",
    "blacked out", "knocked out", r"seiz\w+", r"slurr\w*", "unequal pupils",
    "clear fluid", "won't wake"
)  # fmt: skip
HEAD_INJURY = any_of(
    rf"(?:hit|bumped|banged|smacked|knocked|hurt|injured|struck|whacked|cracked) {POSSESSIVE} head",
    r"head (?:injury|injuries|trauma|wound)",
    r"concuss\w*",
    rf"fell (?:and |down and )?(?:hit|bumped|banged|on) {POSSESSIVE} head",
    r"(?:hit|bumped) in the head",
)
FEVER = any_of("fever", "temperature", "febrile", "burning up", "high temp")
STIFF_NECK = any_of(
    r"stiff\w* neck",
    r"neck (?:is |feels |gets |has gone )?(?:so |very |really |super )?(?:stiff|rigid)",
    rf"{CANT} (?:bend|move|touch|turn) {POSSESSIVE} (?:neck|chin|head)",
)


@dataclass(frozen=True)
class Topic:
    """A family of phrases naming an emergency, and what can show a mention is not one now.

    `negatable`: "not/no/never" right before it means it is absent ("no chest pain").
    `not_now`: cue kinds ("past", "habitual") that, right next to a mention, mean it is not
    happening now ("a seizure years ago", "I sometimes faint"). `self_evident`: a match that
    itself says "myself"/"my" ("kill myself") is a report even inside a question.
    `whole_message`: the pattern may span sentences (symptoms that count only together).
    `always_report`: the phrase is alarming in any frame ("the easiest way to die").
    `notice_only`: a warning sign that never makes an emergency by itself but shows the
    topic's help line with the answer ("I feel hopeless").
    """

    name: str  # "<category>.<phrase family>", reported as the verdict's rule
    pattern: str
    crisis: bool = False
    overdose: bool = False
    negatable: bool = True
    not_now: tuple[str, ...] = ("past", "habitual")
    self_evident: bool = False
    whole_message: bool = False
    always_report: bool = False
    notice_only: bool = False

    @property
    def category(self) -> str:
        return self.name.split(".", 1)[0]


# Crisis: a past frame cancels ("I used to self-harm"), a habitual one never does ("I keep
# thinking about dying"). Overdose: the past tense is the report ("took too many"), so nothing
# cancels but an explicit negation.
CRISIS_NOT_NOW = ("past",)
OVERDOSE_NOT_NOW: tuple[str, ...] = ()

TOPICS: tuple[Topic, ...] = (
    # Suicide and self-harm: never cancelled by a habitual frame ("I keep thinking of dying").
    Topic("crisis.suicidal", r"\bsuicid\w*", crisis=True, not_now=CRISIS_NOT_NOW),
    Topic(
        "crisis.kill_self",
        any_of(
            rf"\bkill(?:ing|ed|s)?{gap(1)}?{ANY_SELF}",
            r"\bkill (?:me|us) now\b",
            rf"\b(?:hang|hanging|shoot|shooting|drown|drowning|stab|stabbing|suffocate|"
            rf"suffocating|strangle|strangling|poison|poisoning|gas|gassing) {ANY_SELF}",
            r"\b(?:jump|jumping) (?:off|from) (?:a|the|my) (?:bridge|building|roof|cliff|"
            r"balcony|overpass|window|parking garage)\b",
            r"\b(?:jump|step|walk|throw myself) in front of (?:a|the) (?:train|car|bus|truck)\b",
            r"\bslit (?:my|his|her|their) (?:wrists?|throat)\b",
        ),
        crisis=True,
        negatable=False,
        self_evident=True,
        not_now=CRISIS_NOT_NOW,
    ),
    Topic(
        "crisis.end_life",
        any_of(
            rf"\b(?:end|ending|ended|take|taking|took) {POSSESSIVE} (?:own )?life\b",
            r"\bend(?:ing)? it all\b",
            r"\b(?:want|wants|going|plan|plans|planning|ready|decided|thinking about|thinking of)"
            r" (?:to )?end(?:ing)? (?:it|things|everything)\b",
        ),
        crisis=True,
        negatable=False,
        self_evident=True,
        not_now=CRISIS_NOT_NOW,
    ),
    Topic(
        "crisis.want_to_die",
        any_of(
            r"\b(?:want|wants|wanted|wanting|wish|wishes|wished|ready|going|plan|planning|"
            r"trying|tried|deserve) (?:to|too|2) die\b",
            r"\bwish(?:ed|es)? (?:i|he|she|they) (?:was|were|could be|'d be|would be|could) "
            r"(?:dead|die|gone|disappear|not here)",
            r"\bwish(?:ed|es)? (?:i|he|she|they) (?:wasn't|weren't|was not|were not|wasnt) "
            r"(?:alive|here|born|around)\b",
            r"\bwish(?:ed|es)? (?:i|he|she|they) (?:had never been|was never|were never|'d never "
            r"been) born\b",
            r"\b(?:nobody|no one|noone) (?:would|will) (?:miss|care about|notice) (?:me|him|her)\b",
            r"\b(?:nobody|no one|noone) (?:would|will) (?:care|notice) if (?:i|he|she) "
            r"(?:died|was gone|were gone|disappeared)\b",
            r"\b(?:sleep|go to sleep) forever\b",
            r"\bnothing (?:left )?to live for\b",
            r"\b(?:there's|there is|see|can't see|cannot see|i see) no way out\b",
            r"\bwant (?:\w+ ){0,3}to (?:end|stop) (?:forever|for good|permanently)\b",
            r"\b(?:thoughts|thinking|think|thought) (?:of|about) (?:not being (?:here|alive|"
            r"around)|not waking up|not existing|disappearing forever)\b",
            r"\b(?:want|wanted|wants) to be dead\b",
            r"\bbetter off (?:dead|without me|without him|without her|gone)\b",
            r"\b(?:don't|do not|doesn't|does not) want to (?:live|be alive|exist|wake up|"
            r"be here anymore|be around anymore|be around|go on)\b",
            r"\bno (?:reason|point|will) (?:to|in) (?:live|living|go on|going on|wake up)\b",
            r"\b(?:not|isn't|ain't) worth living\b",
            r"\b(?:no|the|any) point (?:in |of )?(?:living|life|going on|being alive|"
            r"waking up|carrying on)\b",
            r"\bcan't go on\b",
            r"\b(?:sleep|go to sleep) and (?:never|not) wake up\b",
            r"\b(?:thoughts|thinking|think) (?:of|about) (?:dying|killing|death|ending)\b",
            r"\bdeath wish\b",
            r"\bbetter off (?:if|when) (?:i|he|she) (?:was|were|wasn't|weren't|am|is|died|"
            r"disappeared|left for good)\b",
            r"\btired of (?:living|life|being alive|existing)\b",
            r"\b(?:want|wants|wish|wishes) to (?:disappear|vanish|not exist|stop existing|"
            r"cease to exist|not be here)\b",
            r"\b(?:want|wants|wish) (?:it all|everything|this|it|my life|things) (?:all )?to "
            r"(?:end|be over|stop)\b",
        ),
        crisis=True,
        self_evident=True,
        not_now=CRISIS_NOT_NOW,
    ),
    Topic(
        "crisis.method",
        any_of(
            r"\b(?:fastest|easiest|quickest|painless|best|surest|least painful|quietest) "
            r"(?:way|ways|method|methods) (?:to|of) (?:die|dying|kill|killing|end it|end my "
            r"life|commit suicide|suicide)\b",
            r"\bhow (?:many|much) (?:\w+ ){0,4}(?:would it take|does it take|do i need|"
            r"to take) to (?:die|kill (?:me|myself|someone|a person)|not wake up)\b",
            r"\bhow (?:can|do|could|would) (?:i|someone|you|a person) (?:kill|hang|drown|shoot) "
            r"(?:myself|yourself|themselves|oneself)\b",
        ),
        crisis=True,
        overdose=True,
        negatable=False,
        not_now=(),
        always_report=True,
    ),
    Topic(
        "crisis.lethal_amount",
        r"\b(?:lethal|fatal|deadly) (?:dose|doses|amount|quantity|overdose|level)\b",
        crisis=True,
        overdose=True,
        negatable=False,
        not_now=(),
    ),
    Topic(
        "crisis.distress",
        any_of(
            r"\bhopeless\w*",
            r"\b(?:can't|cannot) (?:take|handle|cope with) (?:it|this|any of this|life) "
            r"(?:anymore|any more)\b",
            r"\b(?:can't|cannot) cope\b",
            r"\bend of my (?:rope|tether)\b",
            r"\bgiving up on (?:life|everything|myself)\b",
            r"\b(?:i'm|i am|i feel) (?:so |completely |totally )?worthless\b",
            r"\b(?:i'm|i am|i feel like) (?:just )?a burden\b",
        ),
        crisis=True,
        negatable=False,
        not_now=(),
        notice_only=True,
    ),
    Topic(
        "crisis.self_harm",
        any_of(
            r"\bself[- ]?harm\w*",
            r"\bself[- ]?injur\w*",
            rf"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|punish|punishing|"
            rf"starve|starving|mutilate|mutilating)(?: of)? {ANY_SELF}",
            rf"\bcut(?:ting)? {POSSESSIVE} (?:wrists?|arms?|legs?|skin|thighs?)\b",
            r"\b(?:i've been|i have been|i'm|i am|been|started|keep|she's been|he's been) "
            r"(?:cutting|burning)(?: (?:again|lately|a lot|every day))?\W*$",
            r"\b(?:cutting|burning|self harming) again\b",
            r"\bcut (?:too deep|too deeply|really deep|very deep)\b",
        ),
        crisis=True,
        negatable=False,
        self_evident=True,
        not_now=CRISIS_NOT_NOW,
    ),
    Topic(
        "crisis.pills_intent",
        any_of(
            rf"\b(?:want|going|plan|planning|ready|thinking about|thinking of) to "
            rf"(?:take|swallow|down) (?:all|every|the whole|a bunch|a handful)(?: of)?"
            rf"(?: {POSSESSIVE}| the)? {PILLS}",
            r"\b(?:ready|going|want|planning) to (?:take|swallow) (?:them|it) all\b",
            rf"\b(?:have|got|holding) (?:the|my|all my|all the|a bottle of) {PILLS} "
            rf"(?:ready|in front of me|right here|lined up|counted|in my hand)",
        ),
        crisis=True,
        overdose=True,
        negatable=False,
        self_evident=True,
        not_now=OVERDOSE_NOT_NOW,
    ),
    # Overdose and poisoning: the past tense is the point ("took too many"), so no past cancel.
    Topic(
        "overdose.overdose",
        r"\boverdos\w*|\bod(?:'?d|'?ed|ing)?\W+on\b|\bo\.d\.(?:'?d)?",
        overdose=True,
        not_now=OVERDOSE_NOT_NOW,
    ),
    Topic(
        "overdose.too_many",
        any_of(
            rf"\btoo (?:many|much)(?: of)?(?: {POSSESSIVE}| the| these| those)?"
            rf"(?: \w+)? {PILLS}",
            rf"\btoo (?:many|much)(?: of)?(?: {POSSESSIVE}| the| these| those)? {DRUGS}",
            rf"\b(?:took|taken|swallowed|ate|drank|had|downed|popped) (?:all|a whole|the whole|"
            rf"an entire|a full|half (?:a|the)|a handful|a bunch|a lot|loads|heaps|double|"
            rf"a bottle|a box|a pack|a packet|a strip|a jar|a container|"
            rf"twice|triple|extra)(?: of)?(?: {POSSESSIVE}| the| a)?(?: \w+)?"
            rf"(?: {PILLS}| dose| doses| pack| box)",
            r"\baccidentally (?:took|swallowed|ate|drank|gave|injected|double[- ]?dosed)\b",
            r"\b(?:took|taken|swallowed|ate|downed|popped) (?:like |about |around |over |maybe )?"
            r"(?:\d{2,}|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a hundred) "
            r"(?!(?:minutes?|mins?|hours?|hrs?|seconds?|secs?|days?|weeks?|months?|years?|mg|"
            r"milligrams?|ml|mcg|units?|percent|steps|laps|miles|km|pounds|lbs|kg|times)\b)"
            r"(?:of (?:my|his|her|the|them|these|those)\b|[a-z]+)",
            r"\b(?:took|taken|had|given|gave|got) (?:my |his |her |the |a |him |her )?(?:\w+ )?"
            r"(?:dose|doses|meds|medication|medicine|pills?|shot|injection|infusion)"
            r"(?: \w+)? (?:twice|two times|double|by mistake|by accident)\b",
            r"\bdouble[- ]?dosed\b",
            rf"\b(?:got into|ate|swallowed|chewed) (?:some of |a few of |all )?(?:my|his|her|the|"
            rf"their|some|grandma's|mom's|dad's) {PILLS}",
            rf"\b(?:daughter|son|kid|kids|child|children|toddler|baby|grandchild|granddaughter|"
            rf"grandson|little one|teen|teenager|dog|cat|puppy) (?:might have |may have |could "
            rf"have |must have )?(?:took|taken|swallowed|ate|eaten|got into|gotten into|drank|"
            rf"found)(?: some of| some| all of| all)? (?:my|his|her|the|our|their) "
            rf"(?:{PILLS}|{DRUGS})",
        ),
        overdose=True,
        not_now=OVERDOSE_NOT_NOW,
    ),
    Topic(
        "overdose.poison",
        any_of(
            r"\bpoison(?:ed|ing|ous)?\b(?! (?:ivy|oak|sumac))",
            r"\b(?:swallowed|drank|ate|ingested|drinking) (?:some )?(?:bleach|antifreeze|"
            r"detergent|drain cleaner|pesticide|weed killer|rat poison|lighter fluid|"
            r"laundry pods?|tide pods?|button batter(?:y|ies)|a battery|batteries|cleaning)",
        ),
        overdose=True,
        not_now=OVERDOSE_NOT_NOW,
    ),
    # Red-flag symptoms.
    Topic(
        "thunderclap.named",
        any_of(
            r"\bthunder ?clap\w*",
            rf"\bworst {HEADACHE}(?:{gap(3)}(?:of my life|ever|i(?:'ve| have)? ever|in my life))",
            rf"\b(?:most|really|very|extremely|super)? ?(?:severe|intense|painful|bad|"
            rf"excruciating|horrible|terrible|awful|worst|agonizing|unbearable|strongest) "
            rf"{HEADACHE}{gap(2)}(?:i(?:'ve| have)? ever (?:had|felt|experienced)|"
            rf"of my (?:life|entire life)|in my life)",
            r"\b(?:head|brain|skull) (?:is |feels like it's |feels like it is |is going to |"
            r"was going to )?(?:exploding|about to explode|going to explode|split open)",
            r"\bworst\W+(?:headache|head ache|migraine)\W+ever\b",
        ),
        whole_message=True,
    ),
    Topic(
        "thunderclap.sudden",
        any_of(
            rf"\b(?:sudden|suddenly|out of nowhere|all of a sudden|instantly|within seconds|"
            rf"in seconds){gap(5)}(?:severe |bad |intense |excruciating |splitting |"
            rf"explosive |terrible |awful )?(?:headache|head ache|head pain|pain in my head)",
            r"\b(?:headache|head ache|head pain)(?:\W+[\w']+){0,5}?\W+(?:sudden|suddenly|"
            r"out of nowhere|all of a sudden|like (?:a|being) (?:hit|struck|thunder|"
            r"an explosion|a bomb|a bat|lightning)|exploded|exploding|peaked in (?:seconds|"
            r"a minute))",
        ),
    ),
    Topic(
        "stroke.face",
        any_of(
            r"\b(?:face|mouth|smile|lip|lips|eyelid|cheek)\b(?:\W+[\w']+){0,3}?\W+(?:droop\w*|"
            r"dropping|drooped|sag\w*|crooked|lopsided|uneven|paraly[sz]ed|frozen|"
            r"numb|went numb|fallen)\b",
            r"\bdroop\w* (?:face|mouth|smile|eyelid|side)\b",
            rf"\b{SIDE} side of {POSSESSIVE} (?:face|mouth)\b",
        ),
    ),
    Topic(
        "stroke.one_side",
        any_of(
            rf"\b{SIDE} side(?: of {POSSESSIVE} (?:body|face))?\b(?:\W+[\w']+){{0,4}}?\W+"
            rf"{ONE_SIDED_WEAKNESS}",
            rf"\b{ONE_SIDED_WEAKNESS}(?:\W+[\w']+){{0,5}}?\W+(?:on|down|in) (?:the |my |his |"
            rf"her |their |one )?{SIDE}(?: side)?\b",
            rf"\b(?:my|his|her|their|the) (?:left|right) {LIMB}(?: and (?:arm|leg|hand|foot|"
            rf"face))?(?:\W+[\w']+){{0,3}}?\W+(?:is |are |went |feels |has gone |keeps going "
            rf")?{ONE_SIDED_WEAKNESS}",
            r"\b(?:arm|leg|hand|face|side|foot)\b(?:\W+[\w']+){0,2}?\W+(?:suddenly |just |has )?"
            r"(?:went|gone|going|goes|gave out|giving out) (?:completely |totally |all |really )?"
            r"(?:numb|dead|limp|weak|floppy)\b",
            r"\bsudden(?:ly)? (?:numb|weak|can't move)\b",
            r"\b(?:can't feel|numb\w*|weak\w*|paraly\w*|droop\w*|tingl\w*)(?:\W+[\w']+){0,3}?"
            r"\W+half (?:of )?(?:my|his|her|the|their) (?:face|body|mouth)\b",
            r"\bhalf (?:of )?(?:my|his|her|their) (?:face|body|mouth) (?:is |feels |went |has "
            r"gone )?(?:numb|weak|dead|paralyzed|paralysed|droopy|drooping|frozen)\b",
            rf"\b{CANT} (?:feel|move|lift|use|raise|grip with) (?:my|his|her|their|the) "
            rf"(?:left|right) {LIMB}",
        ),
    ),
    Topic(
        "stroke.speech",
        any_of(
            r"\bslurr\w*",
            r"\bspeech (?:is |was |has been |became |sounds |went )?(?:slurr\w*|garbled|"
            r"weird|strange|off|funny|jumbled)",
            rf"\b{CANT} (?:speak|talk|get (?:the |my |his |her )?words out|find (?:the |my )?"
            rf"words|form words)(?: properly| clearly| right| normally| straight)?\W*$",
            rf"\b{CANT} (?:speak|talk) (?:properly|clearly|right|normally|straight)",
            r"\b(?:trouble|difficulty|problems?) (?:speaking|talking|getting words out)",
            r"\bwords (?:are |keep )?(?:coming out |come out )?(?:jumbled|garbled|wrong|slurred|"
            r"mixed up|all wrong|weird)",
        ),
    ),
    Topic(
        "stroke.vision",
        any_of(
            r"\b(?:vision|sight|eye)\b(?:\W+[\w']+){0,4}?\W+(?:dark|black|blurry|blind|gone|"
            r"lost|out|grey|gray|went)\b(?:\W+[\w']+){0,3}?\W+(?:in|of|out of|from) "
            r"(?:one|my left|my right|the left|the right|his left|his right|her left|"
            r"her right) eye",
            r"\b(?:lost|losing|loss of|no|lose) (?:my |his |her )?(?:vision|sight) in "
            r"(?:one|my|the|his|her) (?:left |right )?eye",
            r"\bblind in (?:one|my|the|his|her) (?:left |right )?eye",
            rf"\b{CANT} see (?:out of|from|with|in) (?:one|my|the|his|her) (?:left |right )?eye",
            r"\bsudden(?:ly)? (?:vision loss|loss of vision|blindness|double vision|"
            r"went blind|lost (?:my |his |her )?vision|can't see)",
            r"\bsudden(?:ly)?(?:\W+[\w']+){0,3}?\W+(?:went blind|lost (?:my |his |her )?"
            r"(?:vision|sight)|can't see)",
        ),
    ),
    Topic(
        "stroke.confusion",
        any_of(
            r"\bsudden(?:ly)? (?:very |really )?confus\w*",
            r"\bdisorient\w*",
            r"\b(?:doesn't|does not|don't|didn't|did not) (?:know|recogni[sz]e) (?:where|who) "
            r"(?:he|she|i|they) (?:is|am|are|was)\b",
            r"\b(?:doesn't|does not|didn't) recogni[sz]e (?:me|anyone|us|people|her|him)\b",
            r"\b(?:he|she|they|he's|she's|my \w+) (?:is |are |seems |became |got |is being )?"
            r"(?:very |really |so |suddenly |extremely |totally )?confused\b(?! (?:about|by|"
            r"with|as to|why|how|what|whether|if|regarding|on|over))",
            r"\bnot making (?:any )?sense\b",
        ),
    ),
    Topic("stroke.named", r"\bstrokes?\b(?! of (?:luck|genius))|\bmini[- ]stroke\b|\btia\b"),
    Topic(
        "meningitis.fever_stiff_neck",
        any_of(
            rf"\b{FEVER}\b(?:\W+[\w']+){{0,15}}?\W+{STIFF_NECK}",
            rf"{STIFF_NECK}(?:\W+[\w']+){{0,15}}?\W+{FEVER}\b",
            r"\bmeningitis\b",
        ),
        whole_message=True,
    ),
    Topic(
        "head_injury.worsening",
        any_of(
            rf"\b{HEAD_INJURY}(?:\W+[\w']+){{0,25}}?\W+{WORSENING}",
            rf"\b{WORSENING}(?:\W+[\w']+){{0,25}}?\W+{HEAD_INJURY}",
        ),
        whole_message=True,
    ),
    Topic(
        "breathing.difficulty",
        any_of(
            rf"\b{CANT} (?:breathe|breath|catch (?:my|his|her|their) breath|get (?:enough )?air)",
            r"\b(?:trouble|difficulty|difficult|hard|struggling|struggle|problems?|issues?|"
            r"hard time|pain) (?:with )?(?:breathing|to breathe|breathe)\b",
            r"\bshort(?:ness)? of breath\b",
            r"\bbreathless\w*",
            r"\bbreathing (?:problems?|difficult\w*|trouble|issues?|(?:is |has |feels |got )"
            r"(?:\w+ )?(?:hard|difficult|shallow|slow|weird|labou?red|strange|fast|funny|"
            r"stopped|noisy))",
            r"\b(?:not|stopped|isn't|is not|barely|hardly|wasn't) breathing\b",
            r"\bgasping\b",
            r"\bchok(?:ing|ed)\b",
            r"\bthroat (?:is |feels )?(?:closing|swelling|swollen|tight)",
            r"\b(?:lips|face|skin|fingers) (?:are |is |turning |turned |going |went )"
            r"(?:blue|purple|grey|gray)\b",
            r"\bturning blue\b",
            r"\banaphyla\w*",
            r"\b(?:tongue|throat|face|lips) (?:is |are )?swell\w*",
        ),
    ),
    Topic(
        "chest_pain.chest",
        any_of(
            r"\bchest (?:pain|pains|pressure|tightness|tight|hurts|hurting|ache|aches)\b",
            r"\bchest (?:\w+ )?(?:feels|is|gets|has been|felt|was) (?:\w+ )?(?:tight|heavy|"
            r"painful|hurting|crushed|crushing|like an elephant|squeezed|on fire)",
            r"\b(?:pain|pressure|tightness|squeezing) in (?:my|his|her|their|the) chest\b",
            r"\bheart attack\b",
            r"\bcrushing (?:chest )?(?:pain|pressure)\b",
        ),
    ),
    Topic(
        "collapse.unconscious",
        any_of(
            r"\bfaint(?:ed|ing|s)?\b(?! (?:aura|line|lines|light|memory|smell|taste|sound|"
            r"feeling of|hope|idea|trace))",
            r"\bpass(?:ed|ing|es)? out\b",
            r"\bblack(?:ed|ing)? out\b",
            r"\b(?:lost|losing|loses|lose) consciousness\b",
            r"\bunconscious\b",
            r"\bunresponsive\b",
            r"\b(?:won't|will not|can't|cannot|couldn't) wake (?:him|her|them|up|my \w+)\b",
            r"\bnot waking up\b",
            r"\bcollaps(?:ed|ing|es)\b",
            r"\bknocked (?:out|unconscious)\b",
        ),
    ),
    Topic(
        "seizure.seizure",
        any_of(
            r"\bseizing\b",
            r"\bconvuls\w*",
            r"\b(?:having|had|has|have|started|starting|in|into|with) (?:a|another) seizure\b",
            r"\b(?:having|started having|keeps? having|is having|having multiple) "
            r"(?:\w+ )?seizures\b",
            r"\bseizure\b(?! (?:disorder|history|medication|meds|threshold|risk|activity))",
            r"\bhaving a fit\b",
        ),
    ),
    Topic(
        "urgent.dying_or_bleeding",
        any_of(
            r"\b(?:i think|i feel like|feels like) (?:i'm|i am) dying\b",
            r"\b(?:i'm|i am) dying(?: here| right now|,? help| please)\b",
            r"\bbleeding (?:heavily|a lot|badly|so much|everywhere|won't stop|that won't stop|"
            r"and (?:it )?won't stop)\b",
            r"\b(?:won't|can't|cannot) stop (?:the )?bleeding\b",
            r"\bblood everywhere\b",
        ),
    ),
)


# --- Framing cues ---------------------------------------------------------------------------
# A topic mention is a report (emergency) or a question about it. The cue that ends nearest
# before the mention decides; with none before it, cues after it; with none at all, the
# mention is a bare statement ("chest pain and can't breathe") and counts as a report.

TREATMENT = any_of(
    "ketamine", "esketamine", "spravato", r"infusions?", "iv ketamine", "tms", "therapy",
    r"treatments?", "the drug", "the medicine", "the medication", "the spray", "nasal spray",
    "it", "this", "that", "you", "your clinic", "the clinic", "doctors", "they"
)  # fmt: skip

TREATMENT_VERB = any_of(
    "help", "helps", "helped", "helping", "treat", "treats", "treated", "treating", "work",
    "works", "used", "use", "cause", "causes", "caused", "lead", "leads", "trigger",
    "triggers", "prevent", "prevents", "reduce", "reduces", "relieve", "relieves", "stop",
    "stops", "cure", "cures", "improve", "improves", "affect", "affects", "increase",
    "increases", "worsen", "worsens", "make", "makes", "made", "give", "gives", "good",
    "effective", "safe", "approved", "indicated", "prescribed", "given", "an option",
    "option", "risky", "dangerous", "address", "target", "targets", "reverse", "ease",
    "eases", "lower", "lowers", "decrease", "decreases", "get rid of", "fix", "do for",
    "do about", "offer", "offered"
)  # fmt: skip

GENERIC_SUBJECT = any_of(
    "people", "patients", "someone", "somebody", "anyone", "anybody", "a person", "persons",
    "individuals", "those", "adults", "teens", "teenagers", "children", "kids", "veterans",
    "women", "men", "folks", "others", "a patient", "one's", "sufferers", "a friend of a friend"
)  # fmt: skip

RELATION = any_of(
    "husband", "wife", "partner", "spouse", "son", "daughter", "child", "kid", "kids", "baby",
    "mom", "mother", "mum", "dad", "father", "brother", "sister", "friend", "boyfriend",
    "girlfriend", "roommate", "grandma", "grandmother", "grandpa", "grandfather", "aunt",
    "uncle", "cousin", "niece", "nephew", "fiance", "fiancee", "teen", "teenager", "coworker",
    "colleague", "neighbor", "neighbour", "family member", "loved one", "parent", "parents",
    "patient", "client", "best friend", "bf", "gf"
)  # fmt: skip

CUE_PATTERNS: dict[str, tuple[str, ...]] = {
    # The writer, or someone with them now.
    "personal": (
        r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|we've|us|our)\b",
        rf"\b(?:my|our) (?:\w+ )?{RELATION}\b",
        r"\b(?:he|she|he's|she's|him|her|hers|his)\b",
        r"\b(?:someone|somebody|a friend|a person|a guy|a girl|a man|a woman|a kid|a child) "
        r"(?:here|with me|next to me|in my (?:house|home|family|car|room)|at home|at my house)\b",
        r"\bthis (?:person|guy|girl|man|woman|kid)\b",
        r"\b(?:right now|currently|at the moment|as we speak|as i type|tonight|today|"
        r"this (?:morning|afternoon|evening)|just now|an? (?:few )?(?:minutes?|hours?) ago)\b",
        r"\b(?:help me|please help|emergency|urgent|asap|scared|terrified|panicking|"
        r"freaking out|what (?:do|should|can) (?:i|we) do)\b",
        r"\b(?:is|could|can|might|would) (?:this|that|it|these) (?:be )?(?:a |an )?$",
        r"\bi (?:need|want|am looking for|'m looking for|am seeking|seek)"
        r"(?:\W+[\w']+){0,3}?\W+(?:help|treatment|therapy|something)(?: (?:with|for))?\b",
    ),
    # Asking whether one's own feeling is normal: personal for a crisis topic only, since
    # "is it normal to feel faint after an infusion?" is an ordinary question.
    "personal_if_crisis": (
        r"\b(?:is it|it is|it's|is that) (?:normal|ok|okay|bad|wrong|weird|common) (?:to|that i|"
        r"if i|for me to)\b",
    ),
    # A general question about the topic.
    "info": (
        r"^(?:\W*(?:hi|hello|hey|ok|okay|so|and|also|but|um|quick question|question)\b\W*)*"
        r"(?:what|which|who|where|when|why|how)\b",
        r"^(?:\W*(?:hi|hello|hey|ok|okay|so|and|also|but|um)\b\W*)*"
        r"(?:is|are|can|could|does|do|would|will|should|may|might)(?!')\b",
        r"\b(?:what|how|why|which) (?:is|are|does|do|causes?|happens|exactly|a|an|about|to)\b",
        rf"\b{TREATMENT}(?:\W+[\w']+){{0,2}}?\W+{TREATMENT_VERB}\b(?: (?:with|for|in|on))?",
        r"\b(?:ketamine|esketamine|spravato|infusions?|tms|treatments?|therapy) "
        r"(?:for|in|against)\b",
        r"\b(?:used|use|approved|indicated|effective|good|safe|work|works|helpful|prescribed)"
        r" (?:for|to treat|in|against|with)\b",
        r"\b(?:treatment|treatments|therapy|therapies|option|options|medication|medications|"
        r"drug|drugs|medicine|remedy|remedies|cure|cures|infusions?|help) (?:for|of|against)\b",
        r"\b(?:side effects?|risks?|signs?|symptoms?|causes?|definition|meaning|types?|rates?|"
        r"risk factors?|statistics|stats|studies|study|research|evidence|data|warning signs|"
        r"prevalence|chance|chances|likelihood|danger|dangers|history) (?:of|for|from|include|"
        r"like|with)\b",
        r"\b(?:what|how) (?:happens|would happen|will happen|could happen) (?:if|when)\b"
        r"(?: (?:i|you|we|someone|somebody|a person|one|they|he|she|people|patients) "
        r"(?:accidentally |ever |were to |was to )?(?:take|takes|get|gets|have|has|use|uses|"
        r"mix|mixes|do|does|miss|misses|overdose|overdoses|go|goes|drink|drinks|combine)\b)?",
        r"\b(?:in case of|in the event of|what if)\b",
        r"\bis it (?:possible|common|likely|rare|true|known|dangerous|safe|risky) (?:to|for|"
        r"that)\b",
        r"\bif (?:i|you|we|someone|somebody|a person|one|they|he|she|patients|people)"
        r"(?:'ve|'s| have| has)? (?:have|has|get|gets|experience|experiences|feel|feels|develop|"
        r"develops|notice|start|starts|ever|already have|had|been)\b(?! (?:had|been)\b)",
        r"\b(?:will|would|could|might|can|may) (?:i|you|we|someone|people|patients|a person|"
        r"he|she|ketamine|it|this|the infusion|infusions|esketamine|spravato)(?: ever| possibly|"
        r" still| also| potentially| actually)? (?:get|have|experience|feel|develop|die|go into|"
        r"end up|overdose|od|faint|pass out|take|become|be at risk|cause|lead to|trigger|"
        r"make)\b(?! (?:had|been)\b)(?: (?:me|you|people|someone|him|her|us|patients)"
        r"(?: (?:feel|want to|more|become|get|go))?\b)?",
        r"\b(?:will|would|could|might|can|may) (?:i|you|we|someone|people|patients|a person|"
        r"he|she)(?: ever| possibly| still| also| potentially| actually)?\W*$",
        r"\bdo you (?:treat|offer|see|help|work with|accept|take|provide|handle)\b",
        r"\b(?:tell|show|explain|teach|remind) (?:me|us)\b(?: (?:about|what|how|why|if|"
        r"whether|more))?",
        r"\b(?:information|info|questions?|facts?|article|articles|page) (?:on|about|regarding)\b",
        r"\b(?:learn|read|heard|hear|know|knew|wondering|curious|asking|reading|researching)"
        r" (?:more )?(?:about|that|if|whether)\b",
        r"\b(?:difference between|compared to|versus|vs)\b",
        rf"\b{GENERIC_SUBJECT}\b",
        r"\b(?:a|the) (?:common|typical|known|rare|serious|possible) (?:side effect|symptom|"
        r"sign|cause|risk)\b",
        r"\b(?:ketamine|esketamine|spravato|tms|infusions?) (?:and|vs|or|versus|plus)\b",
        r"^\W*(?:risk|risks|rate|rates|prevention|hotline|statistics|awareness|research|"
        r"studies|lifeline)\b",
        # Worry about something that might happen ("afraid of having a seizure").
        r"\b(?:worried|worry|worrying|afraid|scared|concerned|nervous|anxious|fear|fearful|"
        r"paranoid) (?:about|of)\b",
    ),
}

# Next to a mention (a few words before or after): it is over, or a standing condition.
NOT_NOW_BEFORE: dict[str, str] = {
    "past": r"\b(?:history of|used to|in the past|previous(?:ly)?|prior)\b"
    r"(?:\W+[\w']+){0,3}?\W*$|\b(?:after|since|post|following|recovering from|recovered "
    r"from|survived|survivor of)\W+(?:a |an |my |his |her |their )?$",
    "habitual": r"\b(?:sometimes|often|occasionally|usually|always|regularly|frequently|"
    r"every (?:day|week|month|time|now and then)|daily|weekly|monthly|chronic|recurring|"
    r"recurrent|on and off|from time to time|prone to|tend to|tends to|whenever|get these|"
    r"diagnosed with|suffer from|suffers from|history of)\b(?:\W+[\w']+){0,3}?\W*$",
}
NOT_NOW_AFTER: dict[str, str] = {
    "past": r"^\W*(?:[\w']+\W+){0,3}?(?:before|in the past|years? ago|months? ago|weeks? ago|"
    r"last (?:year|month|week|spring|summer|fall|autumn|winter)|as a (?:child|kid|teen|"
    r"teenager|baby)|when i was (?:younger|young|a kid|a child|a teen|little)|in (?:19|20)\d\d|"
    r"in my (?:past|twenties|teens|youth)|a long time ago|back in)\b",
    "habitual": r"^\W*(?:[\w']+\W+){0,4}?(?:sometimes|often|occasionally|every (?:day|week|"
    r"month|time|now and then)|all the time|a lot|from time to time|on and off|when i "
    r"(?:stand|get up|exercise|run|work out|climb|see blood|see needles|get anxious|"
    r"have a migraine))\b",
}

# "Not happening now" is overruled by a plain sign that it is happening now.
CURRENT_CUE = (
    r"\b(?:right now|now|currently|at the moment|as we speak|tonight|today|this (?:morning|"
    r"afternoon|evening)|just|started|starting|again|lately|recently|these days|still|"
    r"come back|coming back|came back|returned|an? (?:few )?(?:minutes?|hours?) ago|"
    r"for (?:an|a few|\d+|two|three|several) (?:minutes?|hours?)|since (?:this|last night))\b"
)

# "not", "no", "never" just before a topic (allowing a few auxiliary words in between).
NEGATION_BEFORE = (
    r"\b(?:not|no|never|don't|do not|doesn't|does not|didn't|did not|haven't|have not|"
    r"hasn't|has not|isn't|is not|aren't|wasn't|without|denies|deny|denied|free of|"
    r"no longer|nor|no signs? of|zero)"
    r"(?:\W+(?:been|had|felt|feel|feeling|having|have|any|ever|really|currently|actually|"
    r"experienced|experiencing|get|got|getting|a|an|the|more|other|signs? of|symptoms? of|"
    r"suffered|suffering|from|thought|thinking|had|am|i|i'm|being))*\W*$"
)

# A personal mention after a general one ("... suicidal thoughts like mine").
PERSONAL_AFTER = (
    r"^\W*(?:[\w']+\W+){0,6}?(?:like (?:me|mine)|for me|that i (?:have|get|am having|'m having)|"
    r"which i (?:have|get)|i (?:have|get|am having|'m having|'ve been having|have been having)"
    r"(?: (?:them|it|this|these|those))?)\b"
)

# An earlier turn that raised an emergency stays live when the visitor carries on about it.
CONTINUATION = (
    r"\b(?:help me|please help|need help|worse|worsening|still|again|what (?:should|do|can) "
    r"(?:i|we) do|what now|yes|yeah|yep|already|right now|i did|i have (?:them|it|the pills)|"
    r"hurry|scared|not better|no better|now (?:i|it|he|she|they|my|we))\b"
)


# Compiled once at import.
COMPILED_TOPICS: tuple[tuple[Topic, re.Pattern[str]], ...] = tuple(
    (t, re.compile(t.pattern)) for t in TOPICS
)

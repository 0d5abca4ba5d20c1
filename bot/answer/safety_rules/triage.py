"""Appointment intent and refusal rules: advice, other people's data, off-topic, injection."""

from __future__ import annotations

from bot.answer.safety_rules import any_of
from bot.answer.safety_rules.emergency import RELATION

# --- Appointment intent ---------------------------------------------------------------------

APPOINTMENT_NOUN = any_of(
    "appointment", "appointments", "consult", "consultation", "consultations", "visit",
    "evaluation", "assessment", "intake", "screening", "session", "booking", "slot", "call",
    "phone call", "video call", "meeting", "time with (?:a|the|your) \\w+",
    "new patient appointment", "infusion appointment"
)  # fmt: skip
STAFF = any_of(
    "person", "human", "humans", "someone", "somebody", "staff", "staff member", "nurse",
    "nurses", "doctor", "doctors", "physician", "provider", "clinician", "team",
    "receptionist", "representative", "rep", "agent", "operator", "specialist",
    "psychiatrist", "therapist", "counselor", "counsellor", "member of (?:your |the )?staff",
    "office", "clinic", "front desk", "coordinator", r"dr\b\.?"
)  # fmt: skip
CONTACT_VERB = any_of(
    "call", "ring", "phone", "text", "email", "e-mail", "contact", "reach", "get back to",
    "get in touch with", "reach out to", "follow up with", "message"
)  # fmt: skip

APPOINTMENT_RULES: tuple[tuple[str, str], ...] = (
    (
        "appointment.book",
        rf"\b(?:book|schedule|make|set up|setup|arrange|request|reserve|organi[sz]e|secure|"
        rf"fix up|line up)(?:\W+(?:an?|my|the|a new|another|first|initial|follow[- ]up|in|"
        rf"me|us|for|one|some|free|quick|phone|video|virtual|in-person|ketamine|infusion|"
        rf"tms|spravato|time|to))*\W+{APPOINTMENT_NOUN}\b",
    ),
    (
        "appointment.want",
        rf"(?<!do )(?<!will )\b(?:i|we)(?:'d| would)? (?:need|want|like|love|would like|wanna|"
        rf"am hoping for|'m hoping for|am looking for|'m looking for)"
        rf"(?: to (?:get|have|do|start with))?"
        rf" (?:an?|my|the|a new|another|first|initial|follow[- ]up|some)"
        rf"(?: \w+)? {APPOINTMENT_NOUN}\b",
    ),
    (
        "appointment.get",
        rf"\b(?:how|where|when) (?:do|can|could|would|should) (?:i|we) (?:get|book|schedule|"
        rf"make|set up|arrange|request)(?: in)?(?: for)?(?: an?| my| the| a new| first)?"
        rf"(?: \w+)? {APPOINTMENT_NOUN}\b",
    ),
    (
        "appointment.can_i_get",
        rf"\b(?:can|could|may) (?:i|we) (?:please )?(?:get|have|grab|book|schedule|make)"
        rf"(?: in)?(?: for)? (?:an?|my|the|a new|first|some)(?: \w+)? {APPOINTMENT_NOUN}\b",
    ),
    (
        "appointment.come_in",
        rf"\b(?:come in|stop by|drop by|pop in|get in|be seen)(?: for| to (?:get|have|do|"
        rf"discuss))? (?:an?|the|my|some) (?:\w+ )?{APPOINTMENT_NOUN}\b|"
        r"\b(?:want|need|like|love|hoping|hope) to (?:be seen|get seen|come in)\b|"
        r"\bput (?:me|us) on (?:the |your )?(?:wait ?list|waiting list|list|schedule)\b",
    ),
    (
        "appointment.reach_out",
        r"\b(?:someone|somebody|a (?:nurse|doctor|person)|your (?:team|office|staff)|the "
        r"(?:clinic|office|team))(?: from (?:your|the) \w+)? (?:to )?(?:reach out|get in touch|"
        r"call|phone|ring|email|text|contact)\b(?! (?:you|them|the|patients|people))",
    ),
    (
        "appointment.book_bare",
        r"\b(?:book|schedule|reschedule)(?: (?:me|us))?(?: in| now| please| a time| one"
        r"| a slot| for (?:me|us))*\W*$|\bbook (?:me|us) in\b",
    ),
    (
        "appointment.change",
        rf"\b(?:reschedule|cancel|change|move|postpone|confirm|rebook|push back)(?:\W+[\w']+)"
        rf"{{0,2}}?\W+{APPOINTMENT_NOUN}\b",
    ),
    (
        "appointment.contact_me",
        rf"\b{CONTACT_VERB} (?:me|us)\b(?! (?:if|when|about the risks))",
    ),
    (
        "appointment.call_request",
        r"\b(?:give|send) (?:me|us) (?:a )?(?:call|ring|text|email|message|callback|buzz)\b",
    ),
    (
        "appointment.callback",
        rf"\bcall ?backs?\b|\b(?:have|get|ask|need|want|like|'d like) (?:someone|somebody|"
        rf"a (?:person|nurse|doctor|staff member|human)|your (?:team|staff|office|nurse|"
        rf"doctor)|the (?:clinic|office|team|doctor|nurse)) (?:to )?(?:{CONTACT_VERB}|"
        rf"get back to)",
    ),
    (
        "appointment.human",
        rf"\b(?:talk|speak|chat|connect|consult|be put through)(?: (?:to|with|me|directly|"
        rf"through))+ (?:an? |the |some |your |one of your |to )?(?:real |live |actual "
        rf"|human |member of )?{STAFF}\b",
    ),
    (
        "appointment.human_available",
        r"\b(?:someone|somebody|a person|a human|anyone|a nurse|a doctor|a real person) "
        r"(?:i|we) (?:can|could) (?:talk|speak|chat) (?:to|with)\b",
    ),
    (
        "appointment.human_named",
        r"\b(?:real|live|actual) (?:person|human|people|agent)\b|\bhuman being\b",
    ),
    (
        "appointment.reach_clinic",
        r"\b(?:how|where) (?:do|can|could) (?:i|we) (?:contact|reach|call|phone|email|"
        r"get in touch with|get hold of|speak to|talk to) (?:you|the clinic|your (?:clinic|"
        r"office|team|staff)|someone|a person|the office|the team|staff)\b",
    ),
    (
        "appointment.start",
        r"\b(?:i|we)(?:'d| would)? (?:like|want|wanna|am ready|'m ready|am interested|"
        r"'m interested)(?: in)? (?:to )?(?:start|begin|starting|beginning|sign(?:ing)? up "
        r"for|book|booking|schedule|scheduling)\b(?:\W+[\w']+){0,3}?\W+(?:ketamine|"
        r"infusions?|treatment|therapy|spravato|esketamine|tms|consultation|appointment)",
    ),
    (
        "appointment.sign_up",
        r"\bsign (?:me|us) up\b|\bhow (?:do|can) (?:i|we) (?:get started|start|sign up|"
        r"become a patient|enroll|register)\b|\bbecome a (?:new )?patient\b",
    ),
)

# ---- Refusal: individual medical advice, other people's data, off-topic, injection ---------

SUBSTANCE = any_of(
    r"(?:\w+ )?(?:meds|medications?|medicines?|pills|tablets)", "alcohol", "drinking", "booze",
    "beer", "wine", "liquor", "vodka", "whiskey", "weed", "pot", "a joint", "joints",
    "cannabis", "marijuana", "thc", "cbd", "edibles", "benzos?", r"benzodiazepines?",
    "xanax", "ativan", "klonopin", "valium", "lorazepam", "clonazepam", "alprazolam",
    "diazepam", r"opioids?", r"opiates?", "oxycodone", "oxycontin", "hydrocodone", "percocet",
    "vicodin", "tramadol", "methadone", "suboxone", "buprenorphine", "naltrexone",
    "lamotrigine", "lamictal", "lithium", r"ssris?", r"snris?", r"maois?", "sertraline",
    "zoloft", "prozac", "fluoxetine", "lexapro", "escitalopram", "citalopram", "celexa",
    "paxil", "paroxetine", "effexor", "venlafaxine", "cymbalta", "duloxetine", "wellbutrin",
    "bupropion", "trazodone", "mirtazapine", "adderall", "ritalin", r"stimulants?",
    r"antidepressants?", r"antipsychotics?", "seroquel", "quetiapine", "abilify",
    r"sumatriptan", "imitrex", r"triptans?", "rizatriptan", "maxalt", "zomig", "gabapentin",
    "pregabalin", "lyrica", "topiramate", "topamax", "ibuprofen", "tylenol", "acetaminophen",
    "paracetamol", "advil", "motrin", "aleve", "naproxen", "aspirin", "caffeine", "coffee",
    "energy drinks?", "birth control", "melatonin", "st\\.? john's wort", "kratom",
    "mdma", "psilocybin", "mushrooms", "cocaine", "blood thinners?", "warfarin", "eliquis",
    "blood pressure (?:meds|medication|medicine|pills)", "ambien", "zolpidem", "sleeping pills",
    "nicotine", "vape", "vaping", "botox", "aimovig", "ajovy", "emgality", "nurtec",
    "ubrelvy", "propranolol", "amitriptyline", "nortriptyline", "lisinopril", "metformin",
    "insulin", "steroids?", "prednisone", "antibiotics?", r"my (?:other )?(?:meds|medications?"
    r"|medicines?|pills|prescriptions?|antidepressants?)", r"other (?:meds|medications?|drugs)"
)  # fmt: skip

KETAMINE = any_of(
    "ketamine", "esketamine", "spravato", r"infusions?", "the infusion", "treatment",
    "the spray", "nasal spray", "tms", "my session"
)  # fmt: skip

# Treatments that are not a substance the visitor takes. Pairing one with ketamine ("do you
# combine ketamine with TMS?", "can ketamine be done alongside counseling?") asks what the clinic
# offers, which its pages may answer; it is not a question about two substances interacting.
# "ketamine therapy" and "infusion therapy" are ketamine itself, so they don't count here.
NON_DRUG_THERAPY = any_of(
    "tms", "transcranial magnetic stimulation", "magnetic stimulation", "ect",
    "electroconvulsive therapy", "psychotherapy", "talk therapy", r"counsell?ing",
    r"counsell?ors?", r"therapists?", "cbt", "dbt", "emdr", "neurofeedback", "biofeedback",
    "acupuncture", "physical therapy", "physiotherapy", "meditation", "mindfulness",
    r"integration (?:sessions?|therapy)",
    r"(?<!ketamine )(?<!infusion )(?<!iv )(?<!spravato )(?<!esketamine )(?:therapy|therapies)"
)  # fmt: skip

CONDITION = any_of(
    "pregnant", "pregnancy", "breastfeeding", "breast feeding", "nursing", "trying to conceive",
    "high blood pressure", "hypertension", r"heart (?:condition|disease|problems?|issues?)",
    "arrhythmia", "psychosis", "psychotic", "schizophreni\\w*", "bipolar", "mania", "epilepsy",
    r"liver (?:disease|problems?)", r"kidney (?:disease|problems?)", "glaucoma",
    r"(?:addiction|substance use|drug use|alcoholism) (?:history|problems?)",
    r"history of (?:addiction|substance|drug|alcohol)", "in recovery", "sober",
    "allergic", "allergy", "asthma", "diabetes", "diabetic", "cancer", "surgery",
    "under 18", r"i'm (?:1[0-7]|[7-9]\d)\b", r"i am (?:1[0-7]|[7-9]\d)\b", "elderly", "covid",
    "a cold", "the flu", "sick", "hyperthyroid\\w*", "aneurysm", "ptsd", "dementia"
)  # fmt: skip

# What a visitor might ask to be told they have.
DIAGNOSIS = any_of(
    r"migraines?", "depression", "ptsd", "anxiety", "bipolar", "adhd", r"\w+ headaches?",
    r"headaches?", r"tumou?rs?", "cancer", "meningitis", "a concussion", "concussion",
    "long covid", r"\w+ disorder", r"\w+itis", r"\w+osis", r"\w+ syndrome",
    "something wrong", "something serious", "an aneurysm", "aneurysm", "epilepsy"
)  # fmt: skip

MEDICINE = any_of(
    r"medications?", "meds", r"medicines?", "pills", r"antidepressants?", r"prescriptions?",
    "dose", "dosage", "ketamine", "esketamine", "spravato", SUBSTANCE
)  # fmt: skip

REFUSAL_RULES: tuple[tuple[str, str], ...] = (
    # Attempts to change the rules or read them out.
    (
        "injection.override",
        r"\b(?:ignore|disregard|forget|bypass|override|overrule|skip|drop|abandon|violate|"
        r"break|circumvent|disable|turn off)\b(?:\W+[\w']+){0,4}?\W+(?:rules?|instructions?|"
        r"prompts?|guidelines?|directives?|programming|restrictions?|guardrails?|constraints?|"
        r"polic(?:y|ies)|filters?|safety|training|system message|limitations)\b|"
        r"\b(?:ignore|disregard|forget) (?:everything|all|anything|what) (?:above|before|"
        r"previously|you were told|you've been told|you know|i said)\b|"
        r"\b(?:ignore|disregard) (?:the |all )?(?:above|previous|prior|preceding)\b",
    ),
    (
        "injection.reveal",
        r"\b(?:reveal|show|print|display|output|repeat|tell me|give me|share|leak|dump|expose|"
        r"list|recite|disclose|copy|paste|read (?:me|out)|what (?:is|are|were))\b"
        r"(?:\W+[\w']+){0,4}?\W+(?:system ?prompt|(?:hidden|secret|internal|initial|original|"
        r"system|developer|previous|above|confidential|full|exact) (?:\w+ )?(?:instructions?|"
        r"prompts?|rules?|guidelines?|configuration|config|directives?|message)|your "
        r"(?:\w+ )?(?:instructions|prompt|configuration|directives|programming))\b"
        r"|\b(?:repeat|print|output|show|tell me|give me|copy) (?:me )?(?:the |all |your )?"
        r"(?:text|words|everything|content|message|messages|conversation) (?:above|before|"
        r"preceding|so far)\b|\bwhat (?:were you|have you been) (?:told|instructed)\b|"
        r"\bwhat (?:instructions|rules|prompt|guidelines) (?:were|have) you (?:been )?"
        r"(?:given|told)\b",
    ),
    (
        "injection.persona",
        r"\bsystem ?prompt\b|\bdeveloper mode\b|\bdev mode\b|\bjailbr(?:ea|o)k\w*|"
        r"\bdo anything now\b|\b(?:you are|you're|act as|become|enable|activate|enter|"
        r"switch to|now you are) (?:now )?(?:dan|an? unrestricted|an? unfiltered|evil|"
        r"developer mode)\b|\bdan mode\b|\b(?:pretend|imagine|roleplay|role-play|role play)"
        r" (?:that )?(?:you(?:'re| are)?|to be|as)\b|\bact as (?:a|an|my|if)\b|"
        r"\byou are now\b|\bfrom now on,? you\b|\bnew (?:instructions|rules|persona|role)\b|"
        r"\bno (?:rules|restrictions|limits|filters)\b|\b(?:sudo|admin mode|god mode)\b|"
        r"^\W*(?:system|assistant|developer)\s*:|<\|?(?:im_start|system|endoftext)\|?>|"
        r"\[/?inst\]|###\s*(?:instruction|system)",
    ),
    # Someone else's records.
    (
        "privacy.other_patient",
        r"\b(?:another|other|a different|someone else's|somebody else's|other people's|"
        r"other patients'?|another patient's|the other patient's)(?: patient'?s?'?)?"
        r"(?: \w+)? (?:records?|appointments?|info(?:rmation)?|details|data|phone(?: number)?|"
        r"number|email|address|results|chart|file|history|diagnosis|prescriptions?|contact|"
        r"name|names)\b",
    ),
    (
        "privacy.patient_list",
        r"\b(?:who else (?:is|was|has|goes|comes)|which (?:patients|people) (?:are|have|come)|"
        r"list of (?:your )?(?:patients|clients)|patient list|names of (?:your |the )?"
        r"(?:patients|clients)|(?:is|was) (?:my )?\w+(?: \w+)? (?:a (?:patient|client) "
        r"(?:here|of yours|at)|(?:coming in|booked|scheduled) (?:today|tomorrow|this week)))\b",
    ),
    (
        "privacy.someones_record",
        rf"\b(?:what|when|tell|give|show|send|see|access|look up|check|find|get|know|read|"
        rf"pull up)\b(?:\W+[\w']+){{0,4}}?\W+(?:his|her|their|my {RELATION}'?s?|"
        rf"(?!(?:doctor|dr|clinic|office|nurse|team|center|centre|provider|ketamine|control|"
        rf"hotline|lifeline|line|pharmacy|hospital|company|practice|center|service|website)'s)"
        rf"[a-z]+'s) (?:medical )?(?:records?|appointments?|appointment (?:time|date)|results|"
        rf"chart|file|diagnosis|prescriptions?|phone number|email|address|contact (?:info|"
        rf"information|details)|treatment (?:plan|history)|visits?)\b|"
        rf"\b(?:tell me about|what is|what's|how is|how's|update on|info on|news on) "
        rf"(?!(?:my|your|the|a|an|ketamine|spravato|this|that)\b)[a-z]+ [a-z]+'s (?:treatment|"
        rf"medications?|condition|progress|sessions?|notes|results|appointment)\b",
    ),
    (
        "privacy.about_person",
        rf"\b(?:records?|appointments?|results|chart|file|info(?:rmation)?|details|phone "
        rf"number|email|address|diagnosis) (?:of|for|about) (?:another|other|a|some|this|that|"
        rf"the) (?:patient|person|client|man|woman|guy|lady)\b|\b(?:records?|appointments?|"
        rf"results|chart|file|diagnosis) (?:of|for|about) (?:my|his|her) {RELATION}\b",
    ),
    # Individual medical advice: prescriptions before doses, so "refill" names the rule.
    (
        "prescription.request",
        r"\b(?:refill|refills|renew|renewal)\b(?! (?:policy|policies))|"
        r"\b(?:can|could|would|will) (?:you|the doctor|your doctors?|a doctor|someone) "
        r"(?:\w+ )?(?:prescribe|call in|refill|renew)\b|"
        r"\b(?:prescribe|write|give|send|call in|get) (?:(?:me|us|him|her) )?(?:a |an |some |my )?"
        r"(?:\w+ )?(?:prescription|script|rx)\b|"
        r"\b(?:give|sell|send|ship|mail|prescribe) (?:me|us) (?:some )?(?:ketamine|esketamine|"
        r"spravato|pills|meds|medication|xanax|\w+ (?:pills|tablets))\b|"
        r"\b(?:i|we) (?:need|want|would like|'d like|am looking for|'m looking for) "
        r"(?:a |an |my |some )?(?:\w+ )?(?:prescription|script|rx|refill)\b|"
        r"\b(?:buy|order|purchase) (?:some )?(?:ketamine|esketamine|spravato)\b",
    ),
    (
        "dose.how_much",
        r"\bhow (?:much|many) (?!.*\b(?:cost|costs|price|prices|pay|charge|charges|insurance|"
        r"covered|dollars)\b)(?:mg|milligrams?|ml|cc|mcg|micrograms?|units|doses?|pills|"
        r"tablets|sprays?|puffs|drops|squirts|ketamine|esketamine|spravato|of (?:it|this|that|"
        r"the (?:drug|medicine|medication|spray)|ketamine|esketamine|spravato|my|your|"
        r"\w+ (?:should|can|do|would)))\b",
    ),
    (
        "dose.how_much_to_take",
        r"\bhow (?:much|many|often)\b(?:\W+[\w']+){0,4}?\W+(?:should|can|could|do|may|would|"
        r"must|is it safe to|to) (?:i |we |you |he |she |one |a person |someone |my \w+ )?"
        r"(?:take|use|give|inject|snort|spray|dose|swallow|double|have of)\b",
    ),
    (
        "dose.amount",
        r"\b(?:what|what's|which|how big|how high|how large|how strong)(?: is| are| was| would "
        r"be| should be)?(?: the| a| an| your| my)?(?: \w+)? "
        r"(?:dose|doses|dosage|dosages|dosing)\b|"
        r"\b(?:what|what's|which|right|correct|safe|safest|max|maximum|min|minimum|typical|"
        r"usual|standard|normal|recommended|starting|ideal|proper|lethal|toxic|fatal|"
        r"effective|my|your) (?:\w+ )?(?:dose|doses|dosage|dosages|dosing)\b|"
        r"\b(?:safe|safest|right|correct|max(?:imum)?|lethal|toxic|recommended) amount\b|"
        r"\bdosage\b|\bdosing\b|\bmg/kg\b|\bper (?:kg|kilo|pound)\b",
    ),
    (
        "dose.number",
        r"\b\d+(?:\.\d+)? ?(?:mg|milligrams?|ml|mcg|micrograms?|mg/kg|cc|grams?|units)\b",
    ),
    (
        "dose.change",
        r"\b(?:double|doubling|halve|halving|increase|increasing|decrease|decreasing|lower|"
        r"lowering|raise|raising|up|adjust|adjusting|skip|skipping|miss|missed|extra|another)"
        r" (?:my |the |a |his |her |your )?(?:dose|dosage|pill|dose of)\b",
    ),
    (
        "interaction.mix",
        rf"\b(?:mix|mixing|mixed|combine|combining|combined|interact\w*|together with|"
        rf"on top of|alongside|at the same time as|contraindicated with)\b(?:\W+[\w']+)"
        rf"{{0,5}}?\W+(?:{SUBSTANCE}|{KETAMINE})\b",
    ),
    (
        "interaction.with",
        rf"\b(?:take|taking|took|use|using|drink|drinking|smoke|smoking|have|having|be on|"
        rf"stay on|continue|keep taking|get|getting|do|doing|receive)\b(?:\W+[\w']+){{0,3}}?"
        rf"\W+(?:{SUBSTANCE}|{KETAMINE})(?:\W+[\w']+){{0,3}}?\W+(?:with|while|while on|"
        rf"while taking|while i'm on|while i am on|and|plus|before|after|during|on top of|"
        rf"alongside|if i(?:'m| am) on|if i take|on the (?:same )?day of|the day (?:of|before|"
        rf"after)|same day as|around)\W+(?:\w+\W+){{0,2}}?(?:{SUBSTANCE}|{KETAMINE})\b",
    ),
    (
        "interaction.while_on",
        rf"\b(?:i'm|i am|i've been|i have been|i|currently|we're|he's|she's|(?:has|have|put|"
        rf"keeps?) (?:me|us)) (?:on|take|taking|use|using|prescribed|drinking|smoking)(?: \w+)? "
        rf"{SUBSTANCE}\b(?:\W+[\w']+){{0,12}}?\W+{KETAMINE}\b|\b{KETAMINE}\b(?:\W+[\w']+)"
        rf"{{0,12}}?\W+(?:(?:i'm|i am|i've been|i|while i'm|while i am) (?:on|taking|using|"
        rf"prescribed)|if i (?:take|use)) (?:\w+ )?{SUBSTANCE}\b",
    ),
    (
        "interaction.timing",
        rf"\b(?:after|before|during) (?:my |an |the |a |your )?{KETAMINE}\b(?:\W+[\w']+){{0,4}}?"
        rf"\W+(?:can|should|may|could|do) (?:i|we) (?:\w+ )?(?:take|drink|use|have|smoke|"
        rf"resume|restart|start|stop)\b",
    ),
    (
        "interaction.around_treatment",
        rf"\b(?:can|could|may|should) (?:i|we) (?:\w+ )?(?:take|drink|smoke|use|have|do) "
        rf"(?:\w+ )?{SUBSTANCE}\b(?:\W+[\w']+){{0,2}}?\W+(?:before|after|the (?:night|day|"
        rf"morning) (?:before|after|of)|the same day|on the day|while)\b",
    ),
    (
        "interaction.safe_with",
        rf"\b(?:safe|ok|okay|fine|dangerous|bad|risky) (?:to (?:take|use|mix|have|get|drink) )?"
        rf"(?:\w+ ){{0,3}}?(?:with|while on|while taking|after|before|alongside) {SUBSTANCE}\b",
    ),
    (
        "medication.change",
        rf"\b(?:(?:should|can|could|may|must|do) (?:i|we|he|she|my \w+)|am i allowed to|is it "
        rf"(?:ok|okay|safe|fine) (?:for me )?to) (?:\w+ )?(?:to )?(?:stop|quit|"
        rf"come off|get off|go off|wean off|taper|taper off|discontinue|switch|change|replace|"
        rf"cut back on|cut down on|reduce|lower|increase|pause|hold|skip|keep taking|"
        rf"continue|stay on)\b(?: (?:taking|using))?(?:\W+[\w']+){{0,4}}?\W+{MEDICINE}\b",
    ),
    (
        "medication.stop_statement",
        rf"\b(?:i|we) (?:want|need|plan|am going|'m going|would like|'d like|am thinking of|"
        rf"'m thinking of|am thinking about|'m thinking about) (?:to )?(?:stop|stopping|quit|"
        rf"quitting|come off|coming off|get off|getting off|wean|weaning|taper|tapering|"
        rf"switch|switching|change|changing)\b(?:\W+[\w']+){{0,3}}?\W+{MEDICINE}\b",
    ),
    (
        "decision.should_i",
        r"\bshould (?:i|we|he|she|my \w+) (?:\w+ )?(?:take|try|get|start|stop|use|go with|"
        r"choose|pick|switch|continue|keep|quit|skip|avoid|be (?:taking|on)|increase|decrease|"
        r"combine|mix|consider|go for|opt for|do ketamine|do tms|do spravato)\b",
    ),
    (
        "decision.right_for_me",
        r"\b(?:is|would|will|are) (?:ketamine|esketamine|spravato|tms|an? (?:infusion|ketamine "
        r"infusion)|infusions|this|it|this treatment|the treatment|infusion therapy|ketamine "
        r"therapy|ketamine infusions?) (?:be |really )?(?:right|good|safe|ok|okay|appropriate|"
        r"suitable|a good (?:idea|choice|option|fit)|the (?:best|right) (?:option|choice)|best|"
        r"worth it|dangerous|bad|too risky|risky|effective) for (?:me|my|him|her|someone like "
        r"me|people like me|my \w+)\b|\b(?:am i|is my \w+|would i be) (?:a )?(?:good |suitable |"
        r"right )?(?:candidate|eligible|a fit)\b|\b(?:right|suitable|appropriate|safe|a good "
        r"(?:idea|choice|option|fit)|the (?:best|right) (?:option|choice)|worth it) for (?:me|"
        r"someone like me|people like me)\W*$",
    ),
    (
        "decision.condition",
        rf"\b{CONDITION}\b(?:\W+[\w']+){{0,10}}?\W+(?:can|could|may|should|is it (?:safe|ok|"
        rf"okay)(?: for me)?(?: to)?) (?:i )?(?:still )?(?:get|have|do|try|start|take|receive|"
        rf"use|continue)\b|\b(?:can|could|may|should) i (?:still )?(?:get|have|do|try|start|"
        rf"take|receive|use|continue)\b(?:\W+[\w']+){{0,8}}?\W+(?:if|while|when|since|though|"
        rf"even though|with|as) (?:i'm |i am |i have |i've |i've got |i was |my )?(?:\w+ )?"
        rf"{CONDITION}\b|\b(?:i'm|i am|i have|i've got|i was diagnosed with|i've been diagnosed"
        rf" with) (?:\w+ )?{CONDITION}\b(?:\W+[\w']+){{0,10}}?\W+(?:is|are) (?:ketamine|"
        rf"esketamine|spravato|it|this|infusions?|tms) (?:safe|ok|okay|dangerous|risky|"
        rf"an option)\b",
    ),
    (
        "diagnosis.do_i_have",
        rf"\b(?:do|could|might|would|can) i (?:have|be having|be suffering from|suffer from|"
        rf"have got) (?:an? )?(?:\w+ )?{DIAGNOSIS}\b|"
        r"\b(?:what's|what is) wrong with (?:me|my|him|her)\b|\bwhat do i have\b|"
        r"\bdiagnose (?:me|my|him|her|this|it)\b|\bam i (?:depressed|bipolar|having (?:a )?"
        r"(?:migraine|panic attack|cluster headache|breakdown)|suffering from)\b|"
        r"\bis (?:this|my \w+) (?:a |an )?(?:migraine|cluster headache|tension headache|"
        r"sinus headache|depression|ptsd|anxiety|serious|something serious|dangerous)\b|"
        r"\bis it (?:a|an) (?:migraine|cluster headache|tension headache|sinus headache)\b|"
        r"\bis this normal\b|\bwhat (?:kind|type|sort) of (?:headache|migraine|depression|pain)"
        r" (?:do|does|is|am) (?:i|this|my|he|she)\b",
    ),
    # Requests that have nothing to do with the clinic.
    ("off_topic.joke", r"\bjokes?\b|\briddles?\b|\bknock knock\b|\bmake me laugh\b"),
    (
        "off_topic.creative",
        r"\b(?:write|compose|create|make up|generate|draft|sing|give me|tell me)(?: me| us)? "
        r"(?:a |an |some |the |another |my )?(?:\w+ ){0,2}?(?:poem|poems|haiku|limerick|song|"
        r"lyrics|rap|story|stories|essay|novel|screenplay|sonnet|tweet|blog post|cover letter|"
        r"resume|speech|bedtime story)\b",
    ),
    (
        "off_topic.code",
        r"\b(?:python|javascript|typescript|c\+\+|c#|html|css|sql|regex|powershell|golang|"
        r"java (?:code|program)|rust code)\b|\b(?:write|debug|fix|generate|review|explain)"
        r"(?: me)? (?:a |some |the |this |my )?(?:\w+ )?(?:code|program|function|algorithm)\b",
    ),
    (
        "off_topic.weather",
        r"\bweather (?:today|tomorrow|tonight|forecast|like (?:today|tomorrow|outside|in)|"
        r"in|outside|this week|now)\b|\bforecast\b|\b(?:is it|will it) (?:going to )?"
        r"(?:rain|snow|be sunny|be hot|be cold)\b|\b(?:what's|what is|how's|how is) the "
        r"weather\b",
    ),
    (
        "off_topic.sports",
        r"\b(?:nfl|nba|mlb|nhl|mls|fifa|super ?bowl|world cup|world series|premier league|"
        r"champions league|playoffs?|touchdown|who won|final score|score of the (?:\w+ )?"
        r"(?:game|match)|"
        r"fantasy football)\b|\b(?:game|match) (?:last night|tonight|today|score)\b",
    ),
    (
        "off_topic.homework",
        r"\b(?:homework|my assignment|my essay|math problem|solve for|calculus|algebra|"
        r"quiz me|my thesis)\b|\bwhat(?:'s| is) \d+ ?(?:[-+*/x]|plus|minus|times|divided by) "
        r"?\d+",
    ),
    (
        "off_topic.trivia",
        r"\b(?:capital (?:city )?of|who (?:is|was) the (?:president|prime minister|king|queen)|"
        r"meaning of life|tallest (?:building|mountain)|population of|how far is the moon|"
        r"who invented)\b",
    ),
    (
        "off_topic.other_business",
        r"\b(?:order (?:a |some |me a )?(?:pizza|food|takeout|uber|taxi|lyft)|pizza|recipes?|"
        r"book (?:a |me a )?(?:flight|hotel|table|uber|taxi|car)|movie (?:tickets|times|"
        r"recommendations?)|stock (?:price|prices|market|tips?)|bitcoin|crypto\w*|lottery|"
        r"car insurance|mortgage|amazon order|dating advice|horoscope|zodiac)\b",
    ),
)

# Refusal categories that stand down when the message matches: a question pairing the clinic's
# treatment with a non-drug therapy, naming no substance, is a service question (answered from
# the pages or a fallback), not a drug interaction. A named substance keeps the refusal.
REFUSAL_EXCEPTIONS: dict[str, str] = {
    "interaction": rf"^(?!.*\b{SUBSTANCE}\b).*\b{NON_DRUG_THERAPY}\b",
}

"""The attributes of a CASUALTY span: how many people, how the count is bounded, what happened.

`parse_count` reads (count, qualifier) from a count phrase, `parse_status` reads killed / injured
from the words near a span, and `casualty_attributes` does both for a span of a document. The
Extractor calls `casualty_attributes` on every predicted CASUALTY span; the rule labeller
(`newsie.rules`) builds its casualty pattern from `COUNT_PATTERN`, so both read counts alike.

Choices the annotation guidelines leave open:

- "a dozen" is 12 and "a couple" is 2, both `approximately`: reporters use them as round numbers.
- A range ("10 to 15", "10-15", "between 10 and 15", "10 or 12") gives its lower end, `at_least`;
  an explicit qualifier wins ("about 10-15" is 10 `approximately`; "up to 10-15" is 15 `at_most`).
- A count that is not a whole number ("1.5 people") and a phrase with no count at all ("the
  victims") give None; a None count is never `exact`, so such phrases read `approximately`.
- A lone article counts one: "a man" is (1, "exact"); ages are not counts ("a 45-year-old man"),
  but an age that ends the phrase is its noun ("the 23-year-old" is one person).
  So does a singular definite phrase ("the British soldier", "another") and a person's name
  ("Daniel Lazcano"): the guidelines' single victims. Plurals and groups ("the victims", "the
  crew", "Palestinians") have no count.
- "12.000" is twelve thousand (European grouping: no one counts 12.0 people), while "1.200 million"
  is 1.2 million, because a scale word after it makes the dot a decimal point.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import NamedTuple

from newsie.text.lexicon import alternation, is_name, phrases
from newsie.text.sentences import CLAUSE_BREAK, sentence_window

# --- counts -------------------------------------------------------------------------------------

QUALIFIER_PHRASES: dict[str, str] = {
    "at least": "at_least", "more than": "at_least", "over": "at_least", "upwards of": "at_least",
    "in excess of": "at_least", "no fewer than": "at_least", "no less than": "at_least",
    "not less than": "at_least", "a minimum of": "at_least", "just over": "at_least",
    "up to": "at_most", "fewer than": "at_most", "less than": "at_most", "at most": "at_most",
    "no more than": "at_most", "not more than": "at_most", "under": "at_most",
    "just under": "at_most", "a maximum of": "at_most", "as many as": "at_most",
    "about": "approximately", "nearly": "approximately", "almost": "approximately",
    "some": "approximately", "around": "approximately", "roughly": "approximately",
    "an estimated": "approximately", "estimated": "approximately",
    "approximately": "approximately", "close to": "approximately",
}

NUMBER_WORDS: dict[str, int] = {
    word: value for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split())
} | {word: 10 * k for k, word in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)} | {"both": 2}

# Words that multiply what precedes them ("two hundred", "a dozen"); the round ones (dozen,
# couple) make the count approximate.
MULTIPLIERS: dict[str, int] = {"hundred": 100, "dozen": 12, "couple": 2}
ROUND_MULTIPLIERS = frozenset({"dozen", "couple"})
# Words that close a group ("three thousand two hundred"); k/m/bn only as digit suffixes ("1.2m").
SCALES: dict[str, int] = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
SUFFIXES: dict[str, int] = {"k": 10**3, "m": 10**6, "mn": 10**6, "bn": 10**9}

# Quantities that give no exact number; multi-word ones first so the longest wins.
VAGUE_QUANTITIES = (
    "tens of thousands", "hundreds of thousands", "tens of millions", "hundreds of millions",
    "dozens", "scores", "hundreds", "thousands", "millions", "several", "many", "numerous",
    "countless", "a few", "a handful", "an unknown number", "a large number", "a number",
    "large numbers", "a lot", "lots", "multiple",
)

# No casualty count comes near this; it also keeps absurd inputs from building huge numbers.
_MAX_COUNT = 10**12
_MAX_DIGITS = 15


_GROUPED_DIGITS = r"[0-9]{1,3}(?:[,.\u00a0\u202f\u2009 ][0-9]{3})+"
_DIGITS = (rf"(?<![\w.,])(?:{_GROUPED_DIGITS}|[0-9]+(?:[.,][0-9]+)?)"
           rf"(?:{alternation(SUFFIXES)})?(?!\w)")
_SCALE_WORD = rf"\b(?:{alternation([*MULTIPLIERS, *SCALES])})\b"
NUMBER_WORD = rf"\b(?:{alternation([*NUMBER_WORDS, *MULTIPLIERS, *SCALES])})\b"
# "and" joins number words only after a scale: "two hundred and five", not "two and three".
_WORD_JOIN = (r"(?:\s+|-|(?:(?<=hundred)|(?<=thousand)|(?<=million)|(?<=billion))"
              r"\s+and\s+)")
_NUMBER = (
    rf"(?:{_DIGITS}(?:[\s-]+{_SCALE_WORD})*"
    rf"|(?:(?:\bhalf\s+)?\ban?\s+(?={_SCALE_WORD}))?{NUMBER_WORD}(?:{_WORD_JOIN}{NUMBER_WORD})*)"
)

COUNT_PATTERN = (
    rf"(?:(?P<qualifier>\b(?:{alternation(QUALIFIER_PHRASES)}))\s+)?"
    rf"(?:(?P<vague>\b(?:{alternation(VAGUE_QUANTITIES)})\b)"
    rf"|\bbetween\s+(?P<low>{_NUMBER})\s+and\s+(?P<high>{_NUMBER})"
    rf"|(?P<number>{_NUMBER})(?:\s*(?:-|–|—|\bto\b|\bor\b)\s*(?P<upper>{_NUMBER}))?)"
)
"""A regex (use it with re.IGNORECASE) for a count with its qualifier: "at least 12",
"two hundred and forty-five", "between 10 and 15", "1.2 million", "dozens"."""

_COUNT_RE = re.compile(COUNT_PATTERN, re.IGNORECASE)
_TOKEN_RE = re.compile(rf"{_GROUPED_DIGITS}|[0-9]+(?:[.,][0-9]+)?|[a-z]+", re.IGNORECASE)
_AGE_RE = re.compile(
    r"\b[\w.]+(?:-|\s+)(?:year|month|week|day)s?(?:-|\s+)old\b|\baged\s+[0-9]+", re.IGNORECASE)
# An age that ends the phrase is its noun: "the 23-year-old" is one person.
_AGE_NOUN_RE = re.compile(r"\b[\w.]+-(?:year|month|week|day)-old\W*$", re.IGNORECASE)
_ARTICLE_RE = re.compile(r"\ban?\b", re.IGNORECASE)


def parse_count(phrase: str) -> tuple[int | None, str]:
    """(count, qualifier) of a count phrase: "at least 12 people" -> (12, "at_least").

    The first count in the phrase is read ("eight of them children" -> 8); the qualifier is one of
    newsie.schema.CASUALTY_QUALIFIERS. Never raises on a string.
    """
    if not isinstance(phrase, str):
        raise TypeError(f"parse_count expects a str, got {type(phrase).__name__}")
    phrase = _AGE_OF_RE.sub(r"\g<noun>", _AGE_RE.sub(" ", _AGE_NOUN_RE.sub("person", phrase)))
    match = _COUNT_RE.search(phrase)
    if match is None:
        one = _ARTICLE_RE.search(phrase) or _names_one_person(phrase)
        return (1, "exact") if one else (None, "approximately")
    qualifier = match["qualifier"]
    explicit = QUALIFIER_PHRASES[" ".join(qualifier.lower().split())] if qualifier else None
    if match["vague"]:
        return None, explicit or "approximately"
    if match["low"]:
        (count, round_low), (high, _) = _number_value(match["low"]), _number_value(match["high"])
    else:
        count, round_low = _number_value(match["number"])
        high = _number_value(match["upper"])[0] if match["upper"] else None
    ranged = match["low"] is not None or match["upper"] is not None
    if ranged and explicit == "at_most":
        count = high
    if explicit:
        return count, explicit
    if ranged:
        return count, "at_least"
    return count, "approximately" if round_low or count is None else "exact"


# Openers of a phrase about one person, and nouns that name a group although they are singular.
_SINGULAR_OPENERS = frozenset(
    "the this that another his her its their our my your whose".split())
_GROUP_NOUNS = frozenset(
    "people men women children police dead injured wounded others family families crew staff "
    "personnel military public population crowd group team army forces everyone all".split())


def _names_one_person(phrase: str) -> bool:
    """Whether a count-free phrase is about one person: "the woman", "another", "Kemar Lewis"."""
    words = re.findall(r"[^\W\d_][\w'’.-]*", phrase)
    if not words:
        return False
    last = words[-1].lower().rstrip(".")
    if len(words) > 1 and words[0].lower() not in _SINGULAR_OPENERS and last not in _GROUP_NOUNS \
            and is_name(words):
        return True  # a personal name, whose last word may end in s: "Kail Miramontes"
    if last in _GROUP_NOUNS or (last.endswith("s") and not last.endswith(("ss", "us", "is"))):
        return False
    if words[0].lower() in _SINGULAR_OPENERS:  # with a noun after it, but "another" alone
        return len(words) > 1 or last == "another"
    return is_name(words)


def _number_value(expression: str) -> tuple[int | None, bool]:
    """The whole number an expression names and whether it is a round figure ("a dozen").

    Standard left-to-right reading: a multiplier scales the running group, a scale word closes it
    into the total ("three thousand two hundred" = 3 * 1000 + 2 * 100).
    """
    tokens = [t.lower() for t in _TOKEN_RE.findall(expression)]
    # ints, exact and several times faster than Fractions; a Fraction only where a value has a
    # fraction ("half", "1.5")
    total = current = 0
    factor: int | Fraction = 1
    round_figure = False
    for i, token in enumerate(tokens):
        if token == "and":
            continue
        if token == "half":
            factor = Fraction(1, 2)
        elif token in ("a", "an"):
            current = current or 1
        elif token in NUMBER_WORDS:
            current += NUMBER_WORDS[token]
        elif token in MULTIPLIERS:
            current = (current or 1) * MULTIPLIERS[token]
            round_figure |= token in ROUND_MULTIPLIERS
        elif token in SCALES or token in SUFFIXES:
            total += (current or 1) * (SCALES.get(token) or SUFFIXES[token])
            current = 0
        else:
            scaled = i + 1 < len(tokens) and tokens[i + 1] in {*MULTIPLIERS, *SCALES, *SUFFIXES}
            value = _digits_value(token, scaled)
            if value is None:
                return None, round_figure
            current += value
        if max(total, current) > _MAX_COUNT:
            return None, round_figure
    value = (total + current) * factor
    return (int(value) if value.denominator == 1 else None), round_figure


def _digits_value(digits: str, scaled: bool) -> int | Fraction | None:
    """"45,000" -> 45000, "1 200" -> 1200, "12.000" -> 12000, "1.2" -> 6/5, "1,5" -> 3/2."""
    digits = re.sub(r"[\s\u00a0\u202f\u2009]", "", digits)
    if sum(c.isdigit() for c in digits) > _MAX_DIGITS:
        return None
    decimal_point = scaled and re.fullmatch(r"[0-9]+\.[0-9]{3}", digits)
    if re.fullmatch(_GROUPED_DIGITS, digits) and not decimal_point:
        return int(re.sub(r"[,.]", "", digits))
    return int(digits) if digits.isdecimal() else Fraction(digits.replace(",", "."))


# --- status -------------------------------------------------------------------------------------

# Where a wound is ("shot in the leg"); not the head, which may as well be fatal.
_BODY_PART = (r"(?:legs?|arms?|thighs?|shoulders?|chest|back|stomach|abdomen|foot|feet|hands?|"
              r"neck|face|knees?|hips?|eyes?|limbs?|buttocks)")

STATUS_CUES: dict[str, tuple[str, ...]] = {
    "killed": (
        r"kill(?:s|ed|ing|ings)?", r"di(?:e|ed|es)", r"dying", r"dead", r"deaths?", r"tolls?",
        r"lives", r"bod(?:y|ies)", r"corpses?", r"remains", r"fatalit(?:y|ies)",
        r"fatally", r"perish(?:ed|es|ing)?", r"drown(?:ed|s|ing)?", r"slain", r"slaughter(?:ed|s)?",
        r"massacred?", r"executed", r"(?<!attempted\s)murder(?:ed|s|ing)?", r"assassinated",
        r"beheaded", r"deceased", r"missing,?\s+(?:and\s+)?presumed\s+dead",
        r"did\s+not\s+survive", r"buried", r"funerals?", r"graves",
        r"eliminated", r"neutrali[sz]ed",
    ),
    "injured": (
        r"injur(?:e|ed|es|ing|y|ies)", r"wound(?:s|ed|ing)?", r"hurt", r"maimed",
        r"hospitali[sz](?:ed|ation)", r"(?:admitted|taken|rushed|airlifted|brought)\s+to\s+"
        r"(?:a\s+|the\s+)?hospitals?", r"treated\s+for\s+(?:\w+\s+)?(?:injur|wound|burn)\w*",
        r"being\s+treated", r"suffered", r"(?:serious|critical|stable)\s+condition",
        r"stabbed(?!\s+to\s+death)", r"beaten(?!\s+to\s+death)",
        r"treat(?:ed|ing)\s+(?:at|in)", r"treating", r"flown\s+to\s+(?:a\s+|the\s+)?hospitals?",
        r"in\s+(?:a\s+|the\s+)?hospitals?",
        rf"(?:shot|hit|struck)\s+in\s+the\s+{_BODY_PART}",
        rf"lost\s+(?:(?:a|an|one|both|his|her|their)\s+)?{_BODY_PART}",
        r"broke\s+(?:his|her|their)", r"fractured?", r"cut\s+by",
    ),
}
"""Words that say what happened to the people of a CASUALTY span, by status ("attempted
murder" says no one died)."""

OTHER_GROUP_CUES = (
    r"refugees?", r"displaced", r"evacuat(?:ed|ion|ees?)", r"arrest(?:ed|s)?",
    r"detain(?:ed|ees?)", r"missing", r"kidnapp(?:ed|ing)", r"abduct(?:ed|ing)", r"captured",
    r"held", r"trapped", r"sav(?:e|ed|es|ing)\s+(?:[\w-]+\s+){0,3}?lives",
    r"lost\s+(?:their|his|her|its)\s+(?:homes?|houses?|jobs?|livelihoods?|belongings)",
    r"fled", r"fleeing", r"homeless", r"affected", r"stranded", r"employ(?:s|ed)", r"hired",
    r"attended", r"vot(?:e|ed|es|ers)", r"elected", r"sentenced", r"charged", r"jailed",
    r"convicted", r"deported", r"deployed", r"stationed", r"trained", r"recruited",
    r"surrendered", r"defected", r"gathered", r"marched", r"rallied", r"protested", r"unhurt",
    r"unharmed", r"unscathed", r"none\s+of", r"no[\s-]one", r"nobody", r"infected",
)
"""Words that make a counted group something other than casualties (refugees, arrests, ...):
where one describes a span better than any status cue, its status is "unknown"."""
SURVIVAL_CUES = (r"freed", r"released", r"rescued", r"alive", r"survived", r"survivors",
                 r"escaped")
"""Words for people who came out alive: not killed, but perhaps injured ("rescued with
injuries"), so they leave the status to the injury cues."""
NON_CASUALTY_CUES = OTHER_GROUP_CUES + SURVIVAL_CUES
"""What the rule labeller takes to say a counted group is no casualty."""

def cue_patterns(cues: Mapping[str, tuple[str, ...]]) -> dict[str, re.Pattern]:
    """Compile a {label: regex alternatives} table into one word-bounded pattern per label."""
    return {label: re.compile(rf"\b(?:{'|'.join(alts)})\b", re.IGNORECASE)
            for label, alts in cues.items()}


STATUS_PATTERNS = cue_patterns(STATUS_CUES)
_STATUS_OR_NOT = cue_patterns({**STATUS_CUES, "unknown": OTHER_GROUP_CUES})
_SURVIVAL_PATTERN = cue_patterns({"survived": SURVIVAL_CUES})["survived"]
# Only auxiliaries and adverbs between a span and a cue after it: the cue is the span's own
# predicate ("30 others were missing"), which beats a nearer cue of the clause before.
PREDICATE_GAP = re.compile(
    r"(?:,[^,.;:\"“”\n]{1,40},)?"  # an apposition: "[two teenagers], aged 14 and 16, wounded"
    r"\s*(?:,?\s*(?:who|whom|that)\s+)?"
    r"(?:(?:were|was|are|is|have|has|had|been|being|later|also|all|both|still|reportedly|"
    r"allegedly|seriously|critically|slightly|badly|fatally|lightly|severely|"
    r"(?:shot|stabbed|beaten|hit)\s+and)\s+)*",
    re.IGNORECASE)

_NEGATED_CASUALTY = re.compile(
    r"\s*(?:(?:was|were|is|are|has|have|had)n[’']t|not|never)\s+(?:been\s+)?"
    r"(?:hurt|injured|wounded|harmed|killed)\b", re.IGNORECASE)


class Cue(NamedTuple):
    """A cue found near a span; offsets are into the context searched."""

    label: str
    start: int
    end: int
    distance: int  # characters between cue and span; 0 when the cue is inside the span
    across_clause: bool  # whether a CLAUSE_BREAK lies between cue and span


def nearest_cue(
    context: str, start: int, end: int, patterns: Mapping[str, re.Pattern]
) -> Cue | None:
    """The cue that best describes context[start:end], or None when there is none.

    Cues in the span's own clause come first, then the closest; a tie goes to the cue that starts
    first, then to the longer, so that a cue such as "saved the lives" beats the "lives" it
    contains. A participle after the span ("killing two and [wounding] five") takes the words
    after it as its object, so it ranks after the cues across a clause; a cue that is the span's
    own predicate ("[30 others] were missing", "[two men] who were shot") ranks as if it were
    inside the span.
    """
    best: tuple[tuple, Cue] | None = None
    for label, pattern in patterns.items():
        for match in pattern.finditer(context):
            lo, hi = (match.end(), start) if match.end() <= start else (end, match.start())
            across = lo < hi and CLAUSE_BREAK.search(context, lo, hi) is not None
            cue = Cue(label, match.start(), match.end(), max(hi - lo, 0), across)
            after = match.start() >= end
            participle = after and match.group().lower().endswith("ing")
            predicate = after and PREDICATE_GAP.fullmatch(context, end, match.start()) is not None
            if predicate:
                key = (0, 0, cue.start, cue.start - cue.end)
            else:
                key = (2 if participle else int(across), cue.distance, cue.start,
                       cue.start - cue.end)
            if best is None or key < best[0]:
                best = (key, cue)
    return None if best is None else best[1]


def parse_status(context: str, start: int = 0, end: int | None = None) -> str:
    """"killed", "injured" or "unknown": the status cue that best describes context[start:end].

    Without a span position the whole context is the span, and the first cue wins.
    """
    end = len(context) if end is None else end
    cue = nearest_cue(context, start, end, _STATUS_OR_NOT)
    # "[35] were rescued": people whose own predicate says they came out alive are no casualties,
    # unless an injury is named after it ("rescued with injuries").
    predicate = PREDICATE_GAP.match(context, end).end()
    if _NEGATED_CASUALTY.match(context, predicate):  # "[The van's driver] was not hurt"
        return "unknown"
    survived = _SURVIVAL_PATTERN.match(context, predicate)
    if survived and not (cue and cue.label == "injured" and cue.start > survived.start()):
        return "unknown"
    return "unknown" if cue is None else cue.label


# --- casualty phrases ------------------------------------------------------------------------

CASUALTY_HEADS = phrases(
    "people,persons,civilians,soldiers,troops,servicemen,children,kids,babies,infants,women,men,"
    "boys,girls,teenagers,protesters,demonstrators,policemen,police,officers,militants,fighters,"
    "rebels,insurgents,gunmen,members,residents,villagers,pilgrims,worshippers,students,passengers,"
    "workers,journalists,guards,hostages,prisoners,inmates,traders,staff,relatives,lives,dead,"
    "deaths,fatalities,wounded,injured,victims,bodies,corpses,casualties,individuals,citizens,"
    "tourists,miners,farmers,shoppers,spectators,crew,sailors,pilots,peacekeepers,personnel,others,"
    "neighbours,neighbors,pupils,firefighters,drivers,guests,mourners,attendees,passers-by,"
    "bystanders,onlookers,pedestrians,motorists"
)
SINGULAR_CASUALTY_HEADS = phrases(  # counted by "a", "an", "one": "a man", "one soldier"
    "person,civilian,soldier,serviceman,child,kid,baby,infant,woman,man,boy,girl,teenager,"
    "protester,policeman,officer,militant,fighter,rebel,student,passenger,worker,journalist,guard,"
    "pupil,firefighter,driver,resident,pedestrian,trader"
)
# Heads that also modify another head ("police officers", "rebel fighters", "wounded soldiers").
MODIFIER_HEADS = {"police", "rebel", "civilian", "child", "wounded", "injured", "student"}
ALL_CASUALTY_HEADS = CASUALTY_HEADS + SINGULAR_CASUALTY_HEADS
CASUALTY_STOPS = phrases(
    "of,and,or,but,nor,the,to,in,on,at,by,for,from,with,as,than,that,which,who,whom,whose,were,was,"
    "is,are,be,been,being,had,has,have,will,would,could,should,may,might,must,said,says,per,percent,"
    "cent,year,years,month,months,week,weeks,day,days,hour,hours,minute,minutes,times,ago,later,"
    "earlier,after,before,since,during,when,while,where,including,among,mostly,mainly,all,both,"
    "into,onto,upon,over,under,through,across,against,near,outside,inside,about,off,out,up,down,"
    "via,toward,towards,around,shot"
) + tuple(NUMBER_WORDS)
_NONMODIFIER_HEADS = tuple(h for h in ALL_CASUALTY_HEADS if h not in MODIFIER_HEADS)
GAP = r"[^\S\n]+"  # words of one phrase never sit on two lines
# The words a count phrase can start with (COUNT_PATTERN's first words, and the article).
FIRST_WORDS = frozenset(
    phrase.split()[0]
    for phrase in (*QUALIFIER_PHRASES, *VAGUE_QUANTITIES, *NUMBER_WORDS, *MULTIPLIERS, *SCALES,
                   "between", "half", "a", "an")
)
# Characters other than a letter's two cases that match it case-insensitively (re.IGNORECASE
# folds these four onto ASCII letters; a test checks that there are no others).
_CASE_FOLDED = "\u0130\u0131\u017f\u212a"


def first_word_filter(words: Iterable[str]) -> str:
    """A regex that matches, case-insensitively, where one of `words` (then a word boundary) or
    a digit starts. Words are grouped by first letter, each group behind a case-sensitive class
    of the characters that letter matches: the regex engine skips a branch that starts with a
    plain class without entering it, so a word start tries one group, not every word."""
    by_letter: dict[str, list[str]] = {}
    for word in words:
        by_letter.setdefault(word[0].lower(), []).append(word[1:])
    groups = []
    for letter, rests in sorted(by_letter.items()):
        cases = "".join(c for c in letter + letter.upper() + _CASE_FOLDED
                        if re.fullmatch(re.escape(letter), c, re.IGNORECASE))
        optional = "?" if "" in rests else ""
        groups.append(rf"(?-i:[{cases}])(?:{alternation(r for r in rests if r)}){optional}\b")
    return "|".join(["[0-9]", *groups])


# A count, "of them" or "of the", up to three modifiers ("U.S.", "aid", "wounded"), a head noun.
PHRASE_BODY = (
    rf"(?:{COUNT_PATTERN}|(?P<article>\ban?\b))"
    rf"(?:{GAP}of(?:{GAP}(?:the|them|those|these|whom|its|their))?)?"
    rf"(?:{GAP}(?!(?:{alternation(CASUALTY_STOPS + _NONMODIFIER_HEADS)})\b)"
    r"(?:(?:[a-z]\.){2,}|[a-z][\w'’-]*)){0,3}"
    rf"{GAP}(?P<head>(?:{alternation(ALL_CASUALTY_HEADS)})\b|(?-i:[A-Z][a-z]{{2,}}(?:ians|ans|is|ites))\b)"
)
# Every phrase starts a word, and with one of FIRST_WORDS or a digit: saying so first lets other
# positions fail at once (the same matches; 1.7 times as fast over whole texts as trying every
# word start, itself 1.8 times as fast as trying every position).
CASUALTY_PHRASE = re.compile(
    rf"(?<!\w)(?={first_word_filter(FIRST_WORDS)}){PHRASE_BODY}", re.IGNORECASE)
# An age after a single victim closes the phrase: "a boy of 10" is one boy.
_AGE_OF_RE = re.compile(
    rf"\b(?P<noun>{alternation(SINGULAR_CASUALTY_HEADS)})\s+of\s+[0-9]{{1,3}}\s*$", re.IGNORECASE)
_YEAR = re.compile(r"(?:1[89]|20)[0-9]{2}")
_UNCOUNTED = {"many"}  # "many more people die at home": not a count of this event's casualties


def is_countable(match: re.Match) -> bool:
    """Whether a matched count names a number of people: not a year, not "many"."""
    if match["vague"]:
        return match["vague"].lower() not in _UNCOUNTED
    return not (match["number"] and not match["qualifier"] and _YEAR.fullmatch(match["number"]))


def casualty_phrases(text: str) -> list[tuple[int, int]]:
    """Count phrases with their head noun ("at least 12 people", "eight of them children"), in
    any context: the boundaries a CASUALTY span snaps to once a model has decided it is one."""
    return [m.span() for m in CASUALTY_PHRASE.finditer(text) if is_countable(m)]


# --- spans of a document ------------------------------------------------------------------------

def casualty_attributes(text: str, start: int, end: int) -> dict:
    """{"count", "qualifier", "status"} of the CASUALTY span text[start:end].

    The count comes from the span; the status from the span and its sentence, at most 120
    characters either side.
    """
    if not isinstance(text, str):
        raise TypeError(f"casualty_attributes expects a str text, got {type(text).__name__}")
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span {start}:{end} is empty or lies outside the text "
                         f"(length {len(text)})")
    count, qualifier = parse_count(text[start:end])
    lo, hi = sentence_window(text, start, end)
    status = parse_status(text[lo:hi], start - lo, end - lo)
    return {"count": count, "qualifier": qualifier, "status": status}

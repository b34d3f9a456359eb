"""Rule-based labellers: silver QUOTE and CASUALTY layers, and a rules-only baseline system.

- `add_silver_layers(doc)` fills in the layers a corpus does not annotate (re3d and GUM have no
  CASUALTY, re3d has no QUOTE) with rule-found spans marked `attrs["silver"] = True`; the layers
  a document annotates (gold) are never touched.
- `RuleExtractor` has the Extractor's interface (`extractor(text)`, `extractor.pipe(texts)`) and
  labels every type, so it serves as a baseline.

The rules aim at precision, not recall: silver layers become training data, where a wrong span
does more harm than a missed one. Span finders are registered by span type in `SPAN_FINDERS` and
relation linkers by relation type in `RELATION_LINKERS`; both the extractor and the silver
labeller are driven by these two registries.
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence

from newsie.casualty import (
    COUNT_PATTERN,
    NUMBER_WORDS,
    STATUS_CUES,
    casualty_attributes,
    cue_patterns,
    nearest_cue,
    sentence_window,
)
from newsie.data import Annotated, Document, Relation, Span
from newsie.schema import DEFAULT_SCHEMA

SpanFinder = Callable[[str], list[Span]]
RelationLinker = Callable[[str, Sequence[Span], Sequence[Span]], list[Relation]]

SPAN_FINDERS: dict[str, SpanFinder] = {}
"""Span type -> function finding spans of that type in a text."""
RELATION_LINKERS: dict[str, RelationLinker] = {}
"""Relation type -> function(text, head spans, tail spans) returning relations."""

SILVER_SPAN_TYPES = ("QUOTE", "CASUALTY")
"""The span types whose rules are precise enough for training data; ACTOR and LOCATION rules only
serve the baseline."""


def span_finder(label: str) -> Callable[[SpanFinder], SpanFinder]:
    def register(func: SpanFinder) -> SpanFinder:
        SPAN_FINDERS[label] = func
        return func
    return register


def relation_linker(name: str) -> Callable[[RelationLinker], RelationLinker]:
    def register(func: RelationLinker) -> RelationLinker:
        RELATION_LINKERS[name] = func
        return func
    return register


def _phrases(listing: str) -> tuple[str, ...]:
    """ "said,according to" -> ("said", "according to")."""
    return tuple(p.strip() for p in listing.split(",") if p.strip())


def _words(phrases: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any run of whitespace."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)


# --- vocabulary ---------------------------------------------------------------------------------

REPORTING_VERBS = _phrases(
    "said,says,say,saying,told,tells,telling,added,adds,adding,stated,declared,insisted,explained,"
    "warned,noted,asked,replied,announced,claimed,wrote,writes,urged,stressed,described,called,"
    "accused,quoted,according to,commented,argued,admitted,acknowledged,confirmed,denied,recalled,"
    "vowed,pledged,demanded,reported,tweeted,posted,continued,concluded,promised,threatened,"
    "complained,conceded,predicted,responded,remarked,observed,cautioned,suggested"
)
ATTACK_VERBS = _phrases(
    "killed,killing,kills,shot,shelled,shelling,bombed,bombing,attacked,attacking,struck,striking,"
    "hit,massacred,executed,ambushed,gunned down,slaughtered,murdered,wounded,wounding,injured,"
    "injuring,opened fire on,fired on,stormed,raided,targeted,beheaded,stabbed,blew up,bombarded,"
    "pounded"
)
PASSIVE_ATTACK_VERBS = _phrases(
    "killed,shot,shot dead,wounded,injured,murdered,executed,massacred,attacked,targeted,"
    "gunned down,slain,stabbed,beheaded,hit,struck"
)
ATTACK_NOUNS = _phrases(
    "attack,attacks,strike,strikes,airstrike,airstrikes,air strike,air strikes,raid,raids,"
    "air raid,air raids,shelling,bombing,bombings,bombardment,ambush,offensive,fire,assault"
)
NOMINAL_ACTORS = _phrases(
    "rebels,militants,insurgents,army,troops,forces,police,government,regime,gunmen,jihadists,"
    "militia,militias,militiamen,military,authorities,ministry,opposition,attackers,assailants,"
    "bombers,terrorists"
)
NOMINAL_MODIFIERS = _phrases(  # actors named by a modifier of an attack: "government air raids"
    "government,regime,army,rebel,militant,insurgent,military,police,coalition,jihadist,opposition"
)
ACTOR_MODIFIERS = _phrases(  # what follows a name in a force: "government forces", "regime jets"
    "forces,troops,soldiers,fighters,militants,warplanes,jets,aircraft,helicopters,drones,tanks,"
    "artillery,gunmen,militiamen,police,army"
)
CASUALTY_HEADS = _phrases(
    "people,persons,person,civilians,civilian,soldiers,soldier,troops,servicemen,serviceman,"
    "children,child,kids,babies,baby,infants,infant,women,woman,men,man,boys,boy,girls,girl,"
    "teenagers,teenager,protesters,protester,demonstrators,policemen,policeman,police,officers,"
    "officer,militants,militant,fighters,fighter,rebels,rebel,insurgents,gunmen,members,residents,"
    "villagers,pilgrims,worshippers,students,student,passengers,passenger,workers,worker,"
    "journalists,journalist,guards,hostages,prisoners,inmates,patients,staff,relatives,lives,dead,"
    "deaths,fatalities,wounded,injured,victims,bodies,corpses,casualties,individuals,citizens,"
    "tourists,miners,farmers,shoppers,spectators,crew,sailors,pilots,peacekeepers,personnel,others"
)
# Heads that also modify another head ("police officers", "rebel fighters", "wounded soldiers").
_MODIFIER_HEADS = {"police", "rebel", "civilian", "child", "wounded", "injured", "student"}
_CASUALTY_STOPS = _phrases(
    "of,and,or,but,nor,the,to,in,on,at,by,for,from,with,as,than,that,which,who,whom,whose,were,was,"
    "is,are,be,been,being,had,has,have,will,would,could,should,may,might,must,said,says,per,percent,"
    "cent,year,years,month,months,week,weeks,day,days,hour,hours,minute,minutes,times,ago,later,"
    "earlier,after,before,since,during,when,while,where,including,among,mostly,mainly,all,both"
)
NON_CASUALTY_CUES = (
    r"refugees?", r"displaced", r"evacuat(?:ed|ion|ees?)", r"arrest(?:ed|s)?",
    r"detain(?:ed|ees?)", r"missing", r"kidnapp(?:ed|ing)", r"abduct(?:ed|ing)", r"captured",
    r"held", r"freed", r"released", r"rescued", r"sav(?:e|ed|es|ing)\s+(?:the\s+)?lives",
    r"fled", r"fleeing", r"homeless", r"affected", r"stranded", r"employ(?:s|ed)", r"hired",
    r"attended", r"vot(?:e|ed|es|ers)", r"elected", r"sentenced", r"charged", r"jailed",
    r"convicted", r"deported", r"deployed", r"stationed", r"trained", r"recruited",
    r"surrendered", r"defected", r"gathered", r"marched", r"rallied", r"protested", r"survived",
    r"survivors", r"unhurt", r"unharmed", r"unscathed", r"escaped", r"none\s+of", r"no\s+one",
    r"nobody", r"infected",
)
"""Words that make a counted group something other than casualties (refugees, arrests, ...)."""
_CASUALTY_CUE_PATTERNS = cue_patterns({**STATUS_CUES, "excluded": NON_CASUALTY_CUES})
# A count of one ("a man", "one soldier") is a casualty only right beside its cue: "a soldier
# said 12 people were killed" must not make the soldier a casualty.
_SINGLE_CUE_DISTANCE = 20

_REPORTING_RE = re.compile(rf"\b(?:{_words(REPORTING_VERBS)})\b", re.IGNORECASE)
_ATTACK_RE = re.compile(rf"\b(?:{_words(ATTACK_VERBS)})\b", re.IGNORECASE)
_PRONOUN_RE = re.compile(r"\b(?:he|she|they|it)\b", re.IGNORECASE)
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:of|for|at|with|against|between|among|and|or|on|from|to|in|near|by|than)\s+"
    r"(?:the\s+)?$", re.IGNORECASE)
# Words that end a clause: an actor and a verb on either side of one are not subject and verb.
_CLAUSE_BREAK = re.compile(
    r"[;:\"“”]|\b(?:and|but|said|says|who|which|that|after|when|while|as|because|before|"
    r"although|whereas|if)\b", re.IGNORECASE)

# --- names: ACTOR and LOCATION candidates for the baseline ---------------------------------------

_WEEKDAYS_MONTHS = ("Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February "
                    "March April May June July August September October November December")
_NAME_STOPS = (
    "The A An But And Or Nor In On At After Before When While As If Since Until Meanwhile However "
    "Yesterday Today Tomorrow Tonight This That These Those It He She They We I You His Her Their "
    "Its Our My Your Earlier Later Also Still Then There Here What Who Why How Where Although "
    "Though Despite During For From To With Without By Of Under Over About Between Against Among "
    "Last Next Both Some Many Most Several All Each Every No Not Only Even Just Officials "
    "Witnesses Residents Sources Analysts Experts Observers Critics Reports Others "
    + _WEEKDAYS_MONTHS + " " + " ".join(word.capitalize() for word in NUMBER_WORDS)
).split()
_NAME_TOKEN = (
    rf"(?!(?:{'|'.join(_NAME_STOPS)})\b)"
    r"(?:(?:[A-Z]\.){2,}|(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sgt|Capt|Maj|Prof|Sen|Rep|Gov|Rev|St)\."
    r"|(?:al|el|ad|as|ash|ibn|bin|abu)-[A-Z]\w*|[A-Z]\w*(?:[-'’][A-Z]\w*)*)(?![\w-])"
)
_NAME_JOIN = (r"(?:[ \t]+(?:of(?:[ \t]+the)?|for|de|bin|ibn|al|el|van|von|der|du|da|la|le)[ \t]+"
              r"|[ \t]+)")
NAME = rf"{_NAME_TOKEN}(?:{_NAME_JOIN}{_NAME_TOKEN})*"
"""A capitalised name: "Ahmed Moaz al-Khatib", "Syrian Observatory for Human Rights", "U.S."."""

# Titles and role words before a name are not part of an ACTOR ("Foreign Minister Sergei Lavrov").
_TITLE_PREFIX = re.compile(  # used with .match(text, pos): no "^", which ignores pos
    r"(?:(?:[A-Z][a-z]+(?:an|ian|ese|ish|i)|Former|Deputy|Acting|Vice|Interim|Senior|Foreign|"
    r"Defen[cs]e|Interior|Prime|Finance|Health|Information|Justice|Army|Police|Opposition)\s+)*"
    r"(?:President|Minister|Secretary(?:[- ]General)?|Spokes(?:man|woman|person)|Envoy|"
    r"Ambassador|General|Colonel|Lieutenant|Major|Captain|Sergeant|Commander|Chief|Senator|"
    r"Representative|Governor|Mayor|King|Queen|Prince|Princess|Sheikh|Pope|Judge|Chairman|"
    r"Chairwoman|Director|Leader|Premier|Chancellor|Emir|Ayatollah|Imam|Father|Reverend|"
    r"Archbishop|Bishop|Cardinal|Lord|Lady|Sir|Dame|Officer|Inspector|Professor|"
    r"(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sgt|Capt|Maj|Prof|Sen|Rep|Gov|Rev)\.)\s+"
)
_ORG_WORDS = re.compile(
    r"\b(?:Ministry|Council|Army|Party|Front|Committee|Organi[sz]ation|Agency|Union|Nations|"
    r"Observatory|Association|Court|Parliament|Congress|Assembly|Forces|Brigade|Group|Company|"
    r"Bank|Times|News|Post|Television|TV|Radio|Reuters|Command)\b")
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ian|ean|ese|ish|ic)s?")

_SUBJECT = (rf"(?P<name>(?:{NAME}|\b(?:{_words(NOMINAL_ACTORS)}))"
            rf"(?:[ \t]+(?:{_words(ACTOR_MODIFIERS)}))?)")
_HAVE = r"(?:(?:has|have|had)[ \t]+)?"
_ACTOR_RULES = (
    # "Lavrov said", "Sergei Lavrov, the foreign minister, said"
    re.compile(rf"{_SUBJECT}(?:,[^,;\"“”\n]{{1,60}},)?[ \t]+{_HAVE}"
               rf"(?:{_words(REPORTING_VERBS)})\b"),
    # "government forces shelled"
    re.compile(rf"{_SUBJECT}[ \t]+{_HAVE}(?:{_words(ATTACK_VERBS)})\b"),
    # "killed by Taliban militants"
    re.compile(rf"\b(?:{_words(PASSIVE_ATTACK_VERBS)})[ \t]+by[ \t]+(?:the[ \t]+)?{_SUBJECT}"),
    # "government air raids", "rebel shelling"
    re.compile(rf"\b(?P<name>{_words(NOMINAL_MODIFIERS)})[ \t]+(?:{_words(ATTACK_NOUNS)})\b"),
    # '," said Lavrov.' and "according to Lavrov," (a name that ends the clause)
    re.compile(rf"\b(?:said|says|added|asked|according[ \t]+to)[ \t]+(?P<name>{NAME})"
               r"(?=[ \t]*[,.;:\n]|[ \t]*$)"),
    # "told Al-Jazeera"
    re.compile(rf"\btold[ \t]+(?P<name>{NAME})"),
)
_PLACE_NOUNS = ("town|city|village|province|district|region|capital|suburb|neighbou?rhood|area|"
                "port|state|country|camp|governorate")
_DIRECTIONS = ("central|northern|southern|eastern|western|north|south|east|west|northeast|"
               "northwest|southeast|southwest|north-eastern|north-western|south-eastern|"
               "south-western|downtown")
_LOCATION_RULES = (
    # "in Moscow", "in central Moscow", "near the northern city of Homs"
    re.compile(
        r"\b(?i:in|near|outside|inside|across|throughout)[ \t]+"
        rf"(?:the[ \t]+(?:[a-z]+[ \t]+)?(?:{_PLACE_NOUNS})[ \t]+of[ \t]+)?"
        rf"(?:(?:{_DIRECTIONS})[ \t]+)?(?P<name>{NAME})"),
    # "the town of Al-Safira"
    re.compile(rf"\bthe[ \t]+(?:[a-z]+[ \t]+)?(?:{_PLACE_NOUNS})[ \t]+of[ \t]+(?P<name>{NAME})"),
)


def _make_span(text: str, label: str, start: int, end: int, **attrs) -> Span:
    return Span(label=label, start=start, end=end, text=text[start:end], attrs=dict(attrs))


def _non_overlapping(spans: Iterable[Span]) -> list[Span]:
    """Spans of one type never overlap: keep the earliest, then the longest, of each cluster."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -len(s))):
        if not kept or kept[-1].end <= span.start:
            kept.append(span)
    return kept


def _name_span(text: str, label: str, start: int, end: int) -> Span | None:
    """The span of a matched name without its title; None when a title was all there was."""
    titled = _TITLE_PREFIX.match(text, start, end)
    if titled:
        if label == "LOCATION":  # "in President Assad's ..." names a person, not a place
            return None
        start = titled.end()
    return _make_span(text, label, start, end) if start < end else None


@span_finder("ACTOR")
def find_actors(text: str) -> list[Span]:
    """Names and nominal actors that say something or attack someone: "Lavrov said"."""
    found = (_name_span(text, "ACTOR", *m.span("name"))
             for rule in _ACTOR_RULES for m in rule.finditer(text))
    return _non_overlapping(s for s in found if s is not None)


@span_finder("LOCATION")
def find_locations(text: str) -> list[Span]:
    """Names after a locative word that are not demonyms or organisations: "in Homs"."""
    found = (_name_span(text, "LOCATION", *m.span("name"))
             for rule in _LOCATION_RULES for m in rule.finditer(text))
    return _non_overlapping(
        s for s in found
        if s is not None and not _ORG_WORDS.search(s.text) and not _DEMONYM.fullmatch(s.text))


# --- quotes -------------------------------------------------------------------------------------

# (opening marks, closing marks, strict): a straight or curly single quote is also an apostrophe,
# so it closes a quotation only beside punctuation ("'We will go,' he said"; "of 'interfering'.").
_QUOTE_FAMILIES = (("\"“„«", "\"”»", False), ("'‘", "'’", True))
_OPEN_AFTER = "([{—–-:/"
_CLOSE_BEFORE = ".,;:!?)]}—–-'’\"”»"
_MAX_QUOTE_CHARS = 2000  # a longer "quotation" is two marks that do not belong together
SHORT_QUOTE_WORDS = 4
_NAMING_CUE = re.compile(
    r"\b(?:so-called|dubbed|called|named|nicknamed|known\s+as|termed|titled|entitled|branded|"
    r"labell?ed|codenamed|code-named|the\s+(?:word|term|phrase|slogan|hashtag|motto))"
    r"\s*[\"“„«'‘]?\s*$", re.IGNORECASE)
_MINOR_WORDS = {"a", "an", "the", "of", "and", "or", "in", "on", "at", "for", "to", "by", "with"}
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


def _can_open(text: str, i: int, opens: str) -> bool:
    if text[i] not in opens or i + 1 >= len(text) or text[i + 1].isspace():
        return False
    return i == 0 or text[i - 1].isspace() or text[i - 1] in _OPEN_AFTER


def _can_close(text: str, i: int, closes: str, strict: bool) -> bool:
    if text[i] not in closes or i == 0 or text[i - 1].isspace():
        return False
    after = text[i + 1] if i + 1 < len(text) else "\n"
    if not (after.isspace() or after in _CLOSE_BEFORE):
        return False
    return not strict or text[i - 1] in ",.!?" or after in ",.;:!?)\n"


def _pair_marks(
    text: str, opens: str, closes: str, strict: bool, blocked: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(start, end) between paired marks, marks inside `blocked` ranges ignored.

    A quotation left open at the end of a paragraph, with the next paragraph opening a new one,
    is the multi-paragraph convention: its span runs to the end of its own paragraph.
    """
    starts = [lo for lo, _ in blocked]
    pairs = []
    opened: int | None = None
    for match in re.finditer(f"[{re.escape(opens + closes)}]", text):
        i = match.start()
        k = bisect_right(starts, i) - 1
        if k >= 0 and i < blocked[k][1]:
            continue
        if opened is not None and _can_close(text, i, closes, strict):
            pairs.append((opened + 1, i))
            opened = None
        elif _can_open(text, i, opens):
            line_end = text.find("\n", opened) if opened is not None else -1
            if 0 <= line_end < i and not text[line_end:i].strip():
                pairs.append((opened + 1, line_end))
            opened = i
    return pairs


def _reporting_nearby(text: str, start: int, end: int) -> bool:
    lo, hi = sentence_window(text, start, end, 150)
    return bool(_REPORTING_RE.search(text, lo, start) or _REPORTING_RE.search(text, end, hi))


def _is_speech(text: str, start: int, end: int) -> bool:
    """Tell direct speech from titles, nicknames and scare quotes."""
    words = _WORD_RE.findall(text, start, end)
    if not words or _NAMING_CUE.search(text, max(0, start - 40), start):
        return False
    title_case = all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in words)
    reported = _reporting_nearby(text, start, end)
    if len(words) <= SHORT_QUOTE_WORDS:
        return reported and not title_case
    return reported or not title_case


@span_finder("QUOTE")
def find_quotes(text: str) -> list[Span]:
    """Direct speech between paired quotation marks, marks and edge whitespace excluded."""
    quotes: list[Span] = []
    for opens, closes, strict in _QUOTE_FAMILIES:
        blocked = sorted((q.start - 1, q.end + 1) for q in quotes)
        for start, end in _pair_marks(text, opens, closes, strict, blocked):
            content = text[start:end]
            start += len(content) - len(content.lstrip())
            end -= len(content) - len(content.rstrip())
            if start < end <= start + _MAX_QUOTE_CHARS and _is_speech(text, start, end):
                quotes.append(_make_span(text, "QUOTE", start, end))
    return _non_overlapping(quotes)


# --- casualties ---------------------------------------------------------------------------------

_NON_MODIFIER_HEADS = tuple(h for h in CASUALTY_HEADS if h not in _MODIFIER_HEADS)
_CASUALTY_RE = re.compile(
    rf"(?:{COUNT_PATTERN}|(?P<article>\ban?\b))"
    r"(?:\s+of(?:\s+(?:the|them|those|these|whom|its|their))?)?"
    rf"(?:\s+(?!(?:{_words(_CASUALTY_STOPS + _NON_MODIFIER_HEADS)})\b)[a-z][\w.'’-]*){{0,3}}"
    rf"\s+(?P<head>(?:{_words(CASUALTY_HEADS)})\b|(?-i:[A-Z][a-z]{{2,}}(?:ians|ans|is|ites))\b)",
    re.IGNORECASE)
_YEAR = re.compile(r"(?:1[89]|20)[0-9]{2}")


def _casualty_span(text: str, match: re.Match) -> Span | None:
    """The CASUALTY span of a match, or None where its context says it is no casualty."""
    if match["number"] and not match["qualifier"] and _YEAR.fullmatch(match["number"]):
        return None  # "in 2012 people ..."
    start, end = match.span()
    lo, hi = sentence_window(text, start, end)
    cue = nearest_cue(text[lo:hi], start - lo, end - lo, _CASUALTY_CUE_PATTERNS)
    if cue is None or cue[0] == "excluded":
        return None
    attrs = casualty_attributes(text, start, end)
    if attrs["count"] == 1 and cue[1] > _SINGLE_CUE_DISTANCE:
        return None
    return _make_span(text, "CASUALTY", start, end, **attrs)


@span_finder("CASUALTY")
def find_casualties(text: str) -> list[Span]:
    """Counted people in a killing or injuring context: "at least 12 people", "a child".

    Each span carries casualty attrs (count, qualifier, status).
    """
    found = (_casualty_span(text, m) for m in _CASUALTY_RE.finditer(text))
    return [s for s in found if s is not None]


# --- relations ----------------------------------------------------------------------------------

def _inside(span: Span, others: Sequence[Span]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def _after_preposition(text: str, span: Span) -> bool:
    """Whether span is the object of a preposition ("clashes with the army")."""
    return bool(_PREPOSITION_BEFORE.search(text, max(0, span.start - 25), span.start))


def _mentions(
    text: str, lo: int, hi: int, actors: Sequence[Span]
) -> list[tuple[int, Span | None]]:
    """(start, actor) of every ACTOR span and every pronoun (actor None) within text[lo:hi]."""
    found = [(a.start, a) for a in actors if lo <= a.start and a.end <= hi]
    found += [(m.start(), None) for m in _PRONOUN_RE.finditer(text, lo, hi)
              if not any(a.start <= m.start() < a.end for a in actors)]
    return sorted(found, key=lambda item: item[0])


_MARKS_AND_SPACE = " \t\n\"“”„«»'‘’"
_AFTER_QUOTE = re.compile(r"[\s\"”’'»,:;—–-]*")
_OPENING_MARK = re.compile("[\"“‘«]")


def _attribution_after(
    text: str, quote: Span, actors: Sequence[Span]
) -> tuple[int, Span | None] | None:
    """The source named after a quotation: '"...," he said', '"...," said Ahmed Saleh'."""
    if text[quote.start:quote.end].rstrip(_MARKS_AND_SPACE).endswith("."):
        return None  # a finished sentence: its source is named before it, if at all
    p = _AFTER_QUOTE.match(text, quote.end).end()
    _, hi = sentence_window(text, p, p, 100)
    next_quote = _OPENING_MARK.search(text, p, hi)
    hi = next_quote.start() if next_quote else hi
    verb = _REPORTING_RE.search(text, p, hi)
    if verb is None or verb.start() - p > 80:
        return None
    verb_first = not text[p:verb.start()].strip() or verb[0].lower().startswith("according")
    lo, hi = (verb.end(), min(hi, verb.end() + 60)) if verb_first else (p, verb.start())
    mentions = _mentions(text, lo, hi, actors)
    return mentions[0] if mentions else None


def _attribution_before(
    text: str, quote: Span, actors: Sequence[Span]
) -> tuple[int, Span | None] | None:
    """The source named before a quotation: 'Lavrov said: "..."', 'He told reporters "..."'."""
    lo, _ = sentence_window(text, quote.start, quote.end, 250)
    verbs = list(_REPORTING_RE.finditer(text, lo, quote.start))
    if not verbs:
        return None
    verb = verbs[-1]
    if verb[0].lower().startswith("according"):
        mentions = _mentions(text, verb.end(), quote.start, actors)
        return mentions[0] if mentions else None
    # The subject: the mention nearest the verb, passing over appositions such as
    # "Gen. Joseph Votel, commander of U.S. Central Command said".
    subjects = _mentions(text, max(lo, verb.start() - 100), verb.start(), actors)
    for start, actor in reversed(subjects):
        if actor is None or not _after_preposition(text, actor):
            return start, actor
    return None


def _resolve_pronoun(
    position: int, actors: Sequence[Span], quotes: Sequence[Span]
) -> Span | None:
    """The closest earlier ACTOR mention outside quotations, within 600 characters."""
    earlier = [a for a in actors if a.end <= position and position - a.end <= 600
               and not _inside(a, quotes)]
    return max(earlier, key=lambda a: a.end, default=None)


@relation_linker("SPEAKER")
def link_speakers(text: str, quotes: Sequence[Span], actors: Sequence[Span]) -> list[Relation]:
    """SPEAKER(quote -> actor) where an attribution names the source next to the quotation."""
    relations = []
    for quote in quotes:
        mention = (_attribution_after(text, quote, actors)
                   or _attribution_before(text, quote, actors))
        if mention is None:
            continue
        position, speaker = mention
        speaker = speaker or _resolve_pronoun(position, actors, quotes)
        if speaker is not None:
            relations.append(Relation("SPEAKER", quote, speaker))
    return relations


_REFERENCE_POINT = re.compile(  # "south of second city Aleppo": Aleppo only locates the place
    r"\b(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of\s+(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE)
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|on|outside|inside|across|around|into|throughout|of)\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,3}$", re.IGNORECASE)


def _is_where(text: str, location: Span) -> bool:
    """Whether a LOCATION mention says where something happened rather than where from or near."""
    lo = max(0, location.start - 40)
    return (not _REFERENCE_POINT.search(text, lo, location.start)
            and bool(_LOCATIVE.search(text, lo, location.start)))


def _distance(a: Span, b: Span) -> int:
    return max(a.start - b.end, b.start - a.end, 0)


@relation_linker("PLACE")
def link_places(
    text: str, casualties: Sequence[Span], locations: Sequence[Span]
) -> list[Relation]:
    """PLACE(casualty -> location): the nearest locative LOCATION in the casualty's sentence."""
    relations = []
    for casualty in casualties:
        lo, hi = sentence_window(text, casualty.start, casualty.end, 300)
        candidates = [loc for loc in locations if lo <= loc.start and loc.end <= hi
                      and not loc.overlaps(casualty) and _is_where(text, loc)]
        place = min(candidates, key=lambda loc: _distance(loc, casualty), default=None)
        if place is not None:
            relations.append(Relation("PLACE", casualty, place))
    return relations


def _active_perpetrator(
    text: str, casualty: Span, actors: Sequence[Span], lo: int
) -> Span | None:
    """'government air raids on X killed 15 civilians': the subject of the attack verb."""
    verbs = list(_ATTACK_RE.finditer(text, lo, casualty.start))
    if not verbs:
        return None
    verb = verbs[-1]
    between = text[verb.end():casualty.start]
    if len(between) > 60 or _CLAUSE_BREAK.search(between):
        return None
    subjects = [a for a in actors if lo <= a.start and a.end <= verb.start()]
    if not subjects:
        return None
    actor = max(subjects, key=lambda a: a.end)
    between = text[actor.end:verb.start()]
    if len(between) > 80 or _CLAUSE_BREAK.search(between) or _after_preposition(text, actor):
        return None
    return actor


# (pattern between the casualty and the actor, pattern required right after the actor)
_PASSIVE_FORMS = (
    # "12 people were killed by government forces"
    (re.compile(rf"^[^.;!?\"“”]{{0,50}}?\b(?:{_words(PASSIVE_ATTACK_VERBS)})\s+"
                r"(?:by|at\s+the\s+hands\s+of)\s+(?:(?:the|a|an)\s+)?(?:[\w-]+\s+){0,2}$",
                re.IGNORECASE), None),
    # "12 soldiers died in a Taliban attack"
    (re.compile(r"^[^.;!?\"“”]{0,50}?\b(?:killed|died|wounded|injured|hurt)\s+in\s+"
                r"(?:(?:the|a|an)\s+)?(?:[\w-]+\s+)?$", re.IGNORECASE),
     re.compile(rf"^(?:['’]s)?\s+(?:[\w-]+\s+)?(?:{_words(ATTACK_NOUNS)})\b", re.IGNORECASE)),
)


def _passive_perpetrator(
    text: str, casualty: Span, actors: Sequence[Span], hi: int
) -> Span | None:
    later = [a for a in actors if casualty.end <= a.start and a.end <= hi]
    if not later:
        return None
    actor = min(later, key=lambda a: a.start)
    for before, after in _PASSIVE_FORMS:
        if before.search(text[casualty.end:actor.start]) and (
                after is None or after.search(text[actor.end:hi])):
            return actor
    return None


@relation_linker("PERPETRATOR")
def link_perpetrators(
    text: str, casualties: Sequence[Span], actors: Sequence[Span]
) -> list[Relation]:
    """PERPETRATOR(casualty -> actor) where the actor is the agent of the attack in the sentence."""
    relations = []
    for casualty in casualties:
        lo, hi = sentence_window(text, casualty.start, casualty.end, 300)
        actor = (_active_perpetrator(text, casualty, actors, lo)
                 or _passive_perpetrator(text, casualty, actors, hi))
        if actor is not None:
            relations.append(Relation("PERPETRATOR", casualty, actor))
    return relations


def _link(
    text: str, spans_by_label: dict[str, list[Span]], relation_names: Iterable[str]
) -> list[Relation]:
    relations = []
    for name in relation_names:
        rel_type = DEFAULT_SCHEMA.relation_type(name)
        relations += RELATION_LINKERS[name](
            text, spans_by_label.get(rel_type.head, []), spans_by_label.get(rel_type.tail, []))
    return relations


# --- public entry points ------------------------------------------------------------------------

def label_quotes(
    text: str, actors: Sequence[Span] | None = None
) -> list[tuple[Span, Span | None]]:
    """(QUOTE, speaker or None) pairs; speakers come from `actors`, else from find_actors."""
    actors = find_actors(text) if actors is None else actors
    quotes = find_quotes(text)
    speaker = {id(r.head): r.tail for r in link_speakers(text, quotes, actors)}
    return [(quote, speaker.get(id(quote))) for quote in quotes]


def label_casualties(
    text: str, locations: Sequence[Span] | None = None, actors: Sequence[Span] | None = None
) -> list[tuple[Span, Span | None, Span | None]]:
    """(CASUALTY, place or None, perpetrator or None) triples.

    Places and perpetrators come from the given LOCATION and ACTOR spans (a document's gold
    spans), else from find_locations and find_actors.
    """
    locations = find_locations(text) if locations is None else locations
    actors = find_actors(text) if actors is None else actors
    casualties = find_casualties(text)
    place = {id(r.head): r.tail for r in link_places(text, casualties, locations)}
    perpetrator = {id(r.head): r.tail for r in link_perpetrators(text, casualties, actors)}
    return [(c, place.get(id(c)), perpetrator.get(id(c))) for c in casualties]


class RuleExtractor:
    """The rules as a system, with the Extractor's interface; every type is labelled."""

    def __call__(self, text: str) -> Document:
        if not isinstance(text, str):
            raise TypeError(f"RuleExtractor expects a str, got {type(text).__name__}")
        spans = {label: finder(text) for label, finder in SPAN_FINDERS.items()}
        # Victims belong to CASUALTY, not ACTOR (guidelines): drop names inside casualty phrases.
        for label in ("ACTOR", "LOCATION"):
            spans[label] = [s for s in spans[label]
                            if not any(s.overlaps(c) for c in spans["CASUALTY"])]
        return Document(
            text=text, spans=[s for group in spans.values() for s in group],
            relations=_link(text, spans, RELATION_LINKERS), annotated=Annotated.full())

    def pipe(self, texts: Iterable[str], batch_size: int = 32) -> Iterator[Document]:
        """Documents for texts, lazily, in order; batch_size is accepted for interface parity."""
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        return map(self, texts)


def add_silver_layers(doc: Document) -> Document:
    """A copy of doc with rule-labelled layers for the types it does not annotate.

    QUOTE and CASUALTY spans (attrs["silver"] = True, casualties with count/qualifier/status) are
    added where the document does not annotate them; SPEAKER, PLACE and PERPETRATOR relations
    where it does not annotate them but annotates (or has just been given) both of their span
    types. Added types join doc.annotated and are listed in meta["silver"], since relations
    carry no attrs. Gold layers are left as they are; the input is never changed.
    """
    out = copy.deepcopy(doc)
    span_types = list(out.annotated.spans)
    relation_types = list(out.annotated.relations)
    new_span_types = [label for label in SILVER_SPAN_TYPES if label not in span_types]
    for label in new_span_types:
        present = out.spans_of(label)  # spans of an unannotated type: kept, never overlapped
        for span in SPAN_FINDERS[label](out.text):
            if not any(span.overlaps(p) for p in present):
                span.attrs["silver"] = True
                out.spans.append(span)
    span_types += new_span_types
    new_relation_types = [
        name for name in RELATION_LINKERS if name not in relation_types
        and {DEFAULT_SCHEMA.relation_type(name).head,
             DEFAULT_SCHEMA.relation_type(name).tail} <= set(span_types)]
    out.relations += _link(out.text, {label: out.spans_of(label) for label in span_types},
                           new_relation_types)
    out.annotated = Annotated(spans=tuple(span_types),
                              relations=tuple(relation_types + new_relation_types))
    if new_span_types or new_relation_types:
        silver = out.meta.setdefault("silver", {"spans": [], "relations": []})
        silver["spans"] = [*silver.get("spans", []), *new_span_types]
        silver["relations"] = [*silver.get("relations", []), *new_relation_types]
    return out

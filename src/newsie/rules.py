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
from collections.abc import Callable, Iterable, Iterator, Sequence

from newsie.data import Annotated, Document, Relation, Span
from newsie.registry import Registry
from newsie.schema import DEFAULT_SCHEMA
from newsie.text.casualty import (
    CASUALTY_PHRASE,
    COUNT_PATTERN,
    GAP,
    NUMBER_WORDS,
    SINGULAR_CASUALTY_HEADS,
    STATUS_CUES,
    casualty_attributes,
    cue_patterns,
    is_countable,
    nearest_cue,
)
from newsie.text.lexicon import (
    ACTOR_MODIFIERS,
    ATTACK_NOUNS,
    ATTACK_VERBS,
    COMPASS_DIRECTIONS,
    NOMINAL_ACTORS,
    NOMINAL_MODIFIERS,
    PASSIVE_ATTACK_VERBS,
    PLACE_HEAD_NOUNS,
    REPORTING_VERBS,
    TITLE_ABBREVIATIONS,
    TITLES,
    WEEKDAYS_AND_MONTHS,
    alternation,
)
from newsie.text.overlaps import OUTERMOST, resolve_overlaps
from newsie.text.quotes import DOUBLE_MARKS_AND_SPACE, MARKS_AND_SPACE, quotations
from newsie.text.sentences import CLAUSE_BREAK, sentence_window

SpanFinder = Callable[[str], list[Span]]
RelationLinker = Callable[[str, Sequence[Span], Sequence[Span]], list[Relation]]

SPAN_FINDERS: Registry[SpanFinder] = Registry("span finder")
"""Span type -> function finding spans of that type in a text."""
RELATION_LINKERS: Registry[RelationLinker] = Registry("relation linker")
"""Relation type -> function(text, head spans, tail spans) returning relations."""

SILVER_SPAN_TYPES = ("QUOTE", "CASUALTY")
"""The span types whose rules are precise enough for training data; ACTOR and LOCATION rules only
serve the baseline."""

span_finder = SPAN_FINDERS.register
relation_linker = RELATION_LINKERS.register


_REPORTING_RE = re.compile(rf"\b(?:{alternation(REPORTING_VERBS)})\b", re.IGNORECASE)
_ATTACK_RE = re.compile(rf"\b(?:{alternation(ATTACK_VERBS)})\b", re.IGNORECASE)
_PRONOUN_RE = re.compile(r"\b(?:he|she|they|it)\b", re.IGNORECASE)


# --- names: ACTOR and LOCATION candidates for the baseline ---------------------------------------

_NAME_STOPS = (
    "The A An But And Or Nor In On At After Before When While As If Since Until Meanwhile However "
    "Yesterday Today Tomorrow Tonight This That These Those It He She They We I You His Her Their "
    "Its Our My Your Earlier Later Also Still Then There Here What Who Why How Where Although "
    "Though Despite During For From To With Without By Of Under Over About Between Against Among "
    "Last Next Both Some Many Most Several All Each Every No Not Only Even Just Officials "
    "Witnesses Residents Sources Analysts Experts Observers Critics Reports Others "
    + " ".join(WEEKDAYS_AND_MONTHS) + " " + " ".join(word.capitalize() for word in NUMBER_WORDS)
).split()
_ABBREVIATIONS = alternation([*TITLE_ABBREVIATIONS, "St"])  # St.: saints and streets
_NAME_TOKEN = (
    rf"(?!(?:{'|'.join(_NAME_STOPS)})\b)"
    rf"(?:(?:[A-Z]\.){{2,}}|(?:{_ABBREVIATIONS})\."
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
    rf"(?:(?:Secretary[- ]General|(?:{alternation(t.capitalize() for t in TITLES)})\.?)\s+)+"
)
_ORG_WORDS = re.compile(
    r"\b(?:Ministry|Council|Army|Party|Front|Committee|Organi[sz]ation|Agency|Union|Nations|"
    r"Observatory|Association|Court|Parliament|Congress|Assembly|Forces|Brigade|Group|Company|"
    r"Bank|Times|News|Post|Television|TV|Radio|Reuters|Command|Hall|Defen[cs]e|Department|"
    r"Office|Services?|Police|Authority|Commission|Government|Secretariat|Chamber|Institute|"
    r"Board|Federation|League|Movement|Alliance|Coalition|Forum|Campaign)\b")
_TITLE_ABBREVIATION = re.compile(rf"(?:{_ABBREVIATIONS})\.?")
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ian|ean|ese|ish|ic)s?")

_SUBJECT = (rf"(?P<name>(?:{NAME}|\b(?:{alternation(NOMINAL_ACTORS)}))"
            rf"(?:[ \t]+(?:{alternation(ACTOR_MODIFIERS)}))?)")
_HAVE = r"(?:(?:has|have|had)[ \t]+)?"
_ACTOR_RULES = (
    # "Lavrov said", "Sergei Lavrov, the foreign minister, said"
    re.compile(rf"{_SUBJECT}(?:,[^,;\"“”\n]{{1,60}},)?[ \t]+{_HAVE}"
               rf"(?:{alternation(REPORTING_VERBS)})\b"),
    # "government forces shelled"
    re.compile(rf"{_SUBJECT}[ \t]+{_HAVE}(?:{alternation(ATTACK_VERBS)})\b"),
    # "killed by Taliban militants"
    re.compile(rf"\b(?:{alternation(PASSIVE_ATTACK_VERBS)})[ \t]+by[ \t]+(?:the[ \t]+)?{_SUBJECT}"),
    # "government air raids", "rebel shelling"
    re.compile(rf"\b(?P<name>{alternation(NOMINAL_MODIFIERS)})[ \t]+"
               rf"(?:{alternation(ATTACK_NOUNS)})\b"),
    # '," said Lavrov.' and "according to Lavrov," (a name that ends the clause)
    re.compile(rf"\b(?:said|says|added|asked|according[ \t]+to)[ \t]+(?P<name>{NAME})"
               r"(?=[ \t]*[,.;:\n]|[ \t]*$)"),
    # "told Al-Jazeera"
    re.compile(rf"\btold[ \t]+(?P<name>{NAME})"),
)
_PLACE_NOUNS = alternation(PLACE_HEAD_NOUNS)
_DIRECTIONS = alternation(COMPASS_DIRECTIONS)
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|near|on|from|of|along|outside|inside|across|throughout)\s+(?:the\s+)?"
    rf"(?:(?:{_DIRECTIONS})\s+)?$", re.IGNORECASE)
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


def _name_span(text: str, label: str, start: int, end: int) -> Span | None:
    """The span of a matched name without its title; None when a title was all there was."""
    if _TITLE_ABBREVIATION.fullmatch(text, start, end):
        return None
    titled = _TITLE_PREFIX.match(text, start, end)
    if titled:
        if label == "LOCATION":  # "in President Assad's ..." names a person, not a place
            return None
        start = titled.end()
    return _make_span(text, label, start, end) if start < end else None


@span_finder("ACTOR")
def find_actors(text: str) -> list[Span]:
    """Names and nominal actors that say something or attack someone: "Lavrov said".

    A name after a locative word is a place ("police in Kabul said", "war in Yemen has killed").
    """
    found = (_name_span(text, "ACTOR", *m.span("name"))
             for rule in _ACTOR_RULES for m in rule.finditer(text)
             if not _LOCATIVE_BEFORE.search(text, max(0, m.start("name") - 20), m.start("name")))
    return resolve_overlaps((s for s in found if s is not None), OUTERMOST)


@span_finder("LOCATION")
def find_locations(text: str) -> list[Span]:
    """Names after a locative word that are not demonyms or organisations: "in Homs"."""
    found = (_name_span(text, "LOCATION", *m.span("name"))
             for rule in _LOCATION_RULES for m in rule.finditer(text))
    return resolve_overlaps(
        (s for s in found
         if s is not None and not _ORG_WORDS.search(s.text) and not _DEMONYM.fullmatch(s.text)),
        OUTERMOST)


# --- quotes -------------------------------------------------------------------------------------

_MAX_QUOTE_CHARS = 2000  # a longer "quotation" is two marks that do not belong together
SHORT_QUOTE_WORDS = 4  # shorter quotations may be titles or scare quotes: they need more evidence
# Names and titles: "the so-called", "a group called", "dubbed the camp" (a few words may come
# between the naming verb and the name; not after "called", which also reports speech: "called
# the raid 'a massacre'").
_NAMING_CUE = re.compile(
    r"\b(?:(?:so-called|called|the\s+(?:word|term|phrase|slogan|hashtag|motto))"
    r"|(?:dubbed|named|nicknamed|known\s+as|termed|titled|entitled|branded|labell?ed|codenamed|"
    r"code-named)(?:\s+[\w'’-]+){0,3})\s*[\"“„«'‘]?\s*$", re.IGNORECASE)
_MINOR_WORDS = {"a", "an", "the", "of", "and", "or", "in", "on", "at", "for", "to", "by", "with"}
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")
# Text that starts with punctuation lies between two quotations, not inside one.
_NOT_SPEECH_START = re.compile(r"[,.;:!?)\]]")


def _reporting_nearby(text: str, start: int, end: int) -> bool:
    lo, hi = sentence_window(text, start, end, 150)
    return bool(_REPORTING_RE.search(text, lo, start) or _REPORTING_RE.search(text, end, hi))


def _is_speech(text: str, start: int, end: int, closed: bool, continued: bool) -> bool:
    """Tell direct speech from titles, nicknames and scare quotes.

    Short quotations need a reporting verb in their sentence, or to go on from a quotation just
    before. Longer ones are speech unless they fill a whole paragraph, marks and all, with no
    reporting verb: text quoted as a block, as CSV-escaped corpora wrap paragraphs.
    """
    words = _WORD_RE.findall(text, start, end)
    if not words or _NAMING_CUE.search(text, max(0, start - 40), start):
        return False
    title_case = len(words) > 1 and all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in words)
    if title_case or _NOT_SPEECH_START.match(text, start):
        return False
    if continued or _reporting_nearby(text, start, end):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end) % (len(text) + 1)  # -1 (no newline) becomes len(text)
    block = (closed and not text[line_start:start].strip(DOUBLE_MARKS_AND_SPACE)
             and not text[end:line_end].strip(DOUBLE_MARKS_AND_SPACE + ".,"))
    return len(words) > SHORT_QUOTE_WORDS and not block


def _continues(text: str, previous_end: int, start: int) -> bool:
    """Whether a quotation starting at start goes on from one ending at previous_end: in the same
    paragraph with at most an attribution between, or opening the next paragraph."""
    gap = text[previous_end:start]
    return ("\n" not in gap and len(gap) <= 100) or not gap.strip(MARKS_AND_SPACE)


@span_finder("QUOTE")
def find_quotes(text: str) -> list[Span]:
    """Direct speech between paired quotation marks, marks and edge whitespace excluded."""

    def is_speech(start: int, end: int, closed: bool, previous_end: int | None) -> bool:
        continued = previous_end is not None and _continues(text, previous_end, start)
        return end <= start + _MAX_QUOTE_CHARS and _is_speech(text, start, end, closed, continued)

    quotes = [_make_span(text, "QUOTE", *bounds) for bounds in quotations(text, is_speech)]
    return resolve_overlaps(quotes, OUTERMOST)


# --- casualties ---------------------------------------------------------------------------------

NON_CASUALTY_CUES = (
    r"refugees?", r"displaced", r"evacuat(?:ed|ion|ees?)", r"arrest(?:ed|s)?",
    r"detain(?:ed|ees?)", r"missing", r"kidnapp(?:ed|ing)", r"abduct(?:ed|ing)", r"captured",
    r"held", r"freed", r"released", r"rescued", r"alive", r"trapped",
    r"sav(?:e|ed|es|ing)\s+(?:[\w-]+\s+){0,3}?lives",
    r"lost\s+(?:their|his|her|its)\s+(?:homes?|houses?|jobs?|livelihoods?|belongings)",
    r"fled", r"fleeing", r"homeless", r"affected", r"stranded", r"employ(?:s|ed)", r"hired",
    r"attended", r"vot(?:e|ed|es|ers)", r"elected", r"sentenced", r"charged", r"jailed",
    r"convicted", r"deported", r"deployed", r"stationed", r"trained", r"recruited",
    r"surrendered", r"defected", r"gathered", r"marched", r"rallied", r"protested", r"survived",
    r"survivors", r"unhurt", r"unharmed", r"unscathed", r"escaped", r"none\s+of", r"no\s+one",
    r"nobody", r"infected",
)
"""Words that make a counted group something other than casualties (refugees, arrests, ...)."""
_CASUALTY_CUE_PATTERNS = cue_patterns({**STATUS_CUES, "excluded": NON_CASUALTY_CUES})
# How far (in characters) the status cue may lie from the count: "killed at least 12 people",
# "15 people, including eight children, were killed". A count of one ("a man", "one soldier")
# must sit right beside its cue: "a soldier said 12 people were killed" has no casualty soldier.
_CUE_DISTANCE = 40
_SINGLE_CUE_DISTANCE = 20
# An object after a cue that follows the count makes the counted people the attackers:
# "Two gunmen on a motorcycle killed three people".
_OBJECT_AFTER = re.compile(
    r"\s+(?:[0-9]|(?:the|a|an|his|her|their|its|at\s+least|more\s+than|dozens|scores|hundreds|"
    rf"{'|'.join(NUMBER_WORDS)})\b)", re.IGNORECASE)

# A bare count right after the verb: "killing two people and wounding 19, police said".
_BARE_COUNT_RE = re.compile(
    rf"\b(?:killing|killed|wounding|wounded|injuring|injured){GAP}(?P<count>{COUNT_PATTERN})"
    rf"(?:{GAP}(?:more|others))?(?=[^\S\n]*[,.;]|{GAP}(?:in|on|at|and|near|during)\b)",
    re.IGNORECASE)
_ARTICLE = re.compile(r"an?\b", re.IGNORECASE)
# What may lie between the count and a cue after it: auxiliaries, adverbs and one parenthesis
# ("15 people, including eight children, were killed"); anything else may belong to another
# subject ("five members of the junta over a massacre").
_PASSIVE_GAP = re.compile(
    r"(?:\s*,[^,.;]{1,40},)?(?:\s+(?:were|was|are|is|have|has|had|been|being|got|later|also|all|"
    r"both|each|reportedly|allegedly|subsequently|eventually|then|seriously|critically|slightly|"
    r"badly|fatally|lightly|severely|reported|confirmed|feared|believed|to\s+be|to\s+have|shot|"
    r"stabbed|beaten|burned|burnt|crushed|found))*\s*",
    re.IGNORECASE)


def _casualty_span(text: str, start: int, end: int, head: str | None) -> Span | None:
    """The CASUALTY span text[start:end], or None where its words or context say it is none."""
    attrs = casualty_attributes(text, start, end)
    singular = head is not None and head.lower() in SINGULAR_CASUALTY_HEADS
    if singular != (attrs["count"] == 1) and (singular or _ARTICLE.match(text, start)):
        return None  # "two passenger trains", "a police raid"
    lo, hi = sentence_window(text, start, end)
    context = text[lo:hi]
    cue = nearest_cue(context, start - lo, end - lo, _CASUALTY_CUE_PATTERNS)
    if cue is None or cue.label == "excluded" or cue.across_clause:
        return None
    if cue.distance > (_SINGLE_CUE_DISTANCE if attrs["count"] == 1 else _CUE_DISTANCE):
        return None
    if cue.start >= end - lo and (
            not _PASSIVE_GAP.fullmatch(context, end - lo, cue.start)
            or context[cue.start:cue.end].lower().endswith("ing")
            or _OBJECT_AFTER.match(context, cue.end)):
        return None  # the cue's subject is someone else, or the counted people did the killing
    return _make_span(text, "CASUALTY", start, end, **attrs)


@span_finder("CASUALTY")
def find_casualties(text: str) -> list[Span]:
    """Counted people in a killing or injuring context: "at least 12 people", "a child".

    Each span carries casualty attrs (count, qualifier, status).
    """
    found = [_casualty_span(text, *m.span(), m["head"])
             for m in CASUALTY_PHRASE.finditer(text) if is_countable(m)]
    found += [_casualty_span(text, *m.span("count"), None)
              for m in _BARE_COUNT_RE.finditer(text) if is_countable(m)]
    return resolve_overlaps((s for s in found if s is not None), OUTERMOST)


# --- relations ----------------------------------------------------------------------------------

_PREPOSITION_BEFORE = re.compile(  # "with the army", "and the paramilitary RSF"
    r"\b(?:of|for|at|with|against|between|among|and|or|on|from|to|in|near|by|than)\s+"
    r"(?:(?:the|a|an)\s+)?(?:[a-z][\w-]*\s+)?$", re.IGNORECASE)
_SOURCE_AFTER = re.compile(  # "Lavrov said", "Lavrov, the foreign minister, has said"
    rf"\s*(?:,[^,;\"“”\n]{{1,80}})?,?\s*(?:(?:has|have|had|also|later|then)\s+)*"
    rf"(?:{alternation(REPORTING_VERBS)})\b", re.IGNORECASE)
_SOURCE_BEFORE = re.compile(  # '," said the spokeswoman, Rhea' and "according to the army"
    r"(?:[,\"”’]\s*(?:said|says|added|asked)|\baccording\s+to)\s+(?:[\w.,-]+\s+){0,3}$",
    re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?\b")
_PERSON_NOUN = re.compile(  # nominal actors that are one person: "a spokesman for the RSF"
    r"\b(?:spokes(?:man|woman|person)|official|minister|officer|commander|governor|mayor|"
    r"president|leader|chief|director|witness|resident|man|woman)$")
_CLAUSE_END = re.compile(r"\s*(?:[,.;:!?\n]|$)")
_AFTER_QUOTE = re.compile(r"[^\S\n\"”’'»,:;—–-]*[\"”’'»,:;—–-]*[^\S\n]*")
_EMBEDDING_WORD = re.compile(
    r"(?:on|in|at|for|to|of|with|about|after|before|by|from|over|against|and|or|but|as|than)\b",
    re.IGNORECASE)
_OPENING_MARK = re.compile("[\"“‘«]")


def _inside(span: Span, others: Sequence[Span]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def _after_preposition(text: str, start: int) -> bool:
    """Whether the mention at start is the object of a preposition ("clashes with the army")."""
    return bool(_PREPOSITION_BEFORE.search(text, max(0, start - 40), start))


def _is_source(text: str, start: int, end: int) -> bool:
    """Whether the mention text[start:end] is the source of a reporting verb: "Lavrov said",
    "Lavrov, the foreign minister, told", "said Lavrov.", "according to Lavrov" (but not
    "said Lavrov would go", where Lavrov is the subject of what was said)."""
    if _POSSESSIVE.match(text, end):
        return False
    if _SOURCE_AFTER.match(text, end):
        return True
    verb = _SOURCE_BEFORE.search(text, max(0, start - 40), start)
    return bool(verb) and (verb[0].lower().startswith("according")
                           or bool(_CLAUSE_END.match(text, end)))


def _is_subject(text: str, actor: Span, actors: Sequence[Span]) -> bool:
    """Whether an actor opens its sentence: "Hours later, Herrera climbed back", "Kahindo's
    husband, Jean-Baptiste Muhindo, spent the afternoon"."""
    lo, _ = sentence_window(text, actor.start, actor.end, 80)
    return (not _after_preposition(text, actor.start) and not _POSSESSIVE.match(text, actor.end)
            and len(text[lo:actor.start].split()) <= 8
            and not any(lo <= a.start and a.end <= actor.start
                        and not _POSSESSIVE.match(text, a.end) for a in actors))


def _person_like(actor: Span) -> bool:
    """A he or a she: a capitalised name that is no organisation or acronym, or a nominal for
    one person ("spokesman")."""
    if not actor.text[:1].isupper():
        return bool(_PERSON_NOUN.search(actor.text))
    return (not actor.text.isupper() and not _ORG_WORDS.search(actor.text)
            and not actor.text.split()[-1].islower())  # "Rwandan officials" is no he or she


def _mentions(
    text: str, lo: int, hi: int, actors: Sequence[Span]
) -> list[tuple[int, int, Span | None]]:
    """(start, end, actor) of every ACTOR span and pronoun (actor None) within text[lo:hi]."""
    found = [(a.start, a.end, a) for a in actors if lo <= a.start and a.end <= hi]
    found += [(m.start(), m.end(), None) for m in _PRONOUN_RE.finditer(text, lo, hi)
              if not any(a.start <= m.start() < a.end for a in actors)]
    return sorted(found, key=lambda item: item[0])


def _attribution_after(
    text: str, quote: Span, actors: Sequence[Span]
) -> tuple[int, int, Span | None] | None:
    """The source named after a quotation: '"...," he said', '"...," said Ahmed Saleh'."""
    if text[quote.start:quote.end].rstrip(MARKS_AND_SPACE).endswith("."):
        return None  # a finished sentence: its source is named before it, if at all
    p = _AFTER_QUOTE.match(text, quote.end).end()
    if _EMBEDDING_WORD.match(text, p):
        return None  # 'accused the union of "..." after Washington announced': no attribution
    _, hi = sentence_window(text, p, p, 100)
    next_quote = _OPENING_MARK.search(text, p, hi)
    hi = next_quote.start() if next_quote else hi
    verb = _REPORTING_RE.search(text, p, hi)
    if verb is None or verb.start() - p > 80:
        return None
    if verb_first := (not text[p:verb.start()].strip()
                      or verb[0].lower().startswith("according")):
        mentions = _mentions(text, verb.end(), min(hi, verb.end() + 60), actors)
    else:  # "the bureau's commander, Surasak Phonchai, told": the source nearest the verb
        mentions = [m for m in reversed(_mentions(text, p, verb.start(), actors))
                    if _is_source(text, m[0], m[1])]
    mentions = [m for m in mentions if not _POSSESSIVE.match(text, m[1])]
    if not mentions or (not verb_first and len(text[p:mentions[0][0]].split()) > 4):
        return None
    return mentions[0]


def _attribution_before(
    text: str, quote: Span, actors: Sequence[Span]
) -> tuple[int, int, Span | None] | None:
    """The source named before a quotation in its sentence: 'Lavrov said: "..."'.

    The nearest mention that is the source of a reporting verb wins; a mention after a
    preposition is passed over ("Gen. Joseph Votel, commander of U.S. Central Command, said").
    """
    lo, _ = sentence_window(text, quote.start, quote.end, 250)
    for start, end, actor in reversed(_mentions(text, lo, quote.start, actors)):
        if _is_source(text, start, end) and not (actor and _after_preposition(text, start)):
            return start, end, actor
    return None


def _resolve_pronoun(
    text: str, position: int, actors: Sequence[Span], quotes: Sequence[Span] = ()
) -> Span | None:
    """The ACTOR a pronoun at position stands for, or None.

    The closest earlier actor outside quotations, within 600 characters, that is the source of a
    reporting verb ("Langat said security officers would go. '...,' he said": Langat); for he and
    she, a person-like name that is a source or opens its sentence.
    """
    personal = text[position:position + 3].lower().rstrip() in ("he", "she")
    earlier = [a for a in actors if a.end <= position and position - a.end <= 600
               and not _inside(a, quotes) and not _after_preposition(text, a.start)]
    if personal:
        pool = [a for a in earlier if _person_like(a)
                and (_is_source(text, a.start, a.end) or _is_subject(text, a, actors))]
    else:
        pool = [a for a in earlier if _is_source(text, a.start, a.end)]
    return max(pool, key=lambda a: a.end, default=None)


@relation_linker("SPEAKER")
def link_speakers(text: str, quotes: Sequence[Span], actors: Sequence[Span]) -> list[Relation]:
    """SPEAKER(quote -> actor) where an attribution names the source next to the quotation; a
    quotation without one that goes on from an attributed one has the same speaker."""
    relations = []
    previous: tuple[Span, Span | None] | None = None
    for quote in sorted(quotes, key=lambda q: q.start):
        mention = (_attribution_after(text, quote, actors)
                   or _attribution_before(text, quote, actors))
        speaker = None
        if mention is not None:
            speaker = mention[2] or _resolve_pronoun(text, mention[0], actors, quotes)
        elif previous is not None and _continues(text, previous[0].end, quote.start):
            speaker = previous[1]
        if speaker is not None:
            relations.append(Relation("SPEAKER", quote, speaker))
        previous = (quote, speaker)
    return relations


_REFERENCE_POINT = re.compile(  # "south of second city Aleppo": Aleppo only locates the place
    r"\b(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of\s+(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE)
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|on|outside|inside|across|around|into|throughout|of)\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
# Where people were treated, tried or reported from is not where they were hurt.
_INSTITUTION_BEFORE = re.compile(
    r"\b(?:hospitals?|clinic|court|hearing|tribunal|trial|morgue|conference|statement)\s+"
    r"(?:in|at)\s+(?:the\s+)?$", re.IGNORECASE)
_INSTITUTION_NAME = re.compile(r"\b(?:Hospital|Medical|Clinic|Infirmary|Court|Town\s+Hall)\b")
# "the Kadikoy district of Istanbul", "Jardin in Antioquia", "Zapopan, Jalisco": the second
# place contains the first, which is the more specific.
_CONTAINER_GAP = re.compile(
    rf"\s*(?:(?:{_PLACE_NOUNS}|department|county)\s+)?(?:of|in|,)\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,2}", re.IGNORECASE)
# Clause breaks that separate a place from a casualty; "when" and "that" do not ("12 people were
# killed when a bomb exploded in Homs").
_PLACE_BARRIER = re.compile(
    r"[;\"“”]|\b(?:after|before|while|whereas|said|says|say|told|but|although|though|where)\b",
    re.IGNORECASE)


def _is_where(text: str, location: Span) -> bool:
    """Whether a LOCATION mention says where something happened rather than where from or near."""
    lo = max(0, location.start - 40)
    return (not _REFERENCE_POINT.search(text, lo, location.start)
            and not _INSTITUTION_BEFORE.search(text, lo, location.start)
            and not _INSTITUTION_NAME.search(location.text)
            and bool(_LOCATIVE.search(text, lo, location.start)))


def _distance(a: Span, b: Span) -> int:
    return max(a.start - b.end, b.start - a.end, 0)


def _between(text: str, a: Span, b: Span) -> str:
    return text[min(a.end, b.end):max(a.start, b.start)]


@relation_linker("PLACE")
def link_places(
    text: str, casualties: Sequence[Span], locations: Sequence[Span]
) -> list[Relation]:
    """PLACE(casualty -> location): the nearest, most specific locative LOCATION in the
    casualty's sentence and clause."""
    relations = []
    for casualty in casualties:
        lo, hi = sentence_window(text, casualty.start, casualty.end, 300)
        candidates = [loc for loc in locations if lo <= loc.start and loc.end <= hi
                      and not loc.overlaps(casualty) and _is_where(text, loc)
                      and not _PLACE_BARRIER.search(_between(text, loc, casualty))]
        specific = [loc for loc in candidates if not any(
            inner.end <= loc.start and _CONTAINER_GAP.fullmatch(text, inner.end, loc.start)
            for inner in candidates)]
        place = min(specific, key=lambda loc: _distance(loc, casualty), default=None)
        if place is not None:
            relations.append(Relation("PLACE", casualty, place))
    return relations


_VERB_AS_NOUN = re.compile(r"\b(?:the|a|of|for|over|after|before|in|on|by|with|from)\s+$",
                           re.IGNORECASE)
_CLAUSE_OPENER = re.compile(
    rf"\b(?:{alternation(REPORTING_VERBS)}|when|that|which|where|after|as|because|while)\b",
    re.IGNORECASE)
_COORDINATED = re.compile(r"\s+(?:and|or)\b", re.IGNORECASE)


def _active_perpetrator(
    text: str, casualty: Span, actors: Sequence[Span], lo: int
) -> Span | None:
    """The subject of the attack verb before the casualty.

    A finite verb's subject is the nearest actor before it in its clause ("government air raids
    on X killed 15 civilians"); a participle's is the actor that opens the clause it hangs on
    ("Gunmen abducted two engineers ..., killing one guard"; "police said gunmen attacked ...,
    killing"), a pronoun there standing for a source ("the air force said it had struck ...,
    killing"). A verb used as a noun ("convicted of killing", "the killing of") names no one.
    """
    verbs = list(_ATTACK_RE.finditer(text, lo, casualty.start))
    if not verbs or _VERB_AS_NOUN.search(text, lo, verbs[-1].start()):
        return None
    verb = verbs[-1]
    between = text[verb.end():casualty.start]
    if len(between) > 60 or CLAUSE_BREAK.search(between):
        return None
    if not verb[0].lower().endswith("ing"):
        subjects = [a for a in actors if lo <= a.start and a.end <= verb.start()]
        actor = max(subjects, key=lambda a: a.end, default=None)
        if actor is None or _after_preposition(text, actor.start):
            return None
        between = text[actor.end:verb.start()]
        return None if len(between) > 80 or CLAUSE_BREAK.search(between) else actor
    opener = list(_CLAUSE_OPENER.finditer(text, lo, verb.start()))
    clause_start = opener[-1].end() if opener else lo
    mentions = [m for m in _mentions(text, clause_start, verb.start(), actors)
                if not _POSSESSIVE.match(text, m[1])]
    if not mentions:
        return None
    start, end, actor = mentions[0]
    if (len(text[clause_start:start].split()) > 6 or _COORDINATED.match(text, end)
            or _PLACE_BARRIER.search(text, end, verb.start())):
        return None  # not the clause's subject, or one of two sides ("X and Y exchanged fire")
    return actor or _resolve_pronoun(text, start, actors)


# (pattern between the casualty and the actor, pattern required right after the actor)
_PASSIVE_FORMS = (
    # "12 people were killed by government forces"
    (re.compile(rf"^[^.;!?\"“”]{{0,50}}?\b(?:{alternation(PASSIVE_ATTACK_VERBS)})\s+"
                r"(?:by|at\s+the\s+hands\s+of)\s+(?:(?:the|a|an)\s+)?(?:[\w-]+\s+){0,2}$",
                re.IGNORECASE), None),
    # "12 soldiers died in a Taliban attack"
    (re.compile(r"^[^.;!?\"“”]{0,50}?\b(?:killed|died|wounded|injured|hurt)\s+in\s+"
                r"(?:(?:the|a|an)\s+)?(?:[\w-]+\s+)?$", re.IGNORECASE),
     re.compile(rf"^(?:['’]s)?\s+(?:[\w-]+\s+)?(?:{alternation(ATTACK_NOUNS)})\b", re.IGNORECASE)),
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

    def pipe(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[Document]:
        """Documents for texts, lazily, in order; batch_size is accepted for interface parity."""
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
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

"""Capitalised names: ACTOR and LOCATION candidates for the baseline.

`NAME` is the pattern for a capitalised name; `find_actors` keeps the names (and nominal actors)
that say something or attack someone, `find_locations` the names after a locative word. Titles
before a name are cut off; organisations and demonyms are no places.
"""

from __future__ import annotations

import re

from newsie.data import Span
from newsie.rules.base import _make_span, span_finder
from newsie.text.casualty import NUMBER_WORDS
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

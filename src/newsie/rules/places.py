"""PLACE(casualty -> location): where the casualties were hurt.

The nearest, most specific LOCATION in the casualty's sentence and clause that says where
something happened, not where from or near (a hospital, a court, a reference point).
`_PLACE_BARRIER`, the clause breaks between a place and a casualty, is shared with the
perpetrator linker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsie.data import Relation, Span
from newsie.rules.base import relation_linker
from newsie.rules.names import _PLACE_NOUNS
from newsie.text.sentences import sentence_window

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

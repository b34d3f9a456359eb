"""CASUALTY: counted people in a killing or injuring context.

Casualty phrases and their attributes (count, qualifier, status) come from
`newsie.text.casualty`; here a phrase is kept when a status cue lies close enough to it, in its
clause, and does not make the counted people something else (refugees, arrests, attackers).
"""

from __future__ import annotations

import re

from newsie.data import Span
from newsie.rules.base import _make_span, span_finder
from newsie.text.casualty import (
    CASUALTY_PHRASE,
    COUNT_PATTERN,
    GAP,
    NON_CASUALTY_CUES,
    NUMBER_WORDS,
    SINGULAR_CASUALTY_HEADS,
    STATUS_CUES,
    casualty_attributes,
    cue_patterns,
    is_countable,
    nearest_cue,
)
from newsie.text.overlaps import OUTERMOST, resolve_overlaps
from newsie.text.sentences import sentence_window

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

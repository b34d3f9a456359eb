"""Bring candidate spans of an existing corpus to the boundaries of the newsie guidelines.

Used by the corpus adapters that map someone else's guidelines onto ours (re3d, GUM):

1. `newsie.text.boundaries.normalise_boundaries` trims what the guidelines exclude from a span's
   edges (whitespace and punctuation, determiners, possessive `'s`, titles before an ACTOR's name,
   unnamed heads before a LOCATION's name); each rule that fires is reported.
2. `violation` rejects what the guidelines exclude outright: pronouns, unnamed places.
3. `resolve_overlaps` leaves no two spans of one type overlapping. Rule (guidelines: nominal
   mentions such as `forces loyal to Assad` are whole ACTORs, and spans of one type never nest):
   duplicates merge; a coordination of same-type mentions (`Ann Chiang of DAB and Priscilla Leung`)
   gives way to its conjuncts; otherwise the outermost candidate is kept and the candidates
   inside it are dropped (and remembered as `absorbed`); of two crossing candidates the one that
   starts first is kept (`newsie.text.overlaps`, mode OUTERMOST).

Every change and every drop is counted in the conversion report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsie.converters.base import ConversionReport
from newsie.text import overlaps
from newsie.text.boundaries import bare_word, is_named_place, normalise_boundaries
from newsie.text.lexicon import DETERMINERS, FUNCTION_WORDS, PRONOUNS


@dataclass
class Candidate:
    """A span proposed by a source corpus; `refs` are the source ids it stands for."""

    label: str
    start: int
    end: int
    refs: list[str] = field(default_factory=list)
    absorbed: list[str] = field(default_factory=list)

    def contains(self, other: Candidate) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end


def apply_guidelines(
    candidates: list[Candidate], text: str, report: ConversionReport
) -> list[Candidate]:
    """Normalise, filter and de-overlap candidates; returns the kept ones in text order."""
    kept = []
    for cand in candidates:
        start, end, changes = normalise_boundaries(text, cand.start, cand.end, cand.label)
        for change in changes:
            report.adjust(f"{cand.label}: {change}")
        reason = "nothing left after trimming" if start >= end else violation(
            text[start:end], cand.label)
        if reason:
            report.skip(f"{cand.label}: {reason}")
            continue
        kept.append(Candidate(cand.label, start, end, list(cand.refs)))
    return resolve_overlaps(kept, text, report)


def violation(span_text: str, label: str) -> str | None:
    """Why the guidelines exclude this span text for `label`, or None when they allow it."""
    words = [bare_word(w).lower() for w in span_text.split()]
    if all(w in PRONOUNS or w in DETERMINERS or w in FUNCTION_WORDS or not w for w in words):
        return "pronoun"
    if label == "LOCATION" and not is_named_place(span_text):
        return "unnamed place"
    return None


def resolve_overlaps(
    candidates: list[Candidate], text: str, report: ConversionReport
) -> list[Candidate]:
    """Leave no two candidates of one label overlapping (rule in the module docstring)."""
    kept: list[Candidate] = []
    for label in sorted({c.label for c in candidates}):
        group = _merge_duplicates([c for c in candidates if c.label == label], report)
        group = _drop_coordinations(group, text, report)
        kept += _keep_outermost(group, report)
    return sorted(kept, key=lambda c: (c.start, -c.end, c.label))


def _merge_duplicates(group: list[Candidate], report: ConversionReport) -> list[Candidate]:
    by_offsets: dict[tuple[int, int], Candidate] = {}
    for cand in group:
        first = by_offsets.setdefault((cand.start, cand.end), cand)
        if first is not cand:
            first.refs += cand.refs
            report.skip(f"{cand.label}: duplicate candidate")
    return list(by_offsets.values())


_CONJUNCTION = re.compile(r"[\s,;]*(?:and|or|&|as well as|and/or)?[\s,;]*", re.IGNORECASE)


def _drop_coordinations(
    group: list[Candidate], text: str, report: ConversionReport
) -> list[Candidate]:
    """Drop candidates that only coordinate two or more same-type candidates inside them.

    `group` is one label's candidates with distinct, non-empty offsets (`_merge_duplicates`)."""
    ordered = sorted(group, key=lambda c: (c.start, -c.end))
    after = {id(cand): i + 1 for i, cand in enumerate(ordered)}
    kept = []
    for outer in group:
        if _is_coordination(outer, ordered, after[id(outer)], text):
            report.skip(f"{outer.label}: coordination of {outer.label} mentions, kept the parts")
        else:
            kept.append(outer)
    return kept


def _is_coordination(outer: Candidate, ordered: list[Candidate], first: int, text: str) -> bool:
    """Whether the maximal candidates inside `outer` are two or more disjoint parts that fill it,
    joined only by conjunctions (and at least one of them a word, not just a comma).

    `ordered` is sorted by (start, -end) and `ordered[first:]` follows `outer`, so a sweep meets
    the parts in text order, each before what nests in it; it stops at the first thing that rules
    a list out, and never looks past the outer's end: near linear for any corpus without deep
    same-type nesting."""
    parts, reach, joined = 0, outer.start, False
    for k in range(first, len(ordered)):
        cand = ordered[k]
        if cand.start >= outer.end:
            break
        if cand.end > outer.end:
            continue  # crosses the outer's end: not inside it
        if cand.start < reach:  # inside the last part, or crossing it: then parts would overlap
            if cand.end > reach:
                return False
            continue
        gap = text[reach:cand.start]  # cand is the next maximal candidate: the longest one here
        if not (_CONJUNCTION.fullmatch(gap) if parts else not gap.strip()):
            return False
        joined |= bool(parts and gap.strip(" ,;"))
        parts, reach = parts + 1, cand.end
    return parts >= 2 and joined and not text[reach:outer.end].strip()


def _keep_outermost(group: list[Candidate], report: ConversionReport) -> list[Candidate]:
    def drop(cand: Candidate, kept: Candidate) -> None:
        if kept.contains(cand):
            kept.absorbed += cand.refs + cand.absorbed
            report.skip(f"{cand.label}: nested in a longer {cand.label}")
        else:
            report.skip(f"{cand.label}: crosses an earlier {cand.label}")

    return overlaps.resolve_overlaps(group, overlaps.OUTERMOST, on_drop=drop)

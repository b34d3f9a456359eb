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
from itertools import pairwise

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
    """Drop candidates that only coordinate two or more same-type candidates inside them."""
    kept = []
    for outer in group:
        inner = [c for c in group if c is not outer and outer.contains(c)]
        maximal = sorted((c for c in inner if not any(o is not c and o.contains(c) for o in inner)),
                         key=lambda c: c.start)
        bounds = [outer.start] + [x for c in maximal for x in (c.start, c.end)] + [outer.end]
        gaps = [text[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
        is_list = (
            len(maximal) >= 2
            and all(a.end <= b.start for a, b in pairwise(maximal))
            and not gaps[0].strip() and not gaps[-1].strip()
            and all(_CONJUNCTION.fullmatch(gap) for gap in gaps)
            and any(gap.strip(" ,;") for gap in gaps[1:-1])
        )
        if is_list:
            report.skip(f"{outer.label}: coordination of {outer.label} mentions, kept the parts")
        else:
            kept.append(outer)
    return kept


def _keep_outermost(group: list[Candidate], report: ConversionReport) -> list[Candidate]:
    def drop(cand: Candidate, kept: Candidate) -> None:
        if kept.contains(cand):
            kept.absorbed += cand.refs + cand.absorbed
            report.skip(f"{cand.label}: nested in a longer {cand.label}")
        else:
            report.skip(f"{cand.label}: crosses an earlier {cand.label}")

    return overlaps.resolve_overlaps(group, overlaps.OUTERMOST, on_drop=drop)

"""From per-token tag scores to character spans: constrained BIO Viterbi, span assembly and the
guidelines' boundary trimming (rules in `newsie.boundaries`). Pure numpy; no model code here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from newsie.boundaries import normalise_boundaries, trim_whitespace
from newsie.rules import casualty_phrases, quotation_regions
from newsie.windows import B, I, O

NEG_INF = -1e9


def viterbi_bio(log_probs: np.ndarray) -> np.ndarray:
    """Best BIO tag sequences under "I follows B or I", batched.

    `log_probs` has shape (N, L, K, 3): N sequences, L positions, K independent span types.
    Returns tags of shape (N, L, K). Positions that should be ignored (padding) should carry
    log-probs that force O (0 for O, NEG_INF otherwise): they then leave earlier choices unchanged.
    """
    n, length, k, _ = log_probs.shape
    tags = np.zeros((n, length, k), dtype=np.int8)
    if length == 0:
        return tags
    emissions = log_probs.astype(np.float32, copy=False)
    score = emissions[:, 0].copy()
    score[..., I] = NEG_INF
    # Back-pointers: O and B follow the best tag of any kind; I follows B or I, whichever scored
    # more (`from_b`). Whole arrays per step keep the Python loop to one pass over positions.
    best_before = np.zeros((n, length, k), dtype=np.int8)
    from_b = np.zeros((n, length, k), dtype=bool)
    for t in range(1, length):
        best_before[:, t] = score.argmax(-1)
        best_any = score.max(-1)
        from_b[:, t] = score[..., B] >= score[..., I]
        best_bi = np.maximum(score[..., B], score[..., I])
        emit = emissions[:, t]
        score = np.empty_like(score)
        score[..., O] = best_any + emit[..., O]
        score[..., B] = best_any + emit[..., B]
        score[..., I] = best_bi + emit[..., I]
    tags[:, -1] = score.argmax(-1)
    for t in range(length - 1, 0, -1):
        after = tags[:, t]
        tags[:, t - 1] = np.where(after == I, np.where(from_b[:, t], B, I), best_before[:, t])
    return tags


@dataclass
class TokenSpan:
    """A span in token positions, inclusive at both ends, with its mean tag probability."""

    type_index: int
    first: int
    last: int
    score: float


def spans_from_tags(tags: np.ndarray, log_probs: np.ndarray) -> list[TokenSpan]:
    """Read spans off tags of shape (T, K); an I with no B before it opens a span."""
    found = []
    length = tags.shape[0]
    for k in range(tags.shape[1]):
        seq = tags[:, k]
        prev = np.concatenate([[O], seq[:-1]])
        starts = np.flatnonzero((seq == B) | ((seq == I) & (prev == O)))
        if not len(starts):
            continue
        breaks = np.flatnonzero(seq != I)
        chosen = np.take_along_axis(log_probs[:, k], seq[:, None].astype(np.int64), -1)[:, 0]
        cumulative = np.concatenate([[0.0], np.cumsum(chosen)])
        nxt = np.searchsorted(breaks, starts, side="right")
        ends = np.where(nxt < len(breaks), breaks[np.minimum(nxt, len(breaks) - 1)], length)
        for first, stop in zip(starts.tolist(), ends.tolist(), strict=True):
            mean = (cumulative[stop] - cumulative[first]) / (stop - first)
            found.append(TokenSpan(k, first, stop - 1, float(np.exp(mean))))
    return found


# The trimming rules are written for names; a QUOTE keeps its punctuation (`go to Moscow,`) and a
# CASUALTY phrase its own words.
GUIDELINE_TRIMMED = frozenset({"ACTOR", "LOCATION"})


def trim_span(text: str, start: int, end: int, label: str) -> tuple[int, int] | None:
    """Apply the guidelines' boundary rules to a predicted span; None if nothing is left.

    Whitespace goes from every span; ACTOR and LOCATION spans also go through
    `newsie.boundaries.normalise_boundaries`, the rules the training corpora were normalised with.
    """
    start, end = trim_whitespace(text, start, end)
    if label in GUIDELINE_TRIMMED:
        start, end, _ = normalise_boundaries(text, start, end, label)
    return (start, end) if start < end else None


# Where a span of these types may end is fixed by the text itself once the model has decided
# the span exists: a quote runs from mark to mark, a casualty phrase from its count to its noun.
SNAP_CANDIDATES: dict[str, Callable[[str], list[tuple[int, int]]]] = {
    "QUOTE": quotation_regions,
    "CASUALTY": casualty_phrases,
}


# A quote is by definition what lies between paired marks: one outside them is dropped.
SNAP_REQUIRED = frozenset({"QUOTE"})


def snap_span(
    start: int, end: int, regions: Sequence[tuple[int, int]], required: bool = False
) -> tuple[int, int] | None:
    """The region (sorted, non-overlapping) that contains `[start, end)`; else the span itself,
    or None when a containing region is `required`."""
    k = bisect_right(regions, (start, float("inf"))) - 1
    if k >= 0 and regions[k][0] <= start and end <= regions[k][1]:
        return regions[k]
    return None if required else (start, end)

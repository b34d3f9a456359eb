"""From BIO tags to token spans: where each span starts and ends, and how likely it is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newsie.windows import B, I, O


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

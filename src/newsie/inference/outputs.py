"""`DocumentOutputs`: what the model said about one document, before any text rule is applied.

The contract between the scheduler (`newsie.inference.scheduler`, which batches windows and runs
the model) and post-processing (`newsie.inference.postprocessing`, which turns these arrays into
a `Document`). Everything is in document token positions; nothing here refers to a batch, a window
or a device, so any runtime that fills one in (ONNX, a Ray worker, a test) can post-process it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TokenKey = tuple[int, int, int]
"""(span type index, first document token, last document token), both ends inclusive."""
PairKey = tuple[int, TokenKey, TokenKey]
"""(relation type index, head span, tail span)."""


@dataclass(frozen=True)
class PairScore:
    """A relation score and where it came from: the window whose score counts is the one where
    the pair lies most centrally (`centrality`: token distance from the window's nearer edge);
    on a tie, the first scored (`order`, counted over the document's pair scores)."""

    centrality: int
    order: int
    score: float


@dataclass
class DocumentOutputs:
    """One document: its text, tokens, per-type BIO tags and relation scores of span pairs."""

    text: str
    offsets: np.ndarray  # (T, 2) character [start, end) of each token
    tags: np.ndarray  # (T, K) int8 BIO tags, from the window that owns each token
    tag_log_probs: np.ndarray  # (T, K, 3) log-probabilities of O, B, I
    pair_scores: dict[PairKey, PairScore] = field(default_factory=dict)
    scores_seen: int = 0  # pair scores offered so far, kept or not: the next one's `order`

    @classmethod
    def empty(cls, text: str, offsets: np.ndarray, n_types: int) -> DocumentOutputs:
        """Outputs for `text` with every tag O: what a document looks like before any window."""
        return cls(
            text=text,
            offsets=offsets,
            tags=np.zeros((len(offsets), n_types), dtype=np.int8),
            tag_log_probs=np.zeros((len(offsets), n_types, 3), dtype=np.float32),
        )

    def add_pair_score(self, key: PairKey, centrality: int, score: float) -> None:
        """Keep the score of the most central window (the first one on a tie)."""
        held = self.pair_scores.get(key)
        if held is None or held.centrality < centrality:
            self.pair_scores[key] = PairScore(centrality, self.scores_seen, score)
        self.scores_seen += 1

"""`DocumentOutputs`: what the model said about one document, before any text rule is applied.

The contract between the scheduler (`newsie.inference.scheduler`, which batches windows and runs
the model) and post-processing (`newsie.inference.postprocessing`, which turns these tables into
a `Document`). Everything is in document token positions, inclusive at both ends; nothing here
refers to a batch or a device, so any runtime that fills one in (ONNX, a Ray worker, a test) can
post-process it.

- span pieces: the spans each window found, cut to the tokens that window owns; a span that
  crosses from one window's tokens into the next one's arrives in two pieces, the second marked
  as having begun before (`continued`), and `token_spans` joins them.
- pair scores: every relation score of a pair of spans found in one window, with the pair's
  distance from that window's edges (`centrality`), in the order they were scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PIECE_COLUMNS = ("type", "first", "last", "continued")
PAIR_COLUMNS = ("relation", "head type", "head first", "head last", "tail type", "tail first",
                "tail last", "centrality")  # fmt: skip


@dataclass
class TokenSpans:
    """A document's spans in token positions: parallel arrays, ordered by type, then first."""

    type_index: np.ndarray
    first: np.ndarray
    last: np.ndarray
    score: np.ndarray  # geometric mean of the chosen tags' probabilities


@dataclass
class DocumentOutputs:
    """One document: its text, tokens, span pieces and relation scores of span pairs."""

    text: str
    offsets: np.ndarray  # (T, 2) character [start, end) of each token
    pieces: list[np.ndarray] = field(default_factory=list)  # (Q, 4) int64, PIECE_COLUMNS
    piece_log_probs: list[np.ndarray] = field(default_factory=list)  # (Q,) summed log-probs
    pairs: list[np.ndarray] = field(default_factory=list)  # (E, 8) int64, PAIR_COLUMNS
    pair_scores: list[np.ndarray] = field(default_factory=list)  # (E,) probabilities

    def add_pieces(self, pieces: np.ndarray, log_probs: np.ndarray) -> None:
        self.pieces.append(pieces)
        self.piece_log_probs.append(log_probs)

    def add_pairs(self, pairs: np.ndarray, scores: np.ndarray) -> None:
        self.pairs.append(pairs)
        self.pair_scores.append(scores)

    def token_spans(self) -> TokenSpans:
        """The document's spans: pieces joined where one continues the piece just before it."""
        if not self.pieces:
            empty = np.zeros(0, dtype=np.int64)
            return TokenSpans(empty, empty, empty, np.zeros(0))
        pieces, log_probs = np.concatenate(self.pieces), np.concatenate(self.piece_log_probs)
        order = np.lexsort((pieces[:, 1], pieces[:, 0]))
        pieces, log_probs = pieces[order], log_probs[order]
        type_index, first, last, continued = pieces.T
        joins = np.zeros(len(pieces), dtype=bool)
        joins[1:] = (
            (continued[1:] == 1)
            & (type_index[1:] == type_index[:-1])
            & (first[1:] == last[:-1] + 1)
        )
        starts = np.flatnonzero(~joins)
        ends = np.append(starts[1:], len(pieces)) - 1
        first, last = first[starts], last[ends]
        summed = np.add.reduceat(log_probs, starts)
        return TokenSpans(type_index[starts], first, last, np.exp(summed / (last - first + 1)))

    def scored_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """All pair scores in the order they were scored: (E, 8) PAIR_COLUMNS and (E,) scores."""
        if not self.pairs:
            return np.zeros((0, len(PAIR_COLUMNS)), dtype=np.int64), np.zeros(0)
        return np.concatenate(self.pairs), np.concatenate(self.pair_scores)

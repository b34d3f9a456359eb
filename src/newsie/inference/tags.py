"""From BIO tags to spans, in torch on the model's device: where each span starts and ends, and
its summed log-probability, for a whole batch of windows at once."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn.functional import pad

from newsie.windows import B, I, O


@dataclass
class FoundSpans:
    """The spans of a batch's tags, ordered by window, type and position (the row-major order of
    (N, K, L)); positions are inclusive at both ends."""

    window: torch.Tensor  # (S,) int64
    type_index: torch.Tensor  # (S,)
    first: torch.Tensor  # (S,)
    last: torch.Tensor  # (S,)
    cumulative: torch.Tensor  # (N, K, L + 1) float64: running sums of the chosen tags' log-probs

    def __len__(self) -> int:
        return len(self.first)

    def log_prob(self, spans: torch.Tensor, first: torch.Tensor, last: torch.Tensor):
        """Summed log-probability of the chosen tags over [first, last] of the given spans' rows
        (a span's own positions or a part of them)."""
        rows = self.cumulative[self.window[spans], self.type_index[spans]]
        return rows.gather(1, (last + 1)[:, None])[:, 0] - rows.gather(1, first[:, None])[:, 0]


def find_spans(tags: torch.Tensor, log_probs: torch.Tensor) -> FoundSpans:
    """Spans of well-formed tags (N, L, K) (every I follows a B or an I, as `bio_tags` gives),
    with `log_probs` (N, L, K, 3) for their scores."""
    chosen = log_probs.gather(-1, tags.unsqueeze(-1)).squeeze(-1)
    rows = tags.transpose(1, 2)  # (N, K, L): nonzero() then orders spans by window, type, position
    following = pad(rows[..., 1:], (0, 1), value=O)
    window, type_index, first = (rows == B).nonzero().unbind(1)
    last = ((rows != O) & (following != I)).nonzero()[:, 2]
    cumulative = pad(chosen.transpose(1, 2).double().cumsum(-1), (1, 0))
    return FoundSpans(window, type_index, first, last, cumulative)

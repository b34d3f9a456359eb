"""Constrained BIO decoding: the best tag sequence per span type under "I follows B or I".

    bio_tags(log_probs)     torch, on the model's device: the per-position argmax where it
                            already obeys the constraint (then no sequence scores more: it is the
                            constrained optimum), Viterbi for the (window, type) rows where not
    viterbi_bio(log_probs)  Viterbi itself, in numpy on the host: one step per position, which
                            costs a kernel launch per operation on a GPU and little in numpy

No model or text code here.
"""

from __future__ import annotations

import numpy as np
import torch

from newsie.windows import B, I, O

NEG_INF = -1e9


def bio_tags(log_probs: torch.Tensor) -> torch.Tensor:
    """Best BIO tags (N, L, K) for `log_probs` (N, L, K, 3) under "I follows B or I".

    Equal to `viterbi_bio` (up to exact ties). About a quarter of a trained model's (window,
    type) rows need Viterbi, most where a window starts inside a span; only those rows travel
    to the host and back.
    """
    tags = log_probs.argmax(-1)
    before = torch.nn.functional.pad(tags[:, :-1], (0, 0, 1, 0), value=O)
    broken = ((tags == I) & (before == O)).any(1)  # (N, K)
    rows = broken.nonzero()
    if len(rows):
        n, k = rows.unbind(1)
        repaired = viterbi_bio(log_probs[n, :, k].unsqueeze(2).cpu().numpy())
        tags[n, :, k] = torch.from_numpy(repaired[:, :, 0]).to(tags.device, torch.int64)
    return tags


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

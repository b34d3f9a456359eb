"""Constrained BIO decoding: the best tag sequence per span type under "I follows B or I".

Pure numpy, batched over windows and span types; no model or text code here.
"""

from __future__ import annotations

import numpy as np

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

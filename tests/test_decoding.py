"""Constrained BIO Viterbi against brute force, span assembly, and the boundary-trimming rules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from newsie.inference.tags import TokenSpan, spans_from_tags
from newsie.inference.viterbi import NEG_INF, viterbi_bio
from newsie.windows import B, I, O


def valid(tags) -> bool:
    """BIO's rule: an I follows a B or an I (so never opens a sequence)."""
    return all(tag != I or (k > 0 and tags[k - 1] != O) for k, tag in enumerate(tags))


def path_score(log_probs: np.ndarray, tags) -> float:
    """Score of one type's tag path; `log_probs` has shape (L, 3)."""
    return float(sum(log_probs[k, tag] for k, tag in enumerate(tags)))


def brute_force(log_probs: np.ndarray) -> tuple[tuple[int, ...], float]:
    candidates = (tags for tags in itertools.product((O, B, I), repeat=len(log_probs))
                  if valid(tags))
    best = max(candidates, key=lambda tags: path_score(log_probs, tags))
    return best, path_score(log_probs, best)


def random_log_probs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    logits = rng.normal(scale=2.0, size=(*shape, 3))
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


def test_viterbi_equals_brute_force_on_random_inputs():
    rng = np.random.default_rng(13)
    for length in range(1, 7):
        log_probs = random_log_probs(rng, (30, length, 2)).astype(np.float32)
        tags = viterbi_bio(log_probs)
        assert tags.shape == (30, length, 2)
        for n in range(30):
            for k in range(2):
                best, best_score = brute_force(log_probs[n, :, k].astype(np.float64))
                found = tuple(tags[n, :, k].tolist())
                assert valid(found)
                assert path_score(log_probs[n, :, k], found) == pytest.approx(best_score, abs=1e-4)
                assert found == best


def test_viterbi_never_puts_i_after_o_or_first_even_when_i_is_likeliest():
    rng = np.random.default_rng(0)
    log_probs = random_log_probs(rng, (20, 40, 4))
    log_probs[..., I] = log_probs.max(-1) + 1.0  # I is the likeliest tag everywhere
    tags = viterbi_bio(log_probs)
    assert (tags[:, 0] != I).all()
    previous = np.concatenate([np.full((20, 1, 4), O), tags[:, :-1]], axis=1)
    assert not ((tags == I) & (previous == O)).any()
    assert (tags[:, 1:] == I).mean() > 0.9  # the constraint bends only where it must


def test_viterbi_on_a_clear_case():
    probs = np.array([[0.1, 0.8, 0.1], [0.2, 0.1, 0.7], [0.9, 0.05, 0.05], [0.3, 0.1, 0.6]])
    tags = viterbi_bio(np.log(probs)[None, :, None, :])
    # The last position's likeliest tag, I, cannot follow the O before it.
    assert tags[0, :, 0].tolist() == [B, I, O, O]


def test_viterbi_forced_padding_leaves_the_real_positions_alone():
    rng = np.random.default_rng(5)
    real = random_log_probs(rng, (3, 6, 2))
    padded = np.concatenate([real, np.full((3, 4, 2, 3), NEG_INF)], axis=1)
    padded[:, 6:, :, O] = 0.0
    tags = viterbi_bio(padded)
    assert (tags[:, :6] == viterbi_bio(real)).all()
    assert (tags[:, 6:] == O).all()


def test_viterbi_of_nothing():
    assert viterbi_bio(np.zeros((2, 0, 4, 3))).shape == (2, 0, 4)


def test_spans_from_tags():
    tags = np.array([[B, O], [I, B], [O, B], [I, I], [B, O], [B, I]])
    log_probs = np.log(np.full((6, 2, 3), 0.5))
    log_probs[0, 0, B] = np.log(0.9)
    log_probs[1, 0, I] = np.log(0.1)
    spans = spans_from_tags(tags, log_probs)
    assert [(s.type_index, s.first, s.last) for s in spans] == [
        (0, 0, 1),  # B I
        (0, 3, 3),  # an I after O opens a span
        (0, 4, 4), (0, 5, 5),  # B B: two spans
        (1, 1, 1), (1, 2, 3),  # B B I: the second B starts a new span
        (1, 5, 5),  # an I first after an O, closing the sequence
    ]
    assert spans[0].score == pytest.approx(np.sqrt(0.9 * 0.1))  # geometric mean of the tags
    assert spans[1].score == pytest.approx(0.5)


def test_spans_from_tags_without_spans():
    assert spans_from_tags(np.zeros((5, 3), dtype=np.int8), np.zeros((5, 3, 3))) == []
    assert spans_from_tags(np.zeros((0, 3), dtype=np.int8), np.zeros((0, 3, 3))) == []


def test_token_span_is_a_plain_record():
    assert TokenSpan(2, 3, 4, 0.5) == TokenSpan(type_index=2, first=3, last=4, score=0.5)

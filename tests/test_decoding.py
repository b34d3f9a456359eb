"""Constrained BIO decoding against brute force, spans read off tags, and a document's spans
joined from the pieces its windows own, against the tags stitched token by token."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from newsie.inference.outputs import DocumentOutputs
from newsie.inference.tags import find_spans
from newsie.inference.viterbi import NEG_INF, bio_tags, viterbi_bio
from newsie.inference.window_tables import owned_pieces
from newsie.windows import B, I, O, make_windows


def valid(tags) -> bool:
    """BIO's rule: an I follows a B or an I (so never opens a sequence)."""
    return all(tag != I or (k > 0 and tags[k - 1] != O) for k, tag in enumerate(tags))


def path_score(log_probs: np.ndarray, tags) -> float:
    """Score of one type's tag path; `log_probs` has shape (L, 3)."""
    return float(sum(log_probs[k, tag] for k, tag in enumerate(tags)))


def brute_force(log_probs: np.ndarray) -> tuple[tuple[int, ...], float]:
    candidates = (
        tags for tags in itertools.product((O, B, I), repeat=len(log_probs)) if valid(tags)
    )
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


def test_argmax_with_repair_equals_viterbi():
    rng = np.random.default_rng(3)
    log_probs = random_log_probs(rng, (40, 25, 4)).astype(np.float32)
    log_probs[:20, :, :2] *= 0.2  # flatter rows: more of them break the BIO rule under argmax
    tags = bio_tags(torch.from_numpy(log_probs)).numpy()
    assert (tags == viterbi_bio(log_probs)).all()
    argmax = log_probs.argmax(-1)
    before = np.concatenate([np.full((40, 1, 4), O), argmax[:, :-1]], axis=1)
    broken = ((argmax == I) & (before == O)).any(1)
    assert broken.any() and not broken.all()  # both paths were taken


def reference_spans(tags: np.ndarray, log_probs: np.ndarray) -> list[tuple]:
    """(type, first, last, score) read off tags (T, K) one token at a time: a B, or an I after
    an O, opens a span; the score is the geometric mean of the chosen tags' probabilities."""
    found = []
    for k in range(tags.shape[1]):
        span = None
        for t, tag in enumerate(tags[:, k].tolist()):
            if span is not None and tag != I:
                found.append(span)
                span = None
            if tag == B or (tag == I and span is None):
                span = [k, t, t, 0.0]
            if span is not None:
                span[2] = t
                span[3] += float(log_probs[t, k, tag])
        if span is not None:
            found.append(span)
    return [(k, a, b, float(np.exp(total / (b - a + 1)))) for k, a, b, total in found]


def test_find_spans():
    tags = torch.tensor([[B, O], [I, B], [O, B], [O, I], [B, O], [B, B]])[None]
    log_probs = torch.log(torch.full((1, 6, 2, 3), 0.5, dtype=torch.float64))
    log_probs[0, 0, 0, B] = np.log(0.9)
    log_probs[0, 1, 0, I] = np.log(0.1)
    found = find_spans(tags, log_probs)
    rows = torch.stack([found.type_index, found.first, found.last], 1).tolist()
    assert [tuple(row) for row in rows] == [
        (0, 0, 1), (0, 4, 4), (0, 5, 5),  # B I; B B: two spans
        (1, 1, 1), (1, 2, 3), (1, 5, 5),  # B B I: the second B starts a new span
    ]  # fmt: skip
    summed = found.log_prob(torch.arange(len(found)), found.first, found.last)
    assert summed[0].item() == pytest.approx(np.log(0.9 * 0.1))


def test_find_spans_without_spans():
    for length in (5, 0):
        found = find_spans(torch.zeros((2, length, 3), dtype=torch.int64),
                           torch.zeros((2, length, 3, 3)))  # fmt: skip
        assert len(found) == 0


@pytest.mark.parametrize("seed", range(6))
def test_owned_pieces_join_into_the_spans_of_the_stitched_tags(seed):
    """Each window decodes alone; the document's spans are what the tags of the windows that
    own each token say, a span crossing a window's edge joined from two pieces."""
    rng = np.random.default_rng(seed)
    n_tokens, length, stride = int(rng.integers(20, 60)), 12, 4
    windows = make_windows(n_tokens, length, stride)
    log_probs = random_log_probs(rng, (len(windows), length, 3)) * 0.5
    spans_of_windows = [(w.end - w.start, w.own_start - w.start, w.own_end - w.start)
                        for w in windows]  # fmt: skip
    extents = torch.tensor(spans_of_windows)
    padding = np.arange(length)[None, :] >= extents[:, 0].numpy()[:, None]
    log_probs[padding] = NEG_INF
    log_probs[padding, :, O] = 0.0
    torch_log_probs = torch.from_numpy(log_probs)
    tags = bio_tags(torch_log_probs)
    found = find_spans(tags, torch_log_probs)
    pieces, piece_log_probs = owned_pieces(found, extents[:, 1:])
    outputs = DocumentOutputs("", np.zeros((n_tokens, 2), dtype=np.int64))
    rows = pieces[:, 0]
    start = torch.tensor([w.start for w in windows])[found.window[rows]]
    doc_pieces = torch.stack([found.type_index[rows], pieces[:, 1] + start,
                              pieces[:, 2] + start, pieces[:, 3]], 1)  # fmt: skip
    outputs.add_pieces(doc_pieces.numpy(), piece_log_probs.numpy())
    joined = outputs.token_spans()

    stitched = np.zeros((n_tokens, 3), dtype=np.int64)
    stitched_log_probs = np.zeros((n_tokens, 3, 3))
    for i, w in enumerate(windows):
        a, b = w.own_start - w.start, w.own_end - w.start
        stitched[w.own_start : w.own_end] = tags[i, a:b].numpy()
        stitched_log_probs[w.own_start : w.own_end] = log_probs[i, a:b]
    expected = sorted(reference_spans(stitched, stitched_log_probs))
    got = list(zip(joined.type_index.tolist(), joined.first.tolist(), joined.last.tolist(),
                   joined.score.tolist(), strict=True))  # fmt: skip
    assert [g[:3] for g in got] == [e[:3] for e in expected]
    assert [g[3] for g in got] == pytest.approx([e[3] for e in expected], rel=1e-9)
    assert len(expected) > 3

"""Tokens with offsets, overlapping windows that own every token once, BIO labels, token shapes."""

from __future__ import annotations

import numpy as np
import pytest

from newsie.data import Document
from newsie.windows import (
    IGNORE,
    SHAPE_DIGIT,
    SHAPE_LOWER,
    SHAPE_OTHER,
    SHAPE_PUNCT,
    SHAPE_TITLE,
    SHAPE_UPPER,
    B,
    DocTokens,
    I,
    O,
    SpecialTokens,
    Window,
    bio_labels,
    make_windows,
    token_shapes,
    token_span,
    tokenize,
    window_input,
)

TYPES = ("ACTOR", "CASUALTY", "LOCATION", "QUOTE")


@pytest.fixture(scope="module")
def tokenizer(tiny_encoder_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_encoder_dir)


def check_windows(windows: list[Window], n_tokens: int, content_length: int, stride: int) -> None:
    owned = [t for w in windows for t in range(w.own_start, w.own_end)]
    assert owned == list(range(n_tokens))  # every token owned once, in order
    assert windows[0].start == 0 and windows[-1].end == n_tokens
    for w in windows:
        assert 0 < w.end - w.start <= content_length
        assert w.start <= w.own_start < w.own_end <= w.end
    for left, right in zip(windows, windows[1:], strict=False):
        assert left.end - right.start == stride  # neighbours overlap by exactly `stride`
        assert left.end - left.start == content_length  # only the last window may be short


def test_make_windows_covers_every_token_once_by_ownership():
    for n_tokens in range(1, 70):
        for content_length in range(2, 13):
            for stride in range(content_length):
                windows = make_windows(n_tokens, content_length, stride, doc_index=3)
                check_windows(windows, n_tokens, content_length, stride)
                assert {w.doc_index for w in windows} == {3}


def test_make_windows_one_window_when_the_document_fits():
    assert make_windows(10, 10, 4) == [Window(0, 0, 10, 0, 10)]


def test_make_windows_ownership_splits_the_overlap_in_the_middle():
    first, second = make_windows(14, 10, 6)
    assert (first.start, first.end, second.start, second.end) == (0, 10, 4, 14)
    assert (first.own_end, second.own_start) == (7, 7)


def test_make_windows_refuses_a_stride_as_long_as_the_window():
    with pytest.raises(ValueError, match="stride"):
        make_windows(100, 8, 8)


def test_tokenize_gives_offsets_into_the_original_text(tokenizer):
    texts = ["Rebels shelled HOMS, killing 12.", "  Zoë\r\nwent  to Zürich 🙂", ""]
    docs = tokenize(tokenizer, texts)
    assert [len(d) for d in docs][2] == 0
    for text, doc in zip(texts, docs, strict=True):
        assert len(doc.ids) == len(doc.offsets)
        assert all(0 <= s < e <= len(text) for s, e in doc.offsets)  # no zero-width tokens
        assert all(doc.offsets[k, 1] <= doc.offsets[k + 1, 0] for k in range(len(doc) - 1))
    pieces = [texts[0][s:e] for s, e in docs[0].offsets]
    assert "HOMS" in "".join(pieces) and pieces[0] == "Rebels"


def test_tokenize_refuses_a_slow_tokenizer():
    class SlowTokenizer:
        is_fast = False

    with pytest.raises(ValueError, match="fast"):
        tokenize(SlowTokenizer(), ["text"])


def test_special_tokens_and_window_input(tokenizer):
    special = SpecialTokens(tokenizer)
    assert special.prefix == [tokenizer.cls_token_id]
    assert special.suffix == [tokenizer.sep_token_id]
    assert special.count == 2 and special.pad_id == tokenizer.pad_token_id
    ids = np.arange(100, 110)
    row = window_input(ids, Window(0, 3, 6, 3, 6), special)
    assert row == [tokenizer.cls_token_id, 103, 104, 105, tokenizer.sep_token_id]


OFFSETS = np.array([[0, 6], [7, 14], [15, 19], [19, 20], [22, 25]])  # "Rebels shelled Homs,  now"


@pytest.mark.parametrize("start, end, expected", [
    (0, 6, (0, 0)),  # exactly one token
    (7, 19, (1, 2)),  # several tokens
    (9, 12, (1, 1)),  # inside a token
    (3, 16, (0, 2)),  # cuts into tokens at both ends: they count
    (14, 15, None),  # a gap between tokens
    (20, 22, None),
    (25, 30, None),  # past the last token
    (0, 30, (0, 4)),
])
def test_token_span(start, end, expected):
    assert token_span(OFFSETS, start, end) == expected


def tagged(text: str, tokens: DocTokens, tags: np.ndarray) -> list[str]:
    """The text of each B(I*) run of one type's tags."""
    runs = []
    for k, tag in enumerate(tags.tolist()):
        if tag == B:
            runs.append([k, k])
        elif tag == I:
            assert runs and runs[-1][1] == k - 1, "I must continue a B or an I"
            runs[-1][1] = k
    return [text[tokens.offsets[a, 0] : tokens.offsets[b, 1]] for a, b in runs]


def test_bio_labels_tags_spans_and_ignores_unannotated_types(tokenizer):
    text = "Rebels shelled Homs city, killing 12 people."
    doc = Document.from_dict({
        "text": text,
        "spans": [{"label": "ACTOR", "start": 0, "end": 6},
                  {"label": "LOCATION", "start": 15, "end": 24},
                  {"label": "CASUALTY", "start": 34, "end": 43}],  # not annotated: never a label
        "annotated": {"spans": ["ACTOR", "LOCATION"], "relations": []},
    })
    [tokens] = tokenize(tokenizer, [text])
    labels = bio_labels(doc, tokens, TYPES)
    assert labels.shape == (len(tokens), len(TYPES))
    assert tagged(text, tokens, labels[:, 0]) == ["Rebels"]
    assert tagged(text, tokens, labels[:, 2]) == ["Homs city"]
    assert (labels[:, 1] == IGNORE).all() and (labels[:, 3] == IGNORE).all()
    assert set(labels[:, 0].tolist()) <= {O, B, I}


def test_bio_labels_of_a_fully_annotated_document_have_no_ignore(tokenizer, documents):
    doc = documents[1]  # a quote with a location nested in it
    [tokens] = tokenize(tokenizer, [doc.text])
    labels = bio_labels(doc, tokens, TYPES)
    assert (labels != IGNORE).all()
    assert tagged(doc.text, tokens, labels[:, 3]) == ["We will not go to Lagos,"]
    assert tagged(doc.text, tokens, labels[:, 2]) == ["Lagos", "Abuja"]  # nested in the quote
    assert tagged(doc.text, tokens, labels[:, 0]) == ["Amina Bello", "reporters"]


def test_token_shapes():
    text = "Rebels UN said 12 , iPhone"
    offsets = np.array([[0, 6], [7, 9], [10, 14], [15, 17], [18, 19], [20, 26]])
    assert token_shapes(text, offsets).tolist() == [
        SHAPE_TITLE, SHAPE_UPPER, SHAPE_LOWER, SHAPE_DIGIT, SHAPE_PUNCT, SHAPE_OTHER]


def test_tokenize_drops_zero_width_tokens_and_keeps_ids_and_offsets_aligned(tokenizer):
    text = "Rebels\u200b shelled Homs\u00a0on Monday."
    tokens = tokenize(tokenizer, [text])[0]
    assert len(tokens) == len(tokens.ids) == len(tokens.offsets) > 0
    pieces = [text[a:b] for a, b in tokens.offsets]
    assert all(pieces) and "\u200b" not in "".join(pieces)
    assert "".join(pieces) == "".join(text.split()).replace("\u200b", "")
    assert tokenizer.convert_ids_to_tokens(tokens.ids.tolist())[:3] == ["rebels", "shell", "##ed"]

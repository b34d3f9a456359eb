"""From texts to encoder windows: tokenization with character offsets, overlapping windows,
token shapes (casing features) and BIO label alignment.

A document is tokenized once, without special tokens; windows are slices of that token sequence
with `stride` tokens of overlap. Each window *owns* the tokens nearer its centre than its
neighbours', so every document token takes its prediction from exactly one window.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsie.data import Document

IGNORE = -100
O, B, I = 0, 1, 2  # noqa: E741 - the BIO tag names
TAGS = ("O", "B", "I")

# Token shapes, in the original (cased) text: padding/special, lower, Capitalised, ALL CAPS,
# digits, punctuation, mixed/other.
SHAPE_PAD, SHAPE_LOWER, SHAPE_TITLE, SHAPE_UPPER, SHAPE_DIGIT, SHAPE_PUNCT, SHAPE_OTHER = range(7)
NUM_SHAPES = 7


@dataclass
class DocTokens:
    """One document's tokens: ids and `[start, end)` character offsets, both of length T."""

    ids: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Window:
    doc_index: int
    start: int  # first document token in the window
    end: int  # one past the last document token
    own_start: int  # the tokens whose predictions this window supplies
    own_end: int


class SpecialTokens:
    """The ids a tokenizer puts before and after a sequence, found by asking it once."""

    def __init__(self, tokenizer) -> None:
        plain = tokenizer("a", add_special_tokens=False)["input_ids"]
        full = tokenizer("a", add_special_tokens=True)["input_ids"]
        for i in range(len(full) - len(plain) + 1):
            if full[i : i + len(plain)] == plain:
                self.prefix, self.suffix = full[:i], full[i + len(plain) :]
                break
        else:  # pragma: no cover - no known tokenizer does this
            raise ValueError(f"cannot locate the content tokens inside {full}")
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    @property
    def count(self) -> int:
        return len(self.prefix) + len(self.suffix)


def tokenize(tokenizer, texts: Sequence[str]) -> list[DocTokens]:
    """Tokenize many texts in one call of the fast tokenizer."""
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("newsie needs a fast (Rust) tokenizer for character offsets")
    encoded = tokenizer(
        list(texts), add_special_tokens=False, return_offsets_mapping=True, verbose=False
    )
    docs = []
    for ids, offsets in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True):
        # fromiter over the flattened pairs: several times faster than asarray on the tuples
        flat = itertools.chain.from_iterable(offsets)
        offs = np.fromiter(flat, dtype=np.int64, count=2 * len(offsets)).reshape(-1, 2)
        keep = offs[:, 1] > offs[:, 0]  # drop zero-width tokens: they cover no text
        docs.append(DocTokens(np.asarray(ids, dtype=np.int64)[keep], offs[keep]))
    return docs


def make_windows(
    n_tokens: int, content_length: int, stride: int, doc_index: int = 0
) -> list[Window]:
    """Cover `n_tokens` with windows of `content_length` tokens overlapping by `stride`."""
    if stride >= content_length:
        raise ValueError(f"stride ({stride}) must be smaller than the window ({content_length})")
    bounds = []
    start = 0
    while True:
        end = min(start + content_length, n_tokens)
        bounds.append((start, end))
        if end >= n_tokens:
            break
        start += content_length - stride
    windows = []
    for k, (start, end) in enumerate(bounds):
        own_start = 0 if k == 0 else (start + bounds[k - 1][1]) // 2
        own_end = end if k == len(bounds) - 1 else (bounds[k + 1][0] + end) // 2
        windows.append(Window(doc_index, start, end, own_start, own_end))
    return windows


def token_shapes(text: str, offsets: np.ndarray) -> np.ndarray:
    shapes = np.empty(len(offsets), dtype=np.int64)
    for k, (start, end) in enumerate(offsets):
        shapes[k] = _shape(text[start:end])
    return shapes


def _shape(piece: str) -> int:
    if piece.isdigit():
        return SHAPE_DIGIT
    if piece.islower():
        return SHAPE_LOWER
    if piece.isupper():
        return SHAPE_UPPER if len(piece) > 1 else SHAPE_TITLE
    if piece[:1].isupper() and piece[1:].islower():
        return SHAPE_TITLE
    if not any(ch.isalnum() for ch in piece):
        return SHAPE_PUNCT
    return SHAPE_OTHER


def token_span(offsets: np.ndarray, start: int, end: int) -> tuple[int, int] | None:
    """First and last token overlapping the characters `[start, end)`, or None if none does."""
    first = int(np.searchsorted(offsets[:, 1], start, side="right"))
    last = int(np.searchsorted(offsets[:, 0], end, side="left")) - 1
    if first > last or first >= len(offsets):
        return None
    return first, last


def bio_labels(doc: Document, tokens: DocTokens, span_types: Sequence[str]) -> np.ndarray:
    """Per-type BIO tags, shape (T, n_types); a type the document does not annotate is IGNORE."""
    labels = np.zeros((len(tokens), len(span_types)), dtype=np.int64)
    for j, label in enumerate(span_types):
        if label not in doc.annotated.spans:
            labels[:, j] = IGNORE
    for span in doc.spans:
        if span.label not in span_types or span.label not in doc.annotated.spans:
            continue
        found = token_span(tokens.offsets, span.start, span.end)
        if found is None:
            continue
        j = span_types.index(span.label)
        labels[found[0], j] = B
        labels[found[0] + 1 : found[1] + 1, j] = I
    return labels


def window_input(ids: np.ndarray, window: Window, special: SpecialTokens) -> list[int]:
    return special.prefix + ids[window.start : window.end].tolist() + special.suffix

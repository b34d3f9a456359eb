"""Documents -> training windows (a `datasets.Dataset`) and the collator that batches them.

Each window carries its BIO labels per span type and the gold spans wholly inside it, with every
allowed (head, tail) pair labelled 1/0 per relation type, or -100 where the document does not
annotate that relation, and its document's weight in the loss. Matrices are stored flat, row by
row, and `unpack_row` gives them their shapes back: Arrow hands flat lists to Python about 30
times faster than nested ones, and the Trainer fetches rows one at a time on the step's critical
path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from datasets import Dataset

from newsie.data import Document
from newsie.schema import LabelSchema
from newsie.windows import (
    IGNORE,
    SHAPE_PAD,
    SpecialTokens,
    bio_labels,
    make_windows,
    token_shapes,
    token_span,
    tokenize,
    window_input,
)


def build_features(
    documents: Sequence[Document],
    tokenizer,
    schema: LabelSchema,
    *,
    max_length: int,
    stride: int,
    use_casing: bool,
    weights: Sequence[float] | None = None,
) -> Dataset:
    """The training windows of `documents`; `weights`, one per document (default 1), say how
    much each document's windows count in the loss."""
    if weights is None:
        weights = [1.0] * len(documents)
    special = SpecialTokens(tokenizer)
    content_length = max_length - special.count
    rows = []
    for doc, weight, tokens in zip(
        documents, weights, tokenize(tokenizer, [d.text for d in documents]), strict=True
    ):
        if not len(tokens):
            continue
        labels = bio_labels(doc, tokens, schema.span_types)
        shapes = token_shapes(doc.text, tokens.offsets) if use_casing else None
        gold = _gold_token_spans(doc, tokens.offsets, schema)
        for window in make_windows(len(tokens), content_length, stride):
            lead, n = len(special.prefix), window.end - window.start
            row_labels = np.full((n + special.count, len(schema.span_types)), IGNORE, np.int64)
            row_labels[lead : lead + n] = labels[window.start : window.end]
            row_shapes = np.full(n + special.count, SHAPE_PAD, np.int64)
            if shapes is not None:
                row_shapes[lead : lead + n] = shapes[window.start : window.end]
            spans, pairs, pair_labels = _window_relations(
                doc, gold, window.start, window.end, lead, schema
            )
            rows.append(
                {
                    "input_ids": window_input(tokens.ids, window, special),
                    "length": n + special.count,  # lets the Trainer batch windows of like length
                    "shapes": row_shapes.tolist(),
                    "labels": row_labels.ravel().tolist(),  # (tokens, span types)
                    "spans": _flat(spans),  # (spans, 3): first token, last token, type
                    "pairs": _flat(pairs),  # (pairs, 2): head and tail rows of `spans`
                    "pair_labels": _flat(pair_labels),  # (pairs, relation types)
                    "weight": float(weight),
                }
            )
    return Dataset.from_list(rows)


def unpack_row(row: Mapping) -> dict[str, np.ndarray]:
    """A row of `build_features` as arrays of their shapes: input_ids and shapes (tokens,),
    labels (tokens, span types), spans (spans, 3), pairs (pairs, 2), pair_labels (pairs, R)."""
    n = len(row["input_ids"])
    pairs = np.asarray(row["pairs"], dtype=np.int64).reshape(-1, 2)
    pair_labels = np.asarray(row["pair_labels"], dtype=np.int64)
    return {
        "input_ids": np.asarray(row["input_ids"], dtype=np.int64),
        "shapes": np.asarray(row["shapes"], dtype=np.int64),
        "labels": np.asarray(row["labels"], dtype=np.int64).reshape(n, -1),
        "spans": np.asarray(row["spans"], dtype=np.int64).reshape(-1, 3),
        "pairs": pairs,
        "pair_labels": pair_labels.reshape(len(pairs), -1) if len(pairs) else pair_labels,
    }


def _flat(rows: list[list[int]]) -> list[int]:
    return [value for row in rows for value in row]


def _gold_token_spans(doc: Document, offsets: np.ndarray, schema: LabelSchema) -> dict:
    """id(span) -> (first token, last token, type index) for gold spans of annotated types."""
    found = {}
    for span in doc.spans:
        if span.label in doc.annotated.spans and span.label in schema.span_types:
            located = token_span(offsets, span.start, span.end)
            if located is not None:
                found[id(span)] = (*located, schema.span_types.index(span.label))
    return found


def _window_relations(doc, gold, start, end, lead, schema: LabelSchema):
    inside = [
        s for s in doc.spans if id(s) in gold and start <= gold[id(s)][0] and gold[id(s)][1] < end
    ]
    spans = [
        [gold[id(s)][0] - start + lead, gold[id(s)][1] - start + lead, gold[id(s)][2]]
        for s in inside
    ]
    linked = {(id(r.head), id(r.tail), r.label) for r in doc.relations}
    pairs, pair_labels = [], []
    for h, head in enumerate(inside):
        for t, tail in enumerate(inside):
            allowed = schema.relations_between(head.label, tail.label)
            if h == t or not allowed:
                continue
            labels = [IGNORE] * len(schema.relation_types)
            for rel in allowed:
                if rel.name in doc.annotated.relations:
                    k = schema.relation_names.index(rel.name)
                    labels[k] = int((id(head), id(tail), rel.name) in linked)
            pairs.append([h, t])
            pair_labels.append(labels)
    return spans, pairs, pair_labels


class NewsieCollator:
    """Pads windows and flattens their spans and pairs into batch-wide index tensors."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, rows: list[Mapping]) -> dict[str, torch.Tensor]:
        windows = [unpack_row(row) for row in rows]
        width = max(len(w["input_ids"]) for w in windows)
        n_types = windows[0]["labels"].shape[1]
        input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        attention = np.zeros((len(rows), width), dtype=np.int64)
        shapes = np.full((len(rows), width), SHAPE_PAD, dtype=np.int64)
        labels = np.full((len(rows), width, n_types), IGNORE, dtype=np.int64)
        span_index, pair_index, pair_labels = [], [], []
        spans_before = 0
        for i, window in enumerate(windows):
            n = len(window["input_ids"])
            input_ids[i, :n] = window["input_ids"]
            attention[i, :n] = 1
            shapes[i, :n] = window["shapes"]
            labels[i, :n] = window["labels"]
            spans = window["spans"]
            span_index.append(np.column_stack([np.full(len(spans), i), spans]))
            if len(window["pairs"]):
                pair_index.append(window["pairs"] + spans_before)
                pair_labels.append(window["pair_labels"])
            spans_before += len(spans)
        batch = {
            "input_ids": torch.from_numpy(input_ids),
            "attention_mask": torch.from_numpy(attention),
            "shapes": torch.from_numpy(shapes),
            "labels": torch.from_numpy(labels),
            "window_weights": torch.tensor([row["weight"] for row in rows], dtype=torch.float32),
        }
        if pair_index:
            batch["span_index"] = torch.from_numpy(np.concatenate(span_index))
            batch["pair_index"] = torch.from_numpy(np.concatenate(pair_index))
            batch["pair_labels"] = torch.from_numpy(
                np.concatenate(pair_labels).astype(np.float32)
            )
        return batch

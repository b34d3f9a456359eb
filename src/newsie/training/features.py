"""Documents -> training windows (a `datasets.Dataset`) and the collator that batches them.

Each window carries its BIO labels per span type and the gold spans wholly inside it, with every
allowed (head, tail) pair labelled 1/0 per relation type, or -100 where the document does not
annotate that relation.
"""

from __future__ import annotations

from collections.abc import Sequence

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
) -> Dataset:
    special = SpecialTokens(tokenizer)
    content_length = max_length - special.count
    rows = []
    for doc, tokens in zip(
        documents, tokenize(tokenizer, [d.text for d in documents]), strict=True
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
                    "labels": row_labels.tolist(),
                    "spans": spans,
                    "pairs": pairs,
                    "pair_labels": pair_labels,
                }
            )
    return Dataset.from_list(rows)


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

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        width = max(len(r["input_ids"]) for r in rows)
        n_types = len(rows[0]["labels"][0])
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        shapes = torch.full((len(rows), width), SHAPE_PAD, dtype=torch.long)
        labels = torch.full((len(rows), width, n_types), IGNORE, dtype=torch.long)
        span_index, pair_index, pair_labels = [], [], []
        for i, row in enumerate(rows):
            n = len(row["input_ids"])
            input_ids[i, :n] = torch.tensor(row["input_ids"])
            attention[i, :n] = 1
            shapes[i, :n] = torch.tensor(row["shapes"])
            labels[i, :n] = torch.tensor(row["labels"])
            base = len(span_index)
            span_index += [[i, *span] for span in row["spans"]]
            pair_index += [[base + h, base + t] for h, t in row["pairs"]]
            pair_labels += row["pair_labels"]
        batch = {
            "input_ids": input_ids,
            "attention_mask": attention,
            "shapes": shapes,
            "labels": labels,
        }
        if pair_index:
            batch["span_index"] = torch.tensor(span_index, dtype=torch.long)
            batch["pair_index"] = torch.tensor(pair_index, dtype=torch.long)
            batch["pair_labels"] = torch.tensor(pair_labels, dtype=torch.float)
        return batch

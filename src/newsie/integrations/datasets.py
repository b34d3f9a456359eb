"""newsie over a Hugging Face `datasets.Dataset`:

    dataset = dataset.map(extract(extractor), batched=True)   # adds "spans", "relations", ...
    document = to_document(dataset[0])                       # the newsie Document of a row

Each batch's texts go through `Extractor.pipe` together (windows of several texts share a
forward pass; a long text is split into windows, never cut). Each row gets the Document's spans,
relations and document-level fields (`doc_counts`, `casualty_events`, `actors`) in the corpus
JSON form (`Document.to_dict()`), each column a JSON string (`null` when the model's document
layer is off).

Why JSON strings, not Arrow structs: Arrow needs one type per column for the whole dataset, and
`datasets` takes it from the first batch. A span's keys vary (`attrs` only on a CASUALTY, each
attribute only when known), so a batch without a casualty would give a struct type that the next
batch's rows cannot be cast to, and `map` would fail midway. A string column has one type and
gives back exactly what `Document.to_dict()` wrote.

With `map(..., with_indices=True)` an error names the dataset's row; without it, the row within
its batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from newsie.data import DOCUMENT_LEVEL_KEYS, Document
from newsie.extractor import Extractor

OUTPUT_FIELDS = ("spans", "relations", *DOCUMENT_LEVEL_KEYS)

BatchFunction = Callable[..., dict[str, list[str]]]


def extract(
    extractor: Extractor,
    text_column: str = "text",
    prefix: str = "",
    batch_size: int | None = None,
) -> BatchFunction:
    """A function for `Dataset.map(..., batched=True)` that adds the columns `{prefix}spans`,
    `{prefix}relations`, `{prefix}doc_counts`, `{prefix}casualty_events` and `{prefix}actors`
    (JSON strings) predicted from `text_column`. `batch_size` is the
    Extractor's windows per forward pass (its own by default), not `map`'s rows per batch.

    A column of those names already in the batch is an error (it may hold gold annotations):
    choose a `prefix`. A text that is not a str is an error naming its row."""
    columns = {field: f"{prefix}{field}" for field in OUTPUT_FIELDS}

    def extract_batch(
        batch: Mapping[str, Sequence[Any]], indices: Sequence[int] | None = None
    ) -> dict[str, list[str]]:
        texts = _texts(batch, text_column, indices)
        clashing = sorted(name for name in columns.values() if name in batch)
        if clashing:
            raise ValueError(
                f"the dataset already has the column(s) {clashing}, which newsie's output would "
                "replace: pass extract(..., prefix='predicted_') or remove them first"
            )
        out: dict[str, list[str]] = {name: [] for name in columns.values()}
        for document in extractor.pipe(texts, batch_size=batch_size):
            data = document.to_dict()
            for field, name in columns.items():
                out[name].append(json.dumps(data.get(field), ensure_ascii=False))
        return out

    return extract_batch


def _texts(
    batch: Mapping[str, Sequence[Any]], text_column: str, indices: Sequence[int] | None
) -> list[str]:
    if text_column not in batch:
        raise KeyError(
            f"the dataset has no column {text_column!r} (it has {sorted(batch)}): pass "
            "extract(extractor, text_column=NAME)"
        )
    texts = list(batch[text_column])
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            row = (
                f"row {indices[position]}"
                if indices is not None
                else f"row {position} of this batch (map with with_indices=True for its index)"
            )
            raise TypeError(
                f"{row}: column {text_column!r} holds {type(text).__name__} {text!r:.60}, not a "
                "str: fill or filter out such rows before extracting"
            )
    return texts


def to_document(row: Mapping[str, Any], text_column: str = "text", prefix: str = "") -> Document:
    """The newsie Document of a row that `extract` mapped (its text, spans, relations and
    document-level fields)."""
    data = {"text": row[text_column]}
    for field in OUTPUT_FIELDS:
        value = json.loads(row[f"{prefix}{field}"])
        if value is not None:
            data[field] = value
    return Document.from_dict(data)

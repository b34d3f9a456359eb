"""Documents as table rows, one JSON string a field: the row format of every integration that
puts newsie's output into someone else's tables (Hugging Face `datasets`, Ray Data, the Parquet
of `newsie extract-archive`).

A row has one column per field of `Document.to_dict()` but `id`, `text` and `annotated`: `spans`
and `relations`, and the document-level fields when the Extractor's Documents carry them
(`casualty_events`, `doc_counts`, `actors`). Which fields those are is read once per Extractor
from the Document of the empty text (`output_fields`), so every batch and every Parquet part of a
run has the same columns, and a field that `to_dict()` gains appears with no change here.

Why JSON strings, not Arrow structs: Arrow needs one type per column for the whole table, and
`datasets` and Ray take it from the first batch. A span's keys vary (`attrs` only on a CASUALTY,
each attribute only when known), so a batch without a casualty would give a struct type that the
next batch's rows cannot be cast to. A string column has one type and gives back exactly what
`Document.to_dict()` wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from newsie.data import DOCUMENT_LEVEL_KEYS, Document
from newsie.extractor import Extractor

NOT_COLUMNS = ("id", "text", "annotated")  # the row's own columns, or (annotated) all-true
# The fields `to_document` reads back: spans, relations, and the document-level fields of the
# corpus format (schema v2), each when the row has its column.
READ_FIELDS = ("spans", "relations", *DOCUMENT_LEVEL_KEYS)


def output_fields(extractor: Extractor) -> tuple[str, ...]:
    """The fields of `extractor`'s Documents that become columns, in `to_dict()`'s order."""
    probe = extractor("")
    return tuple(key for key in probe.to_dict() if key not in NOT_COLUMNS + tuple(probe.meta))


def document_columns(
    documents: Iterable[Document], fields: Sequence[str], prefix: str = ""
) -> dict[str, list[str]]:
    """Columns `{prefix}{field}` of JSON strings, one row per Document (`null` where a Document
    lacks a field)."""
    columns: dict[str, list[str]] = {f"{prefix}{field}": [] for field in fields}
    for document in documents:
        data = document.to_dict()
        for field in fields:
            columns[f"{prefix}{field}"].append(json.dumps(data.get(field), ensure_ascii=False))
    return columns


def check_no_clash(columns: Iterable[str], fields: Sequence[str], prefix: str, hint: str) -> None:
    """A ValueError when the input already has a column newsie's output would replace (it may
    hold gold annotations); `hint` says how to pass another prefix."""
    names = {f"{prefix}{field}" for field in fields}
    clashing = sorted(name for name in columns if name in names)
    if clashing:
        raise ValueError(
            f"the input already has the column(s) {clashing}, which newsie's output would "
            f"replace: pass {hint} or remove them first"
        )


def batch_texts(
    batch: Mapping[str, Sequence[Any]],
    text_column: str,
    indices: Sequence[int] | None = None,
    position_hint: str = "",
) -> list[str]:
    """The texts of a batch's `text_column`; an error names a missing column, or the row of a
    text that is not a str: by `indices` when given, else by its position in the batch followed
    by `position_hint` (how to get indices)."""
    if text_column not in batch:
        raise KeyError(
            f"the input has no column {text_column!r} (it has {sorted(batch)}): name the text "
            "column with text_column=NAME"
        )
    texts = list(batch[text_column])
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            row = (
                f"row {indices[position]}"
                if indices is not None
                else f"row {position} of this batch{position_hint}"
            )
            raise TypeError(
                f"{row}: column {text_column!r} holds {type(text).__name__} {text!r:.60}, not a "
                "str: fill or filter out such rows before extracting"
            )
    return texts


def to_document(row: Mapping[str, Any], text_column: str = "text", prefix: str = "") -> Document:
    """The newsie Document of a row written in this format (its text and JSON fields)."""
    data = {"text": row[text_column]}
    if row.get("id") is not None:
        data["id"] = str(row["id"])
    data.update(
        {
            field: json.loads(row[f"{prefix}{field}"])
            for field in READ_FIELDS
            if f"{prefix}{field}" in row
        }
    )
    return Document.from_dict(data)

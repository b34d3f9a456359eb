"""newsie over a Hugging Face `datasets.Dataset`:

    dataset = dataset.map(extract(extractor), batched=True)   # adds "spans", "relations", ...
    document = to_document(dataset[0])                       # the newsie Document of a row

Each batch's texts go through `Extractor.pipe` together (windows of several texts share a
forward pass; a long text is split into windows, never cut). Each row gets the Document's fields
in the corpus JSON form (`Document.to_dict()`), each column a JSON string: `spans`, `relations`
and the document-level fields the Extractor fills (the row format of `newsie.integrations.rows`,
which says why strings).

With `map(..., with_indices=True)` an error names the dataset's row; without it, the row within
its batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from newsie.extractor import Extractor
from newsie.integrations.rows import (
    batch_texts,
    check_no_clash,
    document_columns,
    output_fields,
    to_document,
)

__all__ = ["extract", "to_document"]

BatchFunction = Callable[..., dict[str, list[str]]]


def extract(
    extractor: Extractor,
    text_column: str = "text",
    prefix: str = "",
    batch_size: int | None = None,
) -> BatchFunction:
    """A function for `Dataset.map(..., batched=True)` that adds the columns `{prefix}spans`,
    `{prefix}relations` and the document-level fields' (JSON strings) predicted from
    `text_column`. `batch_size` is the Extractor's windows per forward pass (its own by default),
    not `map`'s rows per batch.

    A column of those names already in the batch is an error (it may hold gold annotations):
    choose a `prefix`. A text that is not a str is an error naming its row."""
    fields = output_fields(extractor)

    def extract_batch(
        batch: Mapping[str, Sequence[Any]], indices: Sequence[int] | None = None
    ) -> dict[str, list[str]]:
        texts = batch_texts(
            batch, text_column, indices, " (map with with_indices=True for its index)"
        )
        check_no_clash(batch, fields, prefix, "extract(..., prefix='predicted_')")
        return document_columns(extractor.pipe(texts, batch_size=batch_size), fields, prefix)

    return extract_batch

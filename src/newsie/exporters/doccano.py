"""doccano: a sequence-labelling project with relations, as JSON lines.

`newsie export --to doccano ... -o DIR` writes `DIR/documents.jsonl`, one document a line in
the shape doccano imports and exports for span and relation labelling:

    {"id": "cf-006", "text": "...",
     "entities": [{"id": 0, "label": "ACTOR", "start_offset": 26, "end_offset": 45}],
     "relations": [{"id": 0, "from_id": 5, "to_id": 0, "type": "PERPETRATOR"}]}

doccano has no span attributes: CASUALTY counts, qualifiers and statuses are not written (newsie
derives them again from the text when it predicts). Entity ids are numbers within the line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newsie.data import Document
from newsie.exporters.base import ExportOptions, document_ids, register_exporter

DOCUMENTS_FILE = "documents.jsonl"


def doccano_row(doc: Document, doc_id: str) -> dict[str, Any]:
    """One document as a doccano line (span ids become numbers, relations keep their ends)."""
    form = doc.to_dict()
    number = {span["id"]: k for k, span in enumerate(form["spans"])}
    entities = [{"id": number[span["id"]], "label": span["label"], "start_offset": span["start"],
                 "end_offset": span["end"]} for span in form["spans"]]
    relations = [{"id": k, "from_id": number[rel["head"]], "to_id": number[rel["tail"]],
                  "type": rel["label"]} for k, rel in enumerate(form["relations"])]
    return {"id": doc_id, "text": doc.text, "entities": entities, "relations": relations}


@register_exporter("doccano")
def export_doccano(
    documents: Sequence[Document], folder: Path, options: ExportOptions
) -> list[Path]:
    """Write the documents as one doccano JSON-lines file in `folder`."""
    ids = document_ids(documents)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DOCUMENTS_FILE
    with path.open("w", encoding="utf-8") as handle:
        for doc, doc_id in zip(documents, ids, strict=True):
            handle.write(json.dumps(doccano_row(doc, doc_id), ensure_ascii=False) + "\n")
    return [path]

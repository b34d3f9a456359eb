"""doccano sequence-labelling export (JSON lines), in either of its two shapes:

    {"id": 1, "text": "...", "label": [[0, 13, "PER"], ...]}
    {"id": 1, "text": "...", "entities": [{"id": 7, "label": "PER", "start_offset": 0,
     "end_offset": 13}], "relations": [{"from_id": 8, "to_id": 7, "type": "said-by"}]}

Entity ids are unique in a row (an id used twice is an error naming both entries). A row with
neither `label` nor `entities` carries no annotation: it is counted, not made a document that
annotates nothing (which would train as a negative for every type). Offsets are read as Python's
(code points); doccano's editor may count JavaScript's UTF-16 units (doccano#2290), which differ
after a character outside the Basic Multilingual Plane, such as an emoji.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsie.converters.base import ConversionReport, register_converter
from newsie.converters.labels import identity_map
from newsie.converters.reading import (
    claim_id,
    corpus_name,
    field_of,
    files_under,
    read_json_lines,
)
from newsie.converters.records import RelationRecord, SpanRecord, build_document, set_annotated
from newsie.data import CorpusError, Document


@register_converter("doccano")
def convert_doccano(
    paths: list[Path], label_map: dict[str, str] | None, report: ConversionReport
) -> list[Document]:
    """Convert doccano JSONL exports (given, or *.jsonl under given folders)."""
    documents = []
    for path in paths:
        for file in files_under([path], (".jsonl",)):
            for line, row in read_json_lines(file):
                text = field_of(row, "text", str, source=file, line=line)
                if "label" not in row and "entities" not in row:
                    # Not "annotated, nothing found": no annotation at all (or under another key).
                    report.skip("doccano row without 'label' or 'entities': not annotated")
                    continue
                spans = _span_records(row, file, line)
                relations = [_relation_record(rel, i, file, line)
                             for i, rel in enumerate(_list_field(row, "relations", file, line))]
                documents.append(build_document(
                    text, spans, relations, label_map or identity_map(), report,
                    doc_id=str(row.get("id", f"{file.stem}-{line}")), path=file,
                    corpus=corpus_name(path)))
    set_annotated(documents, label_map)
    return documents


def _span_records(row: dict[str, Any], file: Path, line: int) -> list[SpanRecord]:
    records = []
    for i, item in enumerate(_list_field(row, "label", file, line)):
        where = f"label[{i}]"
        if not (isinstance(item, list) and len(item) == 3 and all(
                isinstance(x, int) and not isinstance(x, bool) for x in item[:2])
                and isinstance(item[2], str)):
            raise CorpusError(f"expected [start, end, label], got {item!r}", source=str(file),
                              line=line, field=where)
        records.append(SpanRecord(where, item[2], item[0], item[1], line, where))
    ids: dict[str, str] = {}  # entity ids are database keys, unique; relations name them
    for i, item in enumerate(_list_field(row, "entities", file, line)):
        where = f"entities[{i}]"
        if not isinstance(item, dict):
            raise CorpusError("must be an object", source=str(file), line=line, field=where)
        ident = str(field_of(item, "id", (int, str), source=file, line=line, where=where))
        claim_id(ids, ident, where, source=file, line=line, field=f"{where}.id")
        records.append(SpanRecord(
            ident,
            field_of(item, "label", str, source=file, line=line, where=where),
            field_of(item, "start_offset", int, source=file, line=line, where=where),
            field_of(item, "end_offset", int, source=file, line=line, where=where),
            line, where))
    return records


def _relation_record(item: Any, i: int, file: Path, line: int) -> RelationRecord:
    where = f"relations[{i}]"
    if not isinstance(item, dict):
        raise CorpusError("must be an object", source=str(file), line=line, field=where)
    return RelationRecord(
        field_of(item, "type", str, source=file, line=line, where=where),
        str(field_of(item, "from_id", (int, str), source=file, line=line, where=where)),
        str(field_of(item, "to_id", (int, str), source=file, line=line, where=where)),
        line, where)


def _list_field(row: dict[str, Any], key: str, file: Path, line: int) -> list:
    value = row.get(key, [])
    if not isinstance(value, list):
        raise CorpusError(f"must be a list, got {value!r}", source=str(file), line=line, field=key)
    return value

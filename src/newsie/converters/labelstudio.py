"""Label Studio JSON export: a list of tasks, each with `data.text` and its annotations.

    [{"id": 3, "data": {"text": "..."}, "annotations": [{"result": [
        {"id": "a1", "type": "labels", "value": {"start": 0, "end": 13, "labels": ["PER"]}},
        {"type": "relation", "from_id": "q1", "to_id": "a1", "direction": "right",
         "labels": ["said-by"]}]}]}]

The first annotation of a task that was not cancelled is converted; further annotations of the
same task (other annotators) and cancelled ones are counted in the report. A task with no
annotation, or only cancelled ones, is unannotated: counted and skipped, never a document that
annotates nothing. Results that share an id are one region (several labels, or a choice or
text given per region), so they must share its offsets. Other result types (choices, text
areas) have no newsie form and are counted too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsie.converters.base import ConversionReport, register_converter
from newsie.converters.labels import identity_map
from newsie.converters.reading import corpus_name, field_of, files_under, read_json
from newsie.converters.records import RelationRecord, SpanRecord, build_document, set_annotated
from newsie.data import CorpusError, Document
from newsie.exporters.labelstudio import ATTRIBUTE_CONTROLS, region_attributes


@register_converter("labelstudio")
def convert_labelstudio(
    paths: list[Path], label_map: dict[str, str] | None, report: ConversionReport
) -> list[Document]:
    """Convert Label Studio JSON exports (given, or *.json under given folders)."""
    documents = []
    for path in paths:
        for file in files_under([path], (".json",)):
            tasks = read_json(file)
            if not isinstance(tasks, list):
                raise CorpusError("a Label Studio export is a JSON list of tasks", source=str(file))
            for i, task in enumerate(tasks):
                document = _convert_task(task, f"[{i}]", file, label_map, report,
                                         corpus_name(path))
                if document is not None:
                    documents.append(document)
    set_annotated(documents, label_map)
    return documents


def _convert_task(
    task: Any, where: str, file: Path, label_map: dict[str, str] | None,
    report: ConversionReport, corpus: str,
) -> Document | None:
    if not isinstance(task, dict):
        raise CorpusError("a task must be an object", source=str(file), field=where)
    data = field_of(task, "data", dict, source=file, where=where)
    text = field_of(data, "text", str, source=file, where=f"{where}.data")
    chosen = _chosen_annotation(task, where, file, report)
    if chosen is None:
        return None
    annotation_where = f"{where}.annotations[{chosen}]"
    results = field_of(task["annotations"][chosen], "result", list, source=file,
                       where=annotation_where)
    # CASUALTY answers given per region (count, qualifier, status), as `newsie export` asks them
    answers = region_attributes(results, where=f"{annotation_where}.result", source=str(file))
    spans, relations = [], []
    for k, item in enumerate(results):
        item_where = f"{annotation_where}.result[{k}]"
        if not isinstance(item, dict):
            raise CorpusError("must be an object", source=str(file), field=item_where)
        if item.get("type") == "relation":
            relations += _relation_records(item, item_where, file, report)
        elif item.get("type") == "labels":
            spans += _span_records(item, text, item_where, file, report, answers)
        elif item.get("from_name") not in ATTRIBUTE_CONTROLS:
            # choices, text areas, ratings of the annotator's own config: no newsie form
            report.skip(f"label studio {item.get('type')} result: no newsie type")
    # Label Studio gives a task its own id; `newsie export` keeps newsie's in data.doc_id.
    doc_id = str(data.get("doc_id", task.get("id", where)))
    return build_document(text, spans, relations, label_map or identity_map(), report,
                          doc_id=doc_id, path=file, corpus=corpus)


def _chosen_annotation(
    task: dict, where: str, file: Path, report: ConversionReport
) -> int | None:
    """The index of the task's first annotation that was not cancelled; the others are counted.
    None for a task without one, which is skipped: a document that annotates nothing would teach
    that none of its text is of any type."""
    annotations = field_of(task, "annotations", list, source=file, where=where)
    live = []
    for k, annotation in enumerate(annotations):
        if not isinstance(annotation, dict):
            raise CorpusError("must be an object", source=str(file),
                              field=f"{where}.annotations[{k}]")
        if annotation.get("was_cancelled"):
            report.skip("label studio: cancelled annotation")
        else:
            live.append(k)
    if not live:
        report.skip("label studio: unannotated task (no annotation, or only cancelled ones)")
        return None
    report.skip("label studio: further annotation of an annotated task", len(live) - 1)
    return live[0]


def _span_records(
    item: dict, text: str, where: str, file: Path, report: ConversionReport,
    answers: dict[str, dict],
) -> list[SpanRecord]:
    ref = str(field_of(item, "id", (str, int), source=file, where=where))
    value = field_of(item, "value", dict, source=file, where=where)
    start = field_of(value, "start", int, source=file, where=f"{where}.value")
    end = field_of(value, "end", int, source=file, where=f"{where}.value")
    # Label Studio counts in the browser's string units; a disagreement shows they differ here.
    if "text" in value and text[start:end] != value["text"]:
        raise CorpusError(f"{value['text']!r} disagrees with data.text[{start}:{end}] = "
                          f"{text[start:end]!r}", source=str(file), field=f"{where}.value.text")
    labels = field_of(value, "labels", list, source=file, where=f"{where}.value")
    if not labels:
        report.skip("label studio region without a label")
    return [SpanRecord(ref, str(label), start, end, where=where, attrs=answers.get(ref, {}))
            for label in labels]


def _relation_records(
    item: dict, where: str, file: Path, report: ConversionReport
) -> list[RelationRecord]:
    head = str(field_of(item, "from_id", (str, int), source=file, where=where))
    tail = str(field_of(item, "to_id", (str, int), source=file, where=where))
    direction = item.get("direction", "right")
    if direction == "left":
        head, tail = tail, head
    elif direction != "right":
        report.skip(f"label studio relation with direction {direction!r}: head unknown")
        return []
    labels = item.get("labels") or [""]
    return [RelationRecord(str(label), head, tail, where=where) for label in labels]

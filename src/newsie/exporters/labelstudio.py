"""Label Studio: tasks with newsie's spans as pre-annotations, and the labeling config that fits.

`newsie export --to labelstudio ... -o DIR` writes

    DIR/labeling-config.xml   paste into the project's Settings > Labeling Interface > Code
    DIR/tasks.json            import into the project (Import > Upload Files)

One task per document, `{"data": {"text", "doc_id"}, "predictions": [{"model_version",
"score", "result"}]}`. The result holds, in Label Studio's JSON format, a `labels` region per
span (its id is the span's id, its `score` the span's), a `relation` per relation (head ->
tail, direction "right") and, for a CASUALTY span with attributes, per-region results sharing
the region's id: `count` (a Number), `qualifier` and `status` (single Choices). The prediction's
`score` is its least confident span's, so sorting tasks by prediction score puts the documents
most in need of a look first. Label Studio gives tasks its own ids, so a document's id travels
in `data.doc_id`.

An annotator who submits a task makes its result an annotation; Label Studio's JSON export of the
project is what `newsie convert --from labelstudio` reads. `region_attributes` reads the CASUALTY
attributes back from such a result.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newsie.data import CorpusError, Document
from newsie.exporters.base import ExportOptions, document_ids, register_exporter
from newsie.schema import CASUALTY_QUALIFIERS, CASUALTY_STATUSES, LabelSchema

logger = logging.getLogger(__name__)

CONFIG_FILE = "labeling-config.xml"
TASKS_FILE = "tasks.json"
TEXT = "text"  # the Text object's name and the task's data field it shows
LABELS = "label"  # the Labels control's name
DOC_ID = "doc_id"  # the data field that keeps the document's id
CASUALTY = "CASUALTY"
# Per-region controls of a CASUALTY region: control name -> result type.
ATTRIBUTE_CONTROLS = {"count": "number", "qualifier": "choices", "status": "choices"}
ATTRIBUTE_CHOICES = {"qualifier": CASUALTY_QUALIFIERS, "status": CASUALTY_STATUSES}
# displaCy's colours for the nearest entity types; other types get grey.
COLOURS = {"ACTOR": "#aa9cfc", "CASUALTY": "#ff8197", "LOCATION": "#feca74", "QUOTE": "#7aecec"}
DEFAULT_COLOUR = "#dddddd"
RELATION_HINTS = {"SPEAKER": "quote -> who said it", "PLACE": "casualty -> where",
                  "PERPETRATOR": "casualty -> who caused it"}


def labeling_config(schema: LabelSchema) -> str:
    """The labeling config for `schema`: its span types as labels, its relation types as
    relation labels, and for CASUALTY regions its count, qualifier and status."""
    view = ET.Element("View")
    ET.SubElement(view, "Style").text = ".htx-text { white-space: pre-wrap; }"  # paragraphs
    if schema.relation_types:
        hints = "; ".join(f"{r.name}: {RELATION_HINTS.get(r.name, f'{r.head} -> {r.tail}')}"
                          for r in schema.relation_types)
        ET.SubElement(view, "Header", value=f"Relations go from head to tail. {hints}",
                      size="6")
        relations = ET.SubElement(view, "Relations")
        for name in schema.relation_names:
            ET.SubElement(relations, "Relation", value=name)
    labels = ET.SubElement(view, "Labels", name=LABELS, toName=TEXT)
    for label in schema.span_types:
        ET.SubElement(labels, "Label", value=label, background=COLOURS.get(label, DEFAULT_COLOUR))
    ET.SubElement(view, "Text", name=TEXT, value=f"${TEXT}")
    if CASUALTY in schema.span_types:
        _add_casualty_controls(view)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def _add_casualty_controls(view: ET.Element) -> None:
    # Shown only while a CASUALTY region is selected; each answer belongs to that region.
    panel = ET.SubElement(view, "View", visibleWhen="region-selected", whenLabelValue=CASUALTY)
    per_region = {"toName": TEXT, "perRegion": "true"}
    ET.SubElement(panel, "Header", value="count (empty when the text gives none)", size="6")
    ET.SubElement(panel, "Number", name="count", min="0", **per_region)
    for name, values in ATTRIBUTE_CHOICES.items():
        ET.SubElement(panel, "Header", value=name, size="6")
        choices = ET.SubElement(panel, "Choices", name=name, choice="single", showInline="true",
                                **per_region)
        for value in values:
            ET.SubElement(choices, "Choice", value=value)


def task(doc: Document, doc_id: str, source: str) -> dict[str, Any]:
    """One Label Studio task: the document's text and id, and its spans as a prediction."""
    form = doc.to_dict()  # the ids the regions take, and relations by those ids
    results: list[dict[str, Any]] = []
    for span in form["spans"]:
        results += _span_results(span)
    results += [{"type": "relation", "from_id": rel["head"], "to_id": rel["tail"],
                 "direction": "right", "labels": [rel["label"]]} for rel in form["relations"]]
    prediction: dict[str, Any] = {"model_version": source, "result": results}
    scores = [span["score"] for span in form["spans"] if span.get("score") is not None]
    if scores:
        prediction["score"] = min(scores)
    return {"data": {TEXT: doc.text, DOC_ID: doc_id}, "predictions": [prediction]}


def _span_results(span: dict[str, Any]) -> list[dict[str, Any]]:
    """The span's region, then its per-region attributes (same id, same offsets)."""
    offsets = {"start": span["start"], "end": span["end"]}
    region = {"id": span["id"], "from_name": LABELS, "to_name": TEXT, "type": "labels",
              "value": {**offsets, "text": span["text"], "labels": [span["label"]]}}
    if "score" in span:
        region["score"] = span["score"]
    results = [region]
    attrs = span.get("attrs", {}) if span["label"] == CASUALTY else {}
    answers = {"count": {"number": attrs.get("count")},
               "qualifier": {"choices": [attrs.get("qualifier")]},
               "status": {"choices": [attrs.get("status")]}}
    for control, answer in answers.items():
        if attrs.get(control) is not None:
            results.append({"id": span["id"], "from_name": control, "to_name": TEXT,
                            "type": ATTRIBUTE_CONTROLS[control], "value": {**offsets, **answer}})
    return results


def region_attributes(
    results: Sequence[Any], where: str = "result", source: str | None = None
) -> dict[str, dict]:
    """The CASUALTY attributes in one annotation's result, by region id: `{"count": int or
    None, "qualifier"?: str, "status"?: str}` for each CASUALTY region given at least one.
    Answers left on a region that is no longer a CASUALTY are ignored; a malformed answer
    raises a CorpusError naming `source` (the file), `where` (the result) and the item."""
    casualties = {str(item.get("id")) for item in results
                  if isinstance(item, dict) and item.get("type") == "labels"
                  and CASUALTY in (item.get("value") or {}).get("labels", [])}
    found: dict[str, dict] = {}
    for k, item in enumerate(results):
        if not isinstance(item, dict) or str(item.get("id")) not in casualties:
            continue
        control = item.get("from_name")
        if control in ATTRIBUTE_CONTROLS and item.get("type") == ATTRIBUTE_CONTROLS[control]:
            value = _answer(control, item.get("value"), f"{where}[{k}].value", source)
            found.setdefault(str(item["id"]), {"count": None})[control] = value
    return found


def _answer(control: str, value: Any, where: str, source: str | None) -> int | str | None:
    if control == "count":
        number = value.get("number") if isinstance(value, dict) else None
        if number is None and isinstance(value, dict) and "number" in value:
            return None  # a count field emptied: the text gives no number
        if not isinstance(number, (int, float)) or isinstance(number, bool) or not (
                math.isfinite(number) and number >= 0 and number == int(number)):
            raise CorpusError(f"count must be a whole number of at least 0, got {number!r}",
                              source=source, field=f"{where}.number")
        return int(number)
    choices = value.get("choices") if isinstance(value, dict) else None
    allowed = ATTRIBUTE_CHOICES[control]
    if not isinstance(choices, list) or len(choices) != 1 or choices[0] not in allowed:
        raise CorpusError(f"{control} must be one choice of {list(allowed)}, got {choices!r}",
                          source=source, field=f"{where}.choices")
    return choices[0]


def check_with_label_studio(config: str, tasks: Sequence[dict[str, Any]]) -> None:
    """Label Studio's own validation (label-studio-sdk's LabelInterface) of the labeling config,
    of each task's data and of each prediction and annotation; a ValueError lists what fails."""
    from label_studio_sdk.label_interface import LabelInterface

    try:
        interface = LabelInterface(config)
        interface.validate()
    except Exception as err:  # the SDK raises its own exception types, with no common base
        raise ValueError(f"Label Studio refuses the labeling config: {err}") from None
    problems = []
    for i, item in enumerate(tasks):
        problems += [f"task {i}: data has no {obj.value_name!r}" for obj in interface.objects
                     if obj.value_is_variable and item.get("data", {}).get(obj.value_name) is None]
        for kind in ("predictions", "annotations"):
            for j, result in enumerate(item.get(kind, [])):
                for problem in interface.validate_prediction(result, return_errors=True):
                    # a relation's problems come as a list of their own
                    lines = problem if isinstance(problem, list) else [problem]
                    problems += [f"task {i} {kind}[{j}]: {line}" for line in lines]
    if problems:
        raise ValueError("Label Studio refuses the tasks:\n  " + "\n  ".join(problems[:20]))


@register_exporter("labelstudio")
def export_labelstudio(
    documents: Sequence[Document], folder: Path, options: ExportOptions
) -> list[Path]:
    """Write the labeling config and one task per document into `folder`."""
    config = labeling_config(options.schema)
    tasks = [task(doc, doc_id, options.source)
             for doc, doc_id in zip(documents, document_ids(documents), strict=True)]
    if importlib.util.find_spec("label_studio_sdk") is not None:
        check_with_label_studio(config, tasks)
    else:
        logger.info("label-studio-sdk is not installed, so Label Studio's own checks were not "
                    "run (pip install 'newsie[labelstudio]')")
    folder.mkdir(parents=True, exist_ok=True)
    config_path, tasks_path = folder / CONFIG_FILE, folder / TASKS_FILE
    config_path.write_text(config, encoding="utf-8")
    # A JSON list with a task a line: one file to import, and lines to read or diff.
    lines = ",\n".join(json.dumps(item, ensure_ascii=False) for item in tasks)
    tasks_path.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    return [config_path, tasks_path]

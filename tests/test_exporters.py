"""Exporters: Label Studio (checked with label-studio-sdk's own validation), doccano and brat,
each read back through newsie's converter; `newsie export` from saved documents and from a model.

Label Studio round trips go through `submitted`: what Label Studio's JSON export holds once an
annotator has submitted each pre-annotated task, unchanged or corrected."""

from __future__ import annotations

import copy
import importlib.util
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsie.cli import main
from newsie.converters import convert
from newsie.corpus import write_jsonl
from newsie.data import CorpusError, Document
from newsie.exporters import EXPORTERS, ExportOptions, export
from newsie.exporters.base import document_ids, file_stems
from newsie.exporters.labelstudio import (
    CONFIG_FILE,
    TASKS_FILE,
    check_with_label_studio,
    labeling_config,
    region_attributes,
)
from newsie.extractor import Extractor
from newsie.schema import CASUALTY_QUALIFIERS, CASUALTY_STATUSES, DEFAULT_SCHEMA

needs_sdk = pytest.mark.skipif(importlib.util.find_spec("label_studio_sdk") is None,
                               reason="label-studio-sdk: pip install -e '.[labelstudio]'")


def label_interface(config: str):
    """label-studio-sdk's own reading of a labeling config."""
    from label_studio_sdk.label_interface import LabelInterface

    return LabelInterface(config)


def content(doc: Document) -> tuple[list, list]:
    """What a round trip must keep: spans by label and offsets, relations by label and ends."""
    def key(span):
        return span.label, span.start, span.end

    return (sorted(key(s) for s in doc.spans),
            sorted((r.label, key(r.head), key(r.tail)) for r in doc.relations))


def without_attributes(doc: Document) -> Document:
    doc = Document.from_dict(doc.to_dict())
    for span in doc.spans:
        span.attrs = {}
    return doc


def read_tasks(folder: Path) -> list[dict]:
    return json.loads((folder / TASKS_FILE).read_text(encoding="utf-8"))


def submitted(folder: Path, correct=None) -> Path:
    """Label Studio's export after each task was submitted: its own task ids, and an annotation
    whose result is the prediction's, after `correct(result)` where given."""
    tasks = read_tasks(folder)
    for number, task in enumerate(tasks, 1):
        result = copy.deepcopy(task["predictions"][0]["result"])
        if correct is not None:
            correct(result)
        task.update(id=number, annotations=[{"id": number, "result": result,
                                             "was_cancelled": False}])
    path = folder / "export" / "project.json"
    path.parent.mkdir()
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


# --- Label Studio: the config and the tasks, by Label Studio's own validation -------------------

@needs_sdk
def test_the_labeling_config_is_valid_and_offers_the_schema():
    interface = label_interface(labeling_config(DEFAULT_SCHEMA))
    interface.validate()  # raises on a config Label Studio would refuse
    assert interface.get_control("label").labels == list(DEFAULT_SCHEMA.span_types)
    assert interface.get_control("qualifier").labels == list(CASUALTY_QUALIFIERS)
    assert interface.get_control("status").labels == list(CASUALTY_STATUSES)
    assert interface.get_control("count").tag == "Number"
    assert all(interface.get_control(name).attr["perRegion"] == "true"
               for name in ("count", "qualifier", "status"))
    config = labeling_config(DEFAULT_SCHEMA)
    assert all(f'<Relation value="{name}" />' in config for name in DEFAULT_SCHEMA.relation_names)


@needs_sdk
def test_tasks_pass_label_studio_validation(documents, tmp_path):
    documents[0].spans[0].score = 0.25
    export("labelstudio", documents, tmp_path)
    config = (tmp_path / CONFIG_FILE).read_text(encoding="utf-8")
    tasks = read_tasks(tmp_path)
    check_with_label_studio(config, tasks)
    assert [task["data"]["doc_id"] for task in tasks] == ["doc-0", "doc-1", "doc-2"]
    assert tasks[0]["predictions"][0]["score"] == 0.25  # the least confident span's
    kinds = [item["type"] for item in tasks[0]["predictions"][0]["result"]]
    assert kinds == ["labels"] * 3 + ["number", "choices", "choices", "labels"] + ["relation"] * 2


@needs_sdk
@pytest.mark.parametrize("change, complaint", [
    (lambda r: r[0]["value"].update(labels=["PERSON"]), "Invalid value for control 'label'"),
    (lambda r: r[4]["value"].update(choices=["maybe"]), "Invalid value for control 'qualifier'"),
    (lambda r: r[3]["value"].update(number="many"), "Invalid value for control 'count'"),
    (lambda r: r[-1].update(to_id="nowhere"), "'to_id' 'nowhere' not found in regions"),
    (lambda r: r[0].update(from_name="labels"), "'from_name' 'labels' not found"),
])
def test_label_studio_validation_refuses_tasks_the_config_does_not_fit(
        documents, tmp_path, change, complaint):
    export("labelstudio", documents, tmp_path)
    tasks = read_tasks(tmp_path)
    change(tasks[0]["predictions"][0]["result"])
    with pytest.raises(ValueError, match="refuses the tasks") as caught:
        check_with_label_studio(labeling_config(DEFAULT_SCHEMA), tasks)
    assert complaint in str(caught.value) and "task 0 predictions[0]" in str(caught.value)


@needs_sdk
def test_label_studio_validation_refuses_a_broken_config():
    broken = labeling_config(DEFAULT_SCHEMA).replace('name="status"', 'name="count"')
    with pytest.raises(ValueError, match="refuses the labeling config: .*non-unique names"):
        check_with_label_studio(broken, [])


# --- Label Studio: what annotators submit comes back -------------------------------------------

def test_submitted_tasks_give_back_the_spans_and_relations(documents, tmp_path):
    plain = [without_attributes(doc) for doc in documents]
    export("labelstudio", plain, tmp_path)
    back = convert("labelstudio", [submitted(tmp_path)])
    assert [content(doc) for doc in back.documents] == [content(doc) for doc in plain]
    assert sum(back.report.skipped.values()) == 0


def test_submitted_tasks_give_back_the_casualty_attributes(documents, tmp_path):
    documents[2].spans_of("CASUALTY")[0].attrs["count"] = None  # "dozens": no number
    export("labelstudio", documents, tmp_path)
    for doc, task in zip(documents, json.loads(submitted(tmp_path).read_text()), strict=True):
        expected = {span["id"]: span["attrs"] for span in doc.to_dict()["spans"]
                    if span["label"] == "CASUALTY"}
        assert region_attributes(task["annotations"][0]["result"]) == expected
    assert expected == {"c1": {"count": None, "qualifier": "exact", "status": "injured"}}


def test_span_and_relation_corrections_come_back(documents, tmp_path):
    def relabel_the_perpetrator(result):
        # "Rebels" becomes a LOCATION, and the PERPETRATOR relation to it goes
        result[0]["value"]["labels"] = ["LOCATION"]
        result[:] = [item for item in result if item.get("to_id") != result[0]["id"]]

    export("labelstudio", [without_attributes(documents[0])], tmp_path)
    [doc] = convert("labelstudio", [submitted(tmp_path, relabel_the_perpetrator)]).documents
    assert [(s.label, s.text) for s in doc.spans][0] == ("LOCATION", "Rebels")
    assert [(r.label, r.head.text, r.tail.text) for r in doc.relations] == [
        ("PLACE", "at least 12 people", "Homs")]


def test_attribute_corrections_come_back(documents, tmp_path):
    def correct(result):
        answers = {"qualifier": {"choices": ["exact"]}, "status": {"choices": ["injured"]},
                   "count": {"number": None}}  # the annotator empties the count
        for item in result:
            if item.get("from_name") in answers:
                item["value"].update(answers[item["from_name"]])

    export("labelstudio", documents[:1], tmp_path)
    [task] = json.loads(submitted(tmp_path, correct).read_text())
    assert region_attributes(task["annotations"][0]["result"]) == {
        "c1": {"count": None, "qualifier": "exact", "status": "injured"}}


def test_answers_left_on_a_region_that_is_no_longer_a_casualty_are_ignored(documents, tmp_path):
    export("labelstudio", documents[:1], tmp_path)
    result = read_tasks(tmp_path)[0]["predictions"][0]["result"]
    result[2]["value"]["labels"] = ["ACTOR"]
    assert region_attributes(result) == {}


@pytest.mark.parametrize("index, value, complaint", [
    (3, {"number": 2.5}, r"result\[3\].value.number: count must be a whole number"),
    (3, {}, r"result\[3\].value.number: count must be a whole number"),
    (3, {"number": -1}, r"result\[3\].value.number: count must be a whole number of at least 0"),
    (4, {"choices": ["exact", "at_least"]}, r"result\[4\].value.choices: qualifier must be one"),
    (5, {"choices": ["dead"]}, r"result\[5\].value.choices: status must be one choice of"),
])
def test_malformed_answers_are_errors_that_say_where(documents, tmp_path, index, value, complaint):
    export("labelstudio", documents[:1], tmp_path)
    result = read_tasks(tmp_path)[0]["predictions"][0]["result"]
    result[index]["value"] = value
    with pytest.raises(CorpusError, match=f"^export.json: {complaint}"):
        region_attributes(result, source="export.json")


def test_the_converter_gives_back_everything(documents, tmp_path):
    """Spans, CASUALTY attributes, relations and document ids (span ids are the converter's)."""
    export("labelstudio", documents, tmp_path)
    back = convert("labelstudio", [submitted(tmp_path)]).documents
    assert [content(d) for d in back] == [content(d) for d in documents]
    assert [[s.attrs for s in sorted(d.spans, key=lambda s: s.start)] for d in back] == [
        [s.attrs for s in sorted(d.spans, key=lambda s: s.start)] for d in documents]
    assert [d.id for d in back] == [d.id for d in documents]


# --- doccano and brat ---------------------------------------------------------------------------

@pytest.mark.parametrize("format", ["doccano", "brat"])
def test_doccano_and_brat_give_back_spans_relations_and_ids(documents, tmp_path, format):
    export(format, documents, tmp_path)
    back = convert(format, [tmp_path])
    assert sorted((d.id, content(d)) for d in back.documents) == \
        sorted((d.id, content(d)) for d in documents)
    assert sum(back.report.skipped.values()) == 0


def test_brat_writes_the_schema_as_annotation_conf(tmp_path):
    export("brat", [], tmp_path)
    conf = (tmp_path / "annotation.conf").read_text(encoding="utf-8")
    assert "[entities]\nACTOR\nCASUALTY\nLOCATION\nQUOTE\n" in conf
    assert "SPEAKER\tArg1:QUOTE, Arg2:ACTOR" in conf
    assert "PERPETRATOR\tArg1:CASUALTY, Arg2:ACTOR" in conf


def test_brat_writes_a_span_across_a_line_break_a_range_per_line_and_the_converter_says_so(
        tmp_path):
    text = '"We held\r\nthe base," Warsame said.'
    speaker = text.index("Warsame")
    doc = Document.from_dict({"id": "q", "text": text, "spans": [
        {"id": "q1", "label": "QUOTE", "start": 1, "end": text.index(",") + 1},
        {"id": "a1", "label": "ACTOR", "start": speaker, "end": speaker + 7}],
        "relations": [{"label": "SPEAKER", "head": "q1", "tail": "a1"}]})
    export("brat", [doc], tmp_path)
    with (tmp_path / "q.ann").open(encoding="utf-8", newline="") as handle:
        ann = handle.read()
    assert ann.split("\n")[0] == "T1\tQUOTE 1 8;10 19\tWe held the base,"
    assert (tmp_path / "q.txt").read_bytes() == text.encode("utf-8")  # "\r\n" kept as it is
    report = convert("brat", [tmp_path]).report
    assert report.skipped["brat discontinuous span: not convertible"] == 1


def test_repeated_ids_are_refused_and_missing_ones_numbered():
    docs = [Document("a", id="x"), Document("b"), Document("c", id="x")]
    with pytest.raises(ValueError, match="'x' is used by documents 1 and 3"):
        document_ids(docs)
    assert document_ids(docs[:2]) == ["x", "doc-2"]
    assert file_stems(["a/b", "../c", "ok-1.2"]) == ["a_b", "_c", "ok-1.2"]
    with pytest.raises(ValueError, match="'a/b' and 'a:b' both become the file name 'a_b'"):
        file_stems(["a/b", "a:b"])


# --- every format, any document ----------------------------------------------------------------

WORD = st.text(alphabet=list("abcXYZé北😀'-"), min_size=1, max_size=5)


@st.composite
def random_documents(draw, attributes: bool) -> Document:
    """Valid documents: words apart by spaces, tabs or line breaks; spans on word edges, of one
    line, never overlapping their own type; relations between spans of the allowed types."""
    words = draw(st.lists(WORD, min_size=1, max_size=10))
    text, edges = "", []
    for k, word in enumerate(words):
        text += draw(st.sampled_from([" ", "\t", "\n"])) if k else ""
        edges.append((len(text), len(text) + len(word)))
        text += word
    spans = []
    for label in DEFAULT_SCHEMA.span_types:
        free_from = 0
        for first in sorted(draw(st.sets(st.integers(0, len(words) - 1), max_size=3))):
            last = min(len(words) - 1, first + draw(st.integers(0, 2)))
            start, end = edges[first][0], edges[last][1]
            if first < free_from or "\n" in text[start:end]:
                continue
            span = {"id": f"{label}{first}", "label": label, "start": start, "end": end}
            if label == "CASUALTY" and attributes:
                span["attrs"] = {"count": draw(st.none() | st.integers(0, 10**6)),
                                 "qualifier": draw(st.sampled_from(CASUALTY_QUALIFIERS)),
                                 "status": draw(st.sampled_from(CASUALTY_STATUSES))}
            spans.append(span)
            free_from = last + 1
    relations = []
    for rel in DEFAULT_SCHEMA.relation_types:
        pairs = [(h["id"], t["id"]) for h in spans if h["label"] == rel.head
                 for t in spans if t["label"] == rel.tail]
        for head, tail in draw(st.sets(st.sampled_from(pairs), max_size=2)) if pairs else []:
            relations.append({"label": rel.name, "head": head, "tail": tail})
    return Document.from_dict({"id": draw(st.from_regex(r"[a-z0-9-]{1,8}", fullmatch=True)),
                               "text": text, "spans": spans, "relations": relations})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=random_documents(attributes=False), format=st.sampled_from(sorted(EXPORTERS)))
def test_every_format_gives_back_what_it_was_given(doc, format):
    with tempfile.TemporaryDirectory() as folder:
        export(format, [doc], folder)
        source = submitted(Path(folder)) if format == "labelstudio" else Path(folder)
        [back] = convert(format, [source]).documents
    assert content(back) == content(doc)


@needs_sdk
@settings(max_examples=40, deadline=None)
@given(doc=random_documents(attributes=True))
def test_label_studio_gives_back_any_casualty_attributes(doc):
    with tempfile.TemporaryDirectory() as folder:
        export("labelstudio", [doc], folder)
        config = (Path(folder) / CONFIG_FILE).read_text(encoding="utf-8")
        [task] = read_tasks(Path(folder))
    check_with_label_studio(config, [task])
    expected = {s["id"]: s["attrs"] for s in doc.to_dict()["spans"] if s["label"] == "CASUALTY"}
    assert region_attributes(task["predictions"][0]["result"]) == expected


# --- the command --------------------------------------------------------------------------------

def test_export_saved_documents(documents, tmp_path, capsys):
    saved = tmp_path / "predictions.jsonl"
    write_jsonl(documents, saved)
    code = main(["export", "--to", "labelstudio", "--predictions", str(saved),
                 "-o", str(tmp_path / "review")])
    assert code == 0
    assert "exported 3 documents to" in capsys.readouterr().err
    tasks = read_tasks(tmp_path / "review")
    assert {t["predictions"][0]["model_version"] for t in tasks} == {"predictions.jsonl"}
    assert [t["data"]["text"] for t in tasks] == [d.text for d in documents]


def test_export_extracts_with_a_model(tiny_model_dir, tmp_path):
    text = "Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad."
    (tmp_path / "story.txt").write_text(text, encoding="utf-8")
    (tmp_path / "more.jsonl").write_text(json.dumps({"id": "w1", "text": text[:30]}) + "\n",
                                         encoding="utf-8")
    code = main(["export", "--to", "doccano", "--model", str(tiny_model_dir), "--device", "cpu",
                 str(tmp_path / "story.txt"), str(tmp_path / "more.jsonl"),
                 "-o", str(tmp_path / "out")])
    assert code == 0
    back = convert("doccano", [tmp_path / "out"]).documents
    extractor = Extractor.from_pretrained(tiny_model_dir, device="cpu")
    assert [(d.id, content(d)) for d in back] == [
        ("story.txt", content(extractor(text))), ("w1", content(extractor(text[:30])))]
    assert back[0].spans  # the tiny model predicts something here, so spans were compared


@pytest.mark.parametrize("arguments, complaint", [
    (["--predictions", "{saved}", "{saved}"], "give FILE... with --model"),
    (["--model", "m"], "--model needs the FILE... to extract"),
    (["--predictions", "{twice}"], "document id 'doc-0' is used by documents 1 and 2"),
])
def test_export_errors_are_one_line(documents, tmp_path, capsys, arguments, complaint):
    saved, twice = tmp_path / "saved.jsonl", tmp_path / "twice.jsonl"
    write_jsonl(documents, saved)
    write_jsonl([documents[0], documents[0]], twice)
    arguments = [a.format(saved=saved, twice=twice) for a in arguments]
    code = main(["export", "--to", "brat", *arguments, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("newsie export: error: ") and complaint in err
    assert not (tmp_path / "out").exists()


@needs_sdk
def test_export_options_carry_the_schema_into_the_config(tmp_path):
    schema = type(DEFAULT_SCHEMA)(span_types=("ACTOR", "LOCATION"), relation_types=())
    export("labelstudio", [], tmp_path, ExportOptions(schema=schema, source="m"))
    interface = label_interface((tmp_path / CONFIG_FILE).read_text(encoding="utf-8"))
    assert interface.get_control("label").labels == ["ACTOR", "LOCATION"]
    assert "count" not in (tmp_path / CONFIG_FILE).read_text(encoding="utf-8")

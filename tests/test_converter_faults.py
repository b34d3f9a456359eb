"""Converters fed broken or doubtful input: reused ids, duplicates, unannotated tasks and rows,
regions with several labels. Nothing may be dropped or merged without a count in the report,
nor invented (a task nobody annotated is not a document that annotates nothing); an id that
makes a reference ambiguous is an error that names the file, the line and the first use."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsie.converters import convert
from newsie.data import CorpusError

TEXT = '"We stay," said Lavrov in Homs.\n'
LABELS = {"Say": "QUOTE", "PER": "ACTOR", "GPE": "LOCATION", "SaidBy": "SPEAKER"}


def standoff(result) -> list[list[tuple]]:
    """Each document's spans and relations by label and text."""
    return [[(s.label, s.text) for s in doc.spans]
            + [(r.label, r.head.text, r.tail.text) for r in doc.relations]
            for doc in result.documents]


def write_brat(folder: Path, ann: str, name: str = "a") -> Path:
    (folder / f"{name}.txt").write_text(TEXT, encoding="utf-8")
    (folder / f"{name}.ann").write_text(ann, encoding="utf-8")
    return folder / f"{name}.ann"


def write_json_lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --- brat ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ann", "line", "first"), [
    # The case: before, the second T1 replaced the first and the report said skipped: 0.
    ("T1\tPER 16 22\tLavrov\nT1\tGPE 26 30\tHoms\n", 2, 1),
    ("T1\tSay 1 9\tWe stay,\nT2\tPER 16 22\tLavrov\nR1\tSaidBy Arg1:T1 Arg2:T2\n"
     "R1\tSaidBy Arg1:T1 Arg2:T2\n", 4, 3),
    ("T1\tPER 16 22\tLavrov\n#1\tAnnotatorNotes T1\tcheck\n#1\tAnnotatorNotes T1\tagain\n", 3, 2),
])
def test_brat_reused_id_is_an_error_naming_both_lines(tmp_path, ann, line, first):
    path = write_brat(tmp_path, ann)
    with pytest.raises(CorpusError, match=f"used again \\(first at line {first}\\)") as caught:
        convert("brat", [tmp_path], LABELS)
    assert (caught.value.source, caught.value.line) == (str(path), line)


def test_brat_equivalences_share_their_star_and_relations_to_events_are_counted(tmp_path):
    write_brat(tmp_path, "T1\tSay 1 9\tWe stay,\nT2\tPER 16 22\tLavrov\nT3\tPER 16 22\tLavrov\n"
                         "*\tEquiv T2 T3\n*\tEquiv T3 T2\nE1\tSay:T1\nR1\tSaidBy Arg1:E1 Arg2:T2\n")
    result = convert("brat", [tmp_path], LABELS)
    assert standoff(result) == [[("QUOTE", "We stay,"), ("ACTOR", "Lavrov")]]
    assert result.report.skipped == Counter({
        "brat equivalence: no newsie type": 2, "brat event: no newsie type": 1,
        "brat relation to an event or other non-text annotation: no newsie form": 1,
        "ACTOR: duplicate candidate": 1})


def test_brat_relations_through_merged_duplicates_are_merged_and_counted(tmp_path):
    # T2 and T3 are one span once merged, so R1 and R2 become the same relation.
    write_brat(tmp_path, "T1\tSay 1 9\tWe stay,\nT2\tPER 16 22\tLavrov\nT3\tPER 16 22\tLavrov\n"
                         "R1\tSaidBy Arg1:T1 Arg2:T2\nR2\tSaidBy Arg1:T1 Arg2:T3\n")
    result = convert("brat", [tmp_path], LABELS)
    assert standoff(result) == [[("QUOTE", "We stay,"), ("ACTOR", "Lavrov"),
                                 ("SPEAKER", "We stay,", "Lavrov")]]
    assert result.report.skipped == Counter({"ACTOR: duplicate candidate": 1,
                                             "SPEAKER: duplicate relation": 1})


def test_brat_text_without_annotations_is_counted_not_converted(tmp_path):
    write_brat(tmp_path, "T1\tPER 16 22\tLavrov\n")
    (tmp_path / "b.txt").write_text("Nobody annotated this.", encoding="utf-8")
    result = convert("brat", [tmp_path], LABELS)
    assert [doc.id for doc in result.documents] == ["a"]
    assert result.report.skipped == Counter({
        "brat .txt without .ann: not annotated, not converted": 1})


# --- doccano ------------------------------------------------------------------------------------

def entity(ident, label: str, start: int, end: int) -> dict:
    return {"id": ident, "label": label, "start_offset": start, "end_offset": end}


def test_doccano_reused_entity_id_is_an_error_naming_both_entries(tmp_path):
    path = write_json_lines(tmp_path / "e.jsonl", [
        {"text": TEXT, "entities": [entity(1, "ACTOR", 16, 22)]},
        {"text": TEXT, "entities": [entity(7, "ACTOR", 16, 22), entity(7, "LOCATION", 26, 30)],
         "relations": []}])
    with pytest.raises(CorpusError, match=r"'7' is used again \(first at entities\[0\]\)") as err:
        convert("doccano", [path])
    assert (err.value.source, err.value.line, err.value.field) == (str(path), 2, "entities[1].id")


def test_doccano_duplicates_are_merged_and_counted(tmp_path):
    path = write_json_lines(tmp_path / "e.jsonl", [
        {"text": TEXT, "label": [[16, 22, "ACTOR"], [16, 22, "ACTOR"], [26, 30, "LOCATION"]]},
        {"text": TEXT, "entities": [entity(1, "QUOTE", 1, 9), entity(2, "ACTOR", 16, 22)],
         "relations": [{"from_id": 1, "to_id": 2, "type": "SPEAKER"},
                       {"from_id": 1, "to_id": 2, "type": "SPEAKER"}]}])
    result = convert("doccano", [path])
    assert standoff(result) == [
        [("ACTOR", "Lavrov"), ("LOCATION", "Homs")],
        [("QUOTE", "We stay,"), ("ACTOR", "Lavrov"), ("SPEAKER", "We stay,", "Lavrov")]]
    assert result.report.skipped == Counter({"ACTOR: duplicate candidate": 1,
                                             "SPEAKER: duplicate relation": 1})


def test_doccano_row_without_annotation_is_counted_not_a_negative(tmp_path):
    path = write_json_lines(tmp_path / "e.jsonl", [
        {"id": 1, "text": TEXT, "label": []},                        # annotated: nothing there
        {"id": 2, "text": TEXT},                                     # never annotated
        {"id": 3, "text": TEXT, "labels": [[16, 22, "ACTOR"]]}])     # another tool's key
    result = convert("doccano", [path])
    assert [(doc.id, doc.spans) for doc in result.documents] == [("1", [])]
    assert result.report.skipped == Counter({
        "doccano row without 'label' or 'entities': not annotated": 2})


# --- Label Studio -------------------------------------------------------------------------------

def task(ident: int, *annotations: dict) -> dict:
    return {"id": ident, "data": {"text": TEXT}, "annotations": list(annotations)}


def region(ident: str, start: int, end: int, *labels: str) -> dict:
    return {"id": ident, "type": "labels",
            "value": {"start": start, "end": end, "labels": list(labels)}}


SAID = [region("q", 1, 9, "Say"), region("a", 16, 22, "PER"),
        {"type": "relation", "from_id": "q", "to_id": "a", "labels": ["SaidBy"]}]


def convert_tasks(tmp_path: Path, tasks: list[dict]):
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    return convert("labelstudio", [tmp_path / "export.json"], LABELS)


def test_labelstudio_unannotated_tasks_are_counted_never_negatives(tmp_path):
    result = convert_tasks(tmp_path, [
        task(1),                                                            # nobody annotated it
        task(2, {"result": [], "was_cancelled": True}),                     # only cancelled
        task(3, {"result": SAID}),
        task(4, {"result": []}),                                            # annotated: nothing
        {**task(5), "predictions": [{"result": SAID}]}])                    # a model's guess only
    assert [doc.id for doc in result.documents] == ["3", "4"]
    assert standoff(result) == [[("QUOTE", "We stay,"), ("ACTOR", "Lavrov"),
                                 ("SPEAKER", "We stay,", "Lavrov")], []]
    assert result.report.skipped == Counter({
        "label studio: unannotated task (no annotation, or only cancelled ones)": 3,
        "label studio: cancelled annotation": 1})


def test_labelstudio_region_with_two_labels_keeps_both_spans(tmp_path):
    # Before, the ref's last span replaced the first: the region lost its ACTOR.
    result = convert_tasks(tmp_path, [task(1, {"result": [
        region("q", 1, 9, "Say"), region("a", 16, 22, "PER", "GPE"),
        {"type": "relation", "from_id": "q", "to_id": "a", "labels": ["SaidBy"]}]})])
    assert standoff(result) == [[("QUOTE", "We stay,"), ("ACTOR", "Lavrov"),
                                 ("LOCATION", "Lavrov"), ("SPEAKER", "We stay,", "Lavrov")]]
    assert result.report.skipped == Counter()


def test_labelstudio_per_region_results_are_counted_not_errors(tmp_path):
    per_region = {"id": "a", "type": "textarea",
                  "value": {"start": 16, "end": 22, "text": ["a note"]}}
    result = convert_tasks(tmp_path, [task(1, {"result": [*SAID, per_region]})])
    assert standoff(result)[0][-1] == ("SPEAKER", "We stay,", "Lavrov")
    assert result.report.skipped == Counter({"label studio textarea result: no newsie type": 1})


def test_labelstudio_one_id_for_two_regions_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match=r"'a' names 26:30 here but 16:22 at "
                                          r"\[0\]\.annotations\[0\]\.result\[1\]") as caught:
        convert_tasks(tmp_path, [task(1, {"result": [*SAID, region("a", 26, 30, "GPE")]})])
    assert caught.value.field == "[0].annotations[0].result[3]"
    assert caught.value.source == str(tmp_path / "export.json")


def test_labelstudio_annotation_that_is_not_an_object_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="must be an object") as caught:
        convert_tasks(tmp_path, [task(1, {"result": SAID}, "oops")])
    assert caught.value.field == "[0].annotations[1]"


# --- re3d, GUM, CoNLL ---------------------------------------------------------------------------

def test_re3d_reused_document_id_is_an_error(tmp_path):
    folder = tmp_path / "Wire"
    folder.mkdir()
    path = write_json_lines(folder / "documents.json", [{"_id": "d1", "text": "one"},
                                                        {"_id": "d1", "text": "two"}])
    write_json_lines(folder / "entities.json", [])
    with pytest.raises(CorpusError, match=r"'d1' is used again \(first at line 1\)") as caught:
        convert("re3d", [folder])
    assert (caught.value.source, caught.value.line, caught.value.field) == (str(path), 2, "_id")


def test_gum_mention_id_reused_is_an_error(tmp_path):
    tsv = tmp_path / "gum" / "coref" / "gum" / "tsv"
    for folder in ("xml", "rst/rstweb"):
        (tmp_path / "gum" / folder).mkdir(parents=True)
    tsv.mkdir(parents=True)
    (tmp_path / "gum" / "xml" / "d.xml").write_text("<text>\nA\nB\nC\n</text>\n", encoding="utf-8")
    (tmp_path / "gum" / "rst" / "rstweb" / "d.rs4").write_text(
        '<rst><body><segment id="1">A B C</segment></body></rst>', encoding="utf-8")
    (tsv / "d.tsv").write_text("1-1\t0-1\tA\tperson[1]\n1-2\t2-3\tB\t_\n1-3\t4-5\tC\tperson[1]\n",
                               encoding="utf-8")
    with pytest.raises(CorpusError, match="mention 1 .* is used again as person at token 3") as err:
        convert("gum", [tmp_path / "gum"])
    assert (err.value.source, err.value.line) == (str(tsv / "d.tsv"), 3)


def test_conll_keeps_a_no_break_space_in_its_token_and_ignores_a_byte_order_mark(tmp_path):
    path = tmp_path / "a.conll"
    path.write_text("\ufeff-DOCSTART- -X- O\n\n10\u00a0000 B-CAS\npeople I-CAS\nfled\tO\r\n",
                    encoding="utf-8")
    [doc] = convert("conll", [path], {"CAS": "CASUALTY"}).documents
    assert doc.text == "10\u00a0000 people fled"
    assert [(s.label, s.text) for s in doc.spans] == [("CASUALTY", "10\u00a0000 people")]


# --- every merge counted ------------------------------------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([(1, 9, "Say"), (16, 22, "PER"), (26, 30, "GPE")]),
                          st.integers(1, 3)), min_size=1, max_size=3, unique_by=lambda t: t[0]))
def test_brat_every_duplicate_is_merged_once_and_counted(tmp_path_factory, copies):
    """However many times a span is annotated, it is converted once and every copy is counted."""
    annotations = [span for span, times in copies for _ in range(times)]
    folder = tmp_path_factory.mktemp("brat")
    write_brat(folder, "".join(f"T{k}\t{label} {start} {end}\t{TEXT[start:end]}\n"
                               for k, (start, end, label) in enumerate(annotations, start=1)))
    result = convert("brat", [folder], LABELS)
    assert sorted((s.start, s.end) for s in result.documents[0].spans) == sorted(
        (start, end) for (start, end, _), _ in copies)
    assert sum(result.report.skipped.values()) == sum(times - 1 for _, times in copies)

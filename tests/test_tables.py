"""Tables: spans, relations and casualty events as DataFrames with a fixed schema, written as
Parquet or CSV with pyarrow, and `newsie extract --format parquet|csv -o DIR`."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.csv
import pyarrow.parquet
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsie.cli import main
from newsie.data import Document
from newsie.tables import COLUMNS, arrow_schema, document_tables, write_tables
from newsie.text.casualty import casualty_attributes


def dtypes(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return [(name, str(dtype)) for name, dtype in frame.dtypes.items()]


@pytest.mark.parametrize("given_documents", [[], [Document("No news today.", id="quiet")]])
def test_every_table_has_its_columns_and_dtypes_even_when_empty(given_documents):
    tables = document_tables(given_documents)
    for name, table in tables._asdict().items():
        assert dtypes(table) == [(c.name, c.dtype) for c in COLUMNS[name]]
        assert len(table) == 0


def test_the_rows(documents):
    documents[0].spans_of("CASUALTY")[0].score = 0.875
    spans, relations, casualties, events_table = document_tables(documents)
    assert len(spans) == sum(len(d.spans) for d in documents)
    first = spans.iloc[2].to_dict()
    assert first == {"doc_id": "doc-0", "span_id": "c1", "label": "CASUALTY", "start": 39,
                     "end": 57, "text": "at least 12 people", "score": 0.875, "count": 12,
                     "qualifier": "at_least", "status": "killed"}
    assert spans.loc[spans.label == "ACTOR", "count"].isna().all()
    assert relations[["doc_id", "label", "head_id", "tail_id", "head_text", "tail_text"]] \
        .values.tolist() == [
            ["doc-0", "PLACE", "c1", "l1", "at least 12 people", "Homs"],
            ["doc-0", "PERPETRATOR", "c1", "a1", "at least 12 people", "Rebels"],
            ["doc-1", "SPEAKER", "q1", "a1", "We will not go to Lagos,", "Amina Bello"],
            ["doc-2", "PLACE", "c1", "l1", "three tourists", "Cusco"]]
    events = casualties[["doc_id", "count", "killed", "injured", "place", "perpetrator"]]
    assert events.astype(object).where(events.notna(), None).values.tolist() == [
        ["doc-0", 12, 12, None, "Homs", "Rebels"],
        ["doc-2", 3, None, 3, "Cusco", None]]
    assert casualties.sentence.tolist() == [documents[0].text, documents[2].text]


def test_the_sentence_is_the_casualtys_own_and_relations_join_with_semicolons():
    text = ("Talks resumed in Geneva. Mr. Lee said 40 people died in Aleppo and Idlib. "
            "Nobody claimed it.")
    doc = Document.from_dict({"id": "x", "text": text, "spans": [
        {"id": "c", "label": "CASUALTY", "start": 38, "end": 47,
         "attrs": casualty_attributes(text, 38, 48)},
        {"id": "a", "label": "LOCATION", "start": 56, "end": 62},
        {"id": "b", "label": "LOCATION", "start": 67, "end": 72}],
        "relations": [{"label": "PLACE", "head": "c", "tail": "a"},
                      {"label": "PLACE", "head": "c", "tail": "b"}]})
    [event] = document_tables([doc]).casualties.to_dict("records")
    assert event["text"] == "40 people"
    assert event["sentence"] == "Mr. Lee said 40 people died in Aleppo and Idlib."
    assert event["place"] == "Aleppo; Idlib" and event["killed"] == 40
    assert pd.isna(event["perpetrator"])


def test_how_many_killed_where_and_by_whom_is_one_groupby(documents):
    events = document_tables(documents * 2).casualties  # ids repeat: rows still add up
    killed = events.groupby(["place", "perpetrator"], dropna=False)["killed"].sum()
    assert killed.to_dict() == {("Homs", "Rebels"): 24, ("Cusco", pd.NA): 0}


def test_documents_without_an_id_are_numbered_by_position(documents):
    documents[1].id = None
    assert document_tables(documents).spans.doc_id.unique().tolist() == ["doc-0", "1", "doc-2"]


def test_a_generator_is_read_once():
    docs = (Document("Nothing here.", id=str(k)) for k in range(3))
    assert document_tables(docs).spans.empty


@pytest.mark.parametrize("format", ["parquet", "csv"])
def test_written_tables_keep_the_schema_and_the_values(documents, tmp_path, format):
    tables = document_tables(documents)
    paths = write_tables(tables, tmp_path, format)
    assert [p.name for p in paths] == [f"{name}.{format}" for name in COLUMNS]
    for path, name, table in zip(paths, COLUMNS, tables, strict=True):
        if format == "parquet":
            arrow = pyarrow.parquet.read_table(path)
        else:
            # in CSV a missing value is an empty field
            options = pyarrow.csv.ConvertOptions(column_types=arrow_schema(COLUMNS[name]),
                                                 strings_can_be_null=True)
            arrow = pyarrow.csv.read_csv(path, convert_options=options)
        assert arrow.schema.remove_metadata() == arrow_schema(COLUMNS[name])
        pd.testing.assert_frame_equal(arrow.to_pandas(types_mapper=pd.ArrowDtype)
                                      .astype({c.name: c.dtype for c in COLUMNS[name]}), table)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_a_failed_write_leaves_the_earlier_tables_whole(documents, tmp_path, monkeypatch):
    write_tables(document_tables(documents), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    calls = []

    def fail_on_the_second_table(table, where, **kwargs):
        calls.append(where)
        if len(calls) == 2:
            with open(where, "wb") as handle:
                handle.write(b"PAR1 half a file")
            raise OSError("No space left on device")
        real_write(table, where, **kwargs)

    real_write = pyarrow.parquet.write_table
    monkeypatch.setattr(pyarrow.parquet, "write_table", fail_on_the_second_table)
    with pytest.raises(OSError, match="No space left"):
        write_tables(document_tables(documents[:1]), tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(after) == sorted(before)  # no .partial file left behind
    assert after["relations.parquet"] == before["relations.parquet"]
    assert after["casualties.parquet"] == before["casualties.parquet"]
    assert len(pd.read_parquet(tmp_path / "spans.parquet")) == len(documents[0].spans)


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown table format 'xlsx'; known: parquet, csv"):
        write_tables(document_tables([]), tmp_path, "xlsx")


SPAN_TYPES = st.sampled_from(["ACTOR", "CASUALTY", "LOCATION", "QUOTE"])


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=60),
       cuts=st.lists(st.tuples(SPAN_TYPES, st.integers(0, 59), st.integers(1, 10)), max_size=6))
def test_span_rows_are_the_documents_spans(text, cuts):
    spans, taken = [], {}
    for label, start, length in cuts:
        end = min(len(text), start + length)
        if start >= end or any(start < e and s < end for s, e in taken.get(label, [])):
            continue
        taken.setdefault(label, []).append((start, end))
        attrs = casualty_attributes(text, start, end) if label == "CASUALTY" else {}
        spans.append({"label": label, "start": start, "end": end, "attrs": attrs})
    doc = Document.from_dict({"id": "d", "text": text, "spans": spans})
    rows, _, events, _ = document_tables([doc])
    assert sorted(zip(rows.label, rows.start, rows.end, rows.text, strict=True)) == sorted(
        (s.label, s.start, s.end, text[s.start:s.end]) for s in doc.spans)
    assert len(events) == len(doc.spans_of("CASUALTY"))
    for event in events.to_dict("records"):
        assert pd.isna(event["killed"]) or (event["status"], event["killed"]) == \
            ("killed", event["count"])
        assert pd.isna(event["injured"]) or (event["status"], event["injured"]) == \
            ("injured", event["count"])
        assert event["text"].strip() in event["sentence"]


# --- newsie extract --format parquet|csv -o DIR -------------------------------------------------

def test_extract_writes_the_tables_of_what_it_extracts(tiny_model_dir, tmp_path, capsys):
    inputs = tmp_path / "news.jsonl"
    inputs.write_text("".join(json.dumps({"id": f"n{k}", "text": text}) + "\n" for k, text in
                              enumerate(["Rebels shelled Homs, killing at least 12 people.",
                                         "Police said two people were hurt in Lagos."])),
                      encoding="utf-8")
    model = ["--model", str(tiny_model_dir), "--device", "cpu"]
    assert main(["extract", str(inputs), *model]) == 0
    printed = [Document.from_dict(json.loads(line)) for line in
               capsys.readouterr().out.splitlines()]
    assert main(["extract", str(inputs), *model, "--format", "parquet", "-o",
                 str(tmp_path / "tables")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "casualties.parquet" in err
    expected = document_tables(printed)
    assert any(len(table) for table in expected)  # the tiny model finds something to compare
    for name, table in zip(COLUMNS, expected, strict=True):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "tables" / f"{name}.parquet"),
                                      table)


@pytest.mark.parametrize("arguments, complaint", [
    (["--format", "csv"], "--format csv writes four tables: name their folder with -o DIR"),
    (["-o", "somewhere"], "-o is for --format parquet or csv; --format jsonl prints"),
])
def test_extract_table_arguments_are_checked_before_the_model_loads(tmp_path, capsys, arguments,
                                                                     complaint):
    story = tmp_path / "story.txt"
    story.write_text("Nothing happened.", encoding="utf-8")
    code = main(["extract", str(story), "--model", str(tmp_path / "no-model"), *arguments])
    err = capsys.readouterr().err
    assert code == 2 and complaint in err


def test_the_events_table_counts_a_subset_once_and_marks_aggregates():
    text = ("Air raids on Al-Safira killed 15 civilians, eight of them children. "
            "The war has claimed over 45,000 lives.")
    spans = []
    for number, fragment in enumerate(("15 civilians", "eight of them children", "45,000 lives")):
        start = text.index(fragment)
        end = start + len(fragment)
        spans.append({"id": f"c{number}", "label": "CASUALTY", "start": start, "end": end,
                      "attrs": casualty_attributes(text, start, end)})
    doc = Document.from_dict({"id": "d", "text": text, "spans": spans})
    tables = document_tables([doc])
    assert tables.events[["mentions", "text", "killed", "injured"]].values.tolist() == [
        ["c0; c1", "15 civilians", 15, 0]]
    assert tables.casualties.killed.sum() > tables.events.killed.sum()  # mentions double count
    assert tables.casualties.event.astype(object).where(
        tables.casualties.event.notna(), None).tolist() == [0, 0, None]

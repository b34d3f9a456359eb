"""Documents as tables for analysts: spans, relations, casualty mentions and casualty events as
pandas DataFrames, written with pyarrow as Parquet or CSV.

    from newsie.tables import document_tables, write_tables
    tables = document_tables(extractor.pipe(texts))      # one pass over any iterable
    tables.events.groupby(["place", "perpetrator"], dropna=False)["killed"].sum()
    write_tables(tables, "tables/", "parquet")           # spans.parquet, relations.parquet, ...

Every table has the columns and dtypes of its `Column` list below, in that order, whatever the
documents hold (an empty table still has them): strings are pandas' "string" dtype, whole
numbers "Int64" and scores "Float64", all of which hold missing values as <NA>. A document's
`doc_id` is its id, or its position (from 0) in the documents given when it has none.

The casualty table has one row per CASUALTY span (an event as one count phrase states it): its
count, qualifier and status, `killed` and `injured` (the count when the status says so), the
LOCATION its PLACE relation names, the ACTOR its PERPETRATOR relation names (several are joined
with "; "), the sentence around it and the casualty event it belongs to. Summing its `killed`
counts the same victims once per mention ("15 civilians, eight of them children" is 23): sum the
events table instead, one row per casualty event (`Document.casualty_events`, computed by
`newsie.document` for a document that has none), whose counts are those of `doc_counts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa

from newsie.data import CasualtyEvent, Document
from newsie.document import casualty_events
from newsie.files import write_atomically
from newsie.text.sentences import sentence_window

TABLE_FORMATS = ("parquet", "csv")
SENTENCE_REACH = 1000  # characters either side of a casualty that its sentence may take


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # pandas: "string", "Int64" or "Float64"
    meaning: str


_ARROW_TYPES = {"string": pa.string(), "Int64": pa.int64(), "Float64": pa.float64()}

SPAN_COLUMNS = (
    Column("doc_id", "string", "the document's id"),
    Column("span_id", "string", "the span's id in its document (as in the JSON lines)"),
    Column("label", "string", "ACTOR, CASUALTY, LOCATION or QUOTE"),
    Column("start", "Int64", "first character, a Python str index into the text"),
    Column("end", "Int64", "one past the last character"),
    Column("text", "string", "the span's text"),
    Column("score", "Float64", "the model's confidence; <NA> for gold spans"),
    Column("count", "Int64", "CASUALTY: how many people; <NA> when the text gives no number"),
    Column("qualifier", "string", "CASUALTY: exact, at_least, at_most or approximately"),
    Column("status", "string", "CASUALTY: killed, injured or unknown"),
)
RELATION_COLUMNS = (
    Column("doc_id", "string", "the document's id"),
    Column("label", "string", "SPEAKER, PLACE or PERPETRATOR"),
    Column("head_id", "string", "the head span's id (the quote, the casualty)"),
    Column("tail_id", "string", "the tail span's id (the speaker, the place, the perpetrator)"),
    Column("head_text", "string", "the head span's text"),
    Column("tail_text", "string", "the tail span's text"),
    Column("head_start", "Int64", "the head span's first character"),
    Column("head_end", "Int64", "one past the head span's last character"),
    Column("tail_start", "Int64", "the tail span's first character"),
    Column("tail_end", "Int64", "one past the tail span's last character"),
    Column("score", "Float64", "the model's confidence; <NA> for gold relations"),
)
CASUALTY_COLUMNS = (
    Column("doc_id", "string", "the document's id"),
    Column("span_id", "string", "the CASUALTY span's id"),
    Column("text", "string", "the casualty phrase"),
    Column("start", "Int64", "the phrase's first character"),
    Column("end", "Int64", "one past the phrase's last character"),
    Column("count", "Int64", "how many people; <NA> when the text gives no number"),
    Column("qualifier", "string", "exact, at_least, at_most or approximately"),
    Column("status", "string", "killed, injured or unknown"),
    Column("killed", "Int64", "the count when the status is killed, else <NA>"),
    Column("injured", "Int64", "the count when the status is injured, else <NA>"),
    Column("place", "string", "the LOCATION of its PLACE relation; <NA> when none"),
    Column("perpetrator", "string", "the ACTOR of its PERPETRATOR relation; <NA> when none"),
    Column("sentence", "string", "the sentence the phrase is in"),
    Column("event", "Int64", "its casualty event's number in the document (from 0); <NA> for an "
           "aggregate toll, which belongs to no event"),
)
EVENT_COLUMNS = (
    Column("doc_id", "string", "the document's id"),
    Column("event", "Int64", "the event's number in the document, from 0"),
    Column("mentions", "string", "its CASUALTY span ids, joined with \"; \""),
    Column("text", "string", "its most inclusive mention's text"),
    Column("killed", "Int64", "how many people the event killed (0 when none or unknown)"),
    Column("injured", "Int64", "how many it injured (0 when none or unknown)"),
    Column("place", "string", "the LOCATION of its PLACE relation; <NA> when none"),
    Column("perpetrator", "string", "the ACTOR of its PERPETRATOR relation; <NA> when none"),
)
COLUMNS = {"spans": SPAN_COLUMNS, "relations": RELATION_COLUMNS, "casualties": CASUALTY_COLUMNS,
           "events": EVENT_COLUMNS}


class DocumentTables(NamedTuple):
    spans: pd.DataFrame
    relations: pd.DataFrame
    casualties: pd.DataFrame
    events: pd.DataFrame


class TableBuilder:
    """The rows of the four tables, gathered a document at a time (`add`), for a caller that
    is handed documents one by one; `tables()` makes the DataFrames of what was added."""

    def __init__(self) -> None:
        self._rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
        self._documents = 0

    def add(self, doc: Document) -> None:
        """Add a document's rows. They are read from its JSON form (`Document.to_dict`), so ids,
        order and rounded scores are those of the JSON lines."""
        doc_id = doc.id if doc.id is not None else str(self._documents)
        self._documents += 1
        form = doc.to_dict()
        spans = {span["id"]: span for span in form["spans"]}
        self._rows["spans"] += [_span_row(doc_id, span) for span in form["spans"]]
        self._rows["relations"] += [_relation_row(doc_id, rel, spans) for rel in form["relations"]]
        events = doc.casualty_events if doc.doc_counts is not None else casualty_events(doc)
        ids = {id(span): span_id for span_id, span in doc.identified_spans()}
        event_of = {ids[id(m)]: number for number, event in enumerate(events)
                    for m in event.mentions}
        self._rows["casualties"] += [
            {**_casualty_row(doc_id, doc.text, span, form["relations"], spans),
             "event": event_of.get(span["id"])}
            for span in form["spans"] if span["label"] == "CASUALTY"]
        self._rows["events"] += [_event_row(doc_id, number, event, ids)
                                 for number, event in enumerate(events)]

    def tables(self) -> DocumentTables:
        return DocumentTables(*(frame(self._rows[name], COLUMNS[name]) for name in COLUMNS))


def document_tables(documents: Iterable[Document]) -> DocumentTables:
    """The four tables of `documents`, read once (a generator such as `Extractor.pipe` will do)."""
    builder = TableBuilder()
    for doc in documents:
        builder.add(doc)
    return builder.tables()


def frame(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> pd.DataFrame:
    """A DataFrame with exactly `columns`, in order and of their dtypes, from row dicts."""
    return pd.DataFrame({column.name: pd.array([row[column.name] for row in rows],
                                                dtype=column.dtype) for column in columns})


def arrow_schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([pa.field(column.name, _ARROW_TYPES[column.dtype]) for column in columns])


def write_tables(tables: DocumentTables, folder: str | Path, format: str = "parquet") -> list[Path]:
    """Write each table as `folder/NAME.FORMAT` (parquet or csv) with its Arrow schema; the
    files written. Each file is written beside its name and then renamed onto it, so an
    interrupted run leaves the earlier file or the new one, never half of one."""
    if format not in TABLE_FORMATS:
        raise ValueError(f"unknown table format {format!r}; known: {', '.join(TABLE_FORMATS)}")
    import pyarrow.csv
    import pyarrow.parquet

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in zip(COLUMNS, tables, strict=True):
        arrow = pa.Table.from_pandas(table, schema=arrow_schema(COLUMNS[name]),
                                     preserve_index=False)
        path = folder / f"{name}.{format}"
        writer = pyarrow.parquet.write_table if format == "parquet" else pyarrow.csv.write_csv
        write_atomically(path, lambda partial, arrow=arrow, writer=writer: writer(arrow, partial))
        written.append(path)
    return written


def _span_row(doc_id: str, span: dict[str, Any]) -> dict[str, Any]:
    casualty = span.get("attrs", {}) if span["label"] == "CASUALTY" else {}
    return {"doc_id": doc_id, "span_id": span["id"], "label": span["label"],
            "start": span["start"], "end": span["end"], "text": span["text"],
            "score": span.get("score"), "count": casualty.get("count"),
            "qualifier": casualty.get("qualifier"), "status": casualty.get("status")}


def _relation_row(doc_id: str, rel: dict[str, Any], spans: dict[str, dict]) -> dict[str, Any]:
    head, tail = spans[rel["head"]], spans[rel["tail"]]
    return {"doc_id": doc_id, "label": rel["label"], "head_id": rel["head"],
            "tail_id": rel["tail"], "head_text": head["text"], "tail_text": tail["text"],
            "head_start": head["start"], "head_end": head["end"], "tail_start": tail["start"],
            "tail_end": tail["end"], "score": rel.get("score")}


def _casualty_row(
    doc_id: str, text: str, span: dict[str, Any], relations: list[dict], spans: dict[str, dict]
) -> dict[str, Any]:
    attrs = span.get("attrs", {})
    count, status = attrs.get("count"), attrs.get("status")
    lo, hi = sentence_window(text, span["start"], span["end"], max_chars=SENTENCE_REACH)

    def tails(label: str) -> str | None:
        texts = [spans[rel["tail"]]["text"] for rel in relations
                 if rel["head"] == span["id"] and rel["label"] == label]
        return "; ".join(texts) if texts else None

    return {"doc_id": doc_id, "span_id": span["id"], "text": span["text"],
            "start": span["start"], "end": span["end"], "count": count,
            "qualifier": attrs.get("qualifier"), "status": status,
            "killed": count if status == "killed" else None,
            "injured": count if status == "injured" else None, "place": tails("PLACE"),
            "perpetrator": tails("PERPETRATOR"), "sentence": text[lo:hi].strip()}


def _event_row(doc_id: str, number: int, event: CasualtyEvent, ids: dict[int, str]) -> dict:
    widest = max(event.mentions, key=lambda m: m.attrs.get("count") or 0)
    return {"doc_id": doc_id, "event": number,
            "mentions": "; ".join(ids[id(m)] for m in event.mentions), "text": widest.text,
            "killed": event.killed, "injured": event.injured,
            "place": None if event.place is None else event.place.text,
            "perpetrator": None if event.perpetrator is None else event.perpetrator.text}

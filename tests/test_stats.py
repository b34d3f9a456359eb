"""Corpus statistics: totals, per-source counts and the annotated types of each source."""

from __future__ import annotations

from newsie.data import Annotated, Document, Relation, Span
from newsie.stats import corpus_stats, format_stats


def make_doc(source: str | None, annotated: Annotated) -> Document:
    text = '"We stay," said Lavrov in Homs.'
    quote, actor = Span("QUOTE", 1, 9, "We stay,"), Span("ACTOR", 16, 22, "Lavrov")
    place = Span("LOCATION", 26, 30, "Homs")
    meta = {"source": source} if source else {}
    return Document(text=text, spans=[quote, actor, place],
                    relations=[Relation("SPEAKER", quote, actor)], annotated=annotated, meta=meta)


WIRE = Annotated(spans=("ACTOR", "QUOTE"), relations=("SPEAKER",))
PLACES = Annotated(spans=("LOCATION",), relations=())


def test_corpus_stats_counts_totals_and_sources():
    docs = [make_doc("wire", WIRE), make_doc("wire", PLACES), make_doc(None, PLACES)]
    stats = corpus_stats(docs)
    assert stats["documents"] == 3
    assert stats["spans"] == {"ACTOR": 3, "LOCATION": 3, "QUOTE": 3}
    assert list(stats["spans"]) == ["ACTOR", "LOCATION", "QUOTE"]  # schema order
    assert stats["relations"] == {"SPEAKER": 3}
    assert set(stats["sources"]) == {"wire", "unknown"}
    wire = stats["sources"]["wire"]
    assert wire["documents"] == 2 and wire["spans"]["ACTOR"] == 2
    assert wire["annotated"] == {"spans": ["ACTOR", "LOCATION", "QUOTE"],
                                 "relations": ["SPEAKER"]}
    assert stats["sources"]["unknown"]["annotated"] == {"spans": ["LOCATION"], "relations": []}


def test_corpus_stats_of_nothing():
    assert corpus_stats([]) == {"documents": 0, "spans": {}, "relations": {}, "sources": {}}


def test_format_stats_lists_every_count_and_source():
    text = format_stats(corpus_stats([make_doc("wire", WIRE), make_doc(None, PLACES)]))
    lines = text.splitlines()
    assert lines[0] == "documents: 2"
    assert "source wire: 1 documents" in lines
    assert "  annotates: ACTOR, QUOTE, SPEAKER" in lines
    assert "source unknown: 1 documents" in lines
    assert any(line.split() == ["SPEAKER", "2"] for line in lines)

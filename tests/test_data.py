"""The document model: JSON form, JSON-lines files, validation errors that locate the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsie.corpus import iter_jsonl, read_corpora, read_jsonl, write_jsonl
from newsie.data import (
    PRONOUN,
    ActorCluster,
    Annotated,
    CasualtyEvent,
    CorpusError,
    Document,
    Relation,
    Span,
)
from newsie.schema import DEFAULT_SCHEMA

TEXT = '"We will not go to Lagos," Amina Bello said after 3 people died in Abuja.'


def span_dict(label: str, fragment: str, span_id: str, text: str = TEXT, **extra) -> dict:
    start = text.index(fragment)
    return {"id": span_id, "label": label, "start": start, "end": start + len(fragment),
            "text": fragment, **extra}


def valid_dict() -> dict:
    """A document with nested spans of different types, attributes, relations and extra fields."""
    return {
        "id": "doc-7", "text": TEXT, "url": "https://example.org/7", "topic": "politics",
        "spans": [
            span_dict("QUOTE", "We will not go to Lagos,", "q1"),
            span_dict("LOCATION", "Lagos", "l1"),
            span_dict("ACTOR", "Amina Bello", "a1"),
            span_dict("CASUALTY", "3 people", "c1",
                      attrs={"count": 3, "qualifier": "exact", "status": "killed"}),
            span_dict("LOCATION", "Abuja", "l2"),
        ],
        "relations": [{"label": "SPEAKER", "head": "q1", "tail": "a1"},
                      {"label": "PLACE", "head": "c1", "tail": "l2"}],
        "annotated": {"spans": ["ACTOR", "CASUALTY", "LOCATION", "QUOTE"],
                      "relations": ["SPEAKER", "PLACE"]},
    }


def test_from_dict_builds_spans_relations_and_keeps_other_fields():
    doc = Document.from_dict(valid_dict())
    assert doc.id == "doc-7"
    assert [(s.label, s.text) for s in doc.spans_of("LOCATION")] == [
        ("LOCATION", "Lagos"), ("LOCATION", "Abuja")]
    speaker = doc.relations[0]
    assert (speaker.label, speaker.head.text, speaker.tail.text) == (
        "SPEAKER", "We will not go to Lagos,", "Amina Bello")
    assert speaker.head is doc.spans[0]  # relations point at the document's own Span objects
    assert doc.annotated == Annotated(spans=("ACTOR", "CASUALTY", "LOCATION", "QUOTE"),
                                      relations=("SPEAKER", "PLACE"))
    assert doc.meta == {"url": "https://example.org/7", "topic": "politics"}
    assert doc.spans_of("CASUALTY")[0].attrs == {"count": 3, "qualifier": "exact",
                                                "status": "killed"}


def test_to_dict_from_dict_round_trip():
    data = valid_dict()
    once = Document.from_dict(data).to_dict()
    assert Document.from_dict(once).to_dict() == once
    assert once["url"] == data["url"] and once["annotated"] == data["annotated"]
    assert sorted(s["id"] for s in once["spans"]) == sorted(s["id"] for s in data["spans"])
    assert [(r["label"], r["head"], r["tail"]) for r in once["relations"]] == [
        ("SPEAKER", "q1", "a1"), ("PLACE", "c1", "l2")]


def test_to_dict_numbers_spans_without_ids_in_offset_order_avoiding_taken_ids():
    text = "Rebels shelled Homs."
    homs = Span("LOCATION", 15, 19, "Homs", id="s0")
    rebels = Span("ACTOR", 0, 6, "Rebels")
    doc = Document(text=text, spans=[homs, rebels])
    out = doc.to_dict()
    assert [(s["id"], s["text"]) for s in out["spans"]] == [("s1", "Rebels"), ("s0", "Homs")]
    assert "id" not in out  # a document without an id serialises without one


def test_to_dict_rounds_scores_and_serialises_relations_by_span_id():
    text = "Rebels shelled Homs, killing 4 people."
    casualty = Span("CASUALTY", 29, 37, "4 people", score=0.123456, attrs={"count": 4})
    homs = Span("LOCATION", 15, 19, "Homs", score=0.9)
    doc = Document(text=text, spans=[casualty, homs],
                   relations=[Relation("PLACE", casualty, homs, score=0.87654)])
    out = doc.to_dict()
    assert out["spans"][1]["score"] == 0.1235
    assert out["relations"] == [{"label": "PLACE", "head": "s1", "tail": "s0", "score": 0.8765}]
    assert Document.from_dict(out).relations[0].tail.text == "Homs"


def test_missing_annotated_means_every_type_and_missing_span_text_is_taken_from_the_text():
    doc = Document.from_dict({"text": "Rebels shelled Homs.",
                              "spans": [{"label": "ACTOR", "start": 0, "end": 6}]})
    assert doc.annotated == Annotated.full(DEFAULT_SCHEMA)
    assert doc.spans[0].text == "Rebels" and doc.spans[0].id == "s0"


def test_write_and_read_jsonl_round_trip(tmp_path: Path, documents):
    path = tmp_path / "nested" / "corpus.jsonl"
    assert write_jsonl(documents, path) == len(documents)
    assert [d.to_dict() for d in read_jsonl(path)] == [d.to_dict() for d in documents]
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(documents)
    assert len(read_corpora([path, path])) == 2 * len(documents)


def test_jsonl_keeps_non_ascii_text_readable(tmp_path: Path):
    doc = Document(text="Zoë met Ahmed in Zürich — 🇨🇭", spans=[Span("LOCATION", 17, 23, "Zürich")])
    path = tmp_path / "unicode.jsonl"
    write_jsonl([doc], path)
    assert "Zürich" in path.read_text(encoding="utf-8")
    [back] = read_jsonl(path)
    assert back.text == doc.text and back.spans[0].text == "Zürich"


def test_blank_lines_are_skipped_and_line_numbers_count_them(tmp_path: Path):
    path = tmp_path / "corpus.jsonl"
    good = json.dumps({"text": "Rebels shelled Homs."})
    bad = json.dumps({"text": "Rebels", "spans": [{"label": "ACTOR", "start": 0, "end": 9}]})
    path.write_text(f"{good}\n\n{good}\n{bad}\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        read_jsonl(path)
    assert (caught.value.source, caught.value.line, caught.value.field) == (
        str(path), 4, "spans[0]")


def test_malformed_json_names_file_and_line(tmp_path: Path):
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps({"text": "fine"}) + '\n{"text": "no closing brace"\n',
                    encoding="utf-8")
    documents = iter_jsonl(path)
    assert next(documents).text == "fine"  # documents before the bad line are read
    with pytest.raises(CorpusError, match="malformed JSON") as caught:
        next(documents)
    assert caught.value.line == 2 and caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}:2: ")


def test_missing_corpus_file_is_named(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="nowhere.jsonl"):
        read_jsonl(tmp_path / "nowhere.jsonl")


def with_changes(**changes) -> dict:
    data = valid_dict()
    data.update(changes)
    return data


def spans_changed(index: int, **fields) -> dict:
    data = valid_dict()
    data["spans"][index].update(fields)
    return data


INVALID = {
    "not an object": (["text"], None, "expected a JSON object"),
    "text not a string": (with_changes(text=7), "text", "must be a string"),
    "offsets past the end": (spans_changed(2, end=len(TEXT) + 1), "spans[2]", "outside the text"),
    "negative start": (spans_changed(2, start=-1), "spans[2]", "outside the text"),
    "empty span": (spans_changed(2, end=TEXT.index("Amina")), "spans[2]", "outside the text"),
    "offset not an integer": (spans_changed(2, start="27"), "spans[2].start", "integer"),
    "text disagrees": (spans_changed(2, text="Amina Bella"), "spans[2].text", "disagrees"),
    "unknown label": (spans_changed(2, label="PERSON"), "spans[2].label", "unknown label"),
    "unknown annotated type": (with_changes(annotated={"spans": ["PERSON"], "relations": []}),
                               "annotated.spans", "unknown span type"),
    "unknown annotated relation": (with_changes(annotated={"spans": [], "relations": ["SAID"]}),
                                   "annotated.relations", "unknown relation type"),
    "bad casualty count": (spans_changed(3, attrs={"count": "three"}), "spans[3].attrs.count",
                           "non-negative integer"),
    "bad casualty status": (spans_changed(3, attrs={"status": "dead"}), "spans[3].attrs.status",
                            "must be one of"),
    "bad casualty qualifier": (spans_changed(3, attrs={"qualifier": "roughly"}),
                               "spans[3].attrs.qualifier", "must be one of"),
    "repeated span id": (spans_changed(4, id="l1"), "spans[4].id", "used twice"),
    "unknown relation": (with_changes(relations=[{"label": "SAID", "head": "q1", "tail": "a1"}]),
                         "relations[0].label", "unknown relation"),
    "missing head": (with_changes(relations=[{"label": "SPEAKER", "head": "q9", "tail": "a1"}]),
                     "relations[0].head", "does not have"),
    "missing tail": (with_changes(relations=[{"label": "PLACE", "head": "c1"}]),
                     "relations[0].tail", "does not have"),
    "wrong head type": (with_changes(relations=[{"label": "SPEAKER", "head": "a1", "tail": "a1"}]),
                        "relations[0].head", "needs a QUOTE head"),
    "wrong tail type": (with_changes(relations=[{"label": "PLACE", "head": "c1", "tail": "a1"}]),
                        "relations[0].tail", "needs a LOCATION tail"),
}


@pytest.mark.parametrize("data, field, message", INVALID.values(), ids=INVALID.keys())
def test_invalid_documents_are_refused_with_file_line_and_field(data, field, message):
    with pytest.raises(CorpusError, match=message) as caught:
        Document.from_dict(data, source="corpus.jsonl", line=12)
    error = caught.value
    assert (error.source, error.line, error.field) == ("corpus.jsonl", 12, field)
    assert str(error).startswith("corpus.jsonl:12: " + (f"{field}: " if field else ""))


def test_overlapping_spans_of_one_type_are_refused():
    text = "Foreign Minister Sergei Lavrov spoke."
    data = {"text": text, "spans": [
        {"label": "ACTOR", "start": 8, "end": 30},  # Minister Sergei Lavrov
        {"label": "ACTOR", "start": 0, "end": 16},  # Foreign Minister
    ]}
    with pytest.raises(CorpusError, match="overlaps") as caught:
        Document.from_dict(data, source="c.jsonl", line=3)
    assert caught.value.field == "spans[0]"  # the later-starting span of the pair


def test_same_type_spans_that_only_touch_and_nested_spans_of_different_types_are_valid():
    text = "Homs Aleppo"
    doc = Document.from_dict({"text": text, "spans": [
        {"label": "LOCATION", "start": 0, "end": 4}, {"label": "LOCATION", "start": 4, "end": 11},
        {"label": "QUOTE", "start": 0, "end": 11}, {"label": "ACTOR", "start": 5, "end": 11},
    ]})
    assert len(doc.spans) == 4


def test_a_span_inside_a_longer_same_type_span_is_an_overlap():
    text = "the Syrian Observatory for Human Rights"
    data = {"text": text, "spans": [
        {"label": "ACTOR", "start": 4, "end": len(text)},
        {"label": "ACTOR", "start": 11, "end": 22},
        {"label": "ACTOR", "start": 27, "end": 32},
    ]}
    with pytest.raises(CorpusError, match="overlaps"):
        Document.from_dict(data)


def test_corpus_error_without_location_is_just_the_message():
    assert str(CorpusError("bad")) == "bad"
    assert str(CorpusError("bad", field="spans")) == "spans: bad"


# --- schema v2: doc_counts, casualty_events, actors ------------------------------------------

V2_TEXT = ('Amina Bello said 3 people died in Abuja, two of them children. "We will not go," '
           "she said. Bello left. The war has claimed 500 lives.")


def v2_dict(**changes) -> dict:
    def span(label, fragment, span_id, nth=0, **extra):
        start = -1
        for _ in range(nth + 1):
            start = V2_TEXT.index(fragment, start + 1)
        return {"id": span_id, "label": label, "start": start, "end": start + len(fragment),
                **extra}

    she = V2_TEXT.index("she")
    data = {
        "id": "v2", "text": V2_TEXT,
        "spans": [
            span("ACTOR", "Amina Bello", "a1"), span("ACTOR", "Bello", "a2", nth=1),
            span("CASUALTY", "3 people", "c1", attrs={"count": 3, "status": "killed"}),
            span("CASUALTY", "two of them children", "c2", attrs={"count": 2, "status": "killed"}),
            span("CASUALTY", "500 lives", "c3", attrs={"count": 500, "status": "killed"}),
            span("LOCATION", "Abuja", "l1"), span("QUOTE", "We will not go,", "q1"),
        ],
        "relations": [{"label": "SPEAKER", "head": "q1", "tail": "a1"}],
        "doc_counts": {"killed": 3, "injured": 0},
        "casualty_events": [{"mentions": ["c1", "c2"], "killed": 3, "injured": 0,
                             "place": "l1", "perpetrator": None}],
        "actors": [{"name": "Amina Bello",
                    "mentions": ["a1", {"start": she, "end": she + 3}, "a2"]}],
    }
    data.update(changes)
    return data


def test_v2_fields_are_read_as_spans_of_the_document():
    doc = Document.from_dict(v2_dict())
    by_text = {s.text: s for s in doc.spans}
    [event] = doc.casualty_events
    assert event.mentions[0] is by_text["3 people"] and event.place is by_text["Abuja"]
    assert (event.killed, event.injured, event.perpetrator) == (3, 0, None)
    assert doc.doc_counts == {"killed": 3, "injured": 0}
    [cluster] = doc.actors
    assert cluster.name == "Amina Bello"
    assert [(m.label, m.text) for m in cluster.mentions] == [
        ("ACTOR", "Amina Bello"), (PRONOUN, "she"), ("ACTOR", "Bello")]  # in text order
    assert [m.text for m in cluster.actor_mentions()] == ["Amina Bello", "Bello"]
    assert "doc_counts" not in doc.meta and "actors" not in doc.meta


def test_v2_fields_round_trip_and_pronouns_are_written_by_offsets():
    once = Document.from_dict(v2_dict()).to_dict()
    assert Document.from_dict(once).to_dict() == once
    assert once["casualty_events"] == v2_dict()["casualty_events"]
    she = V2_TEXT.index("she")
    assert once["actors"][0]["mentions"] == ["a1", {"start": she, "end": she + 3, "text": "she"},
                                             "a2"]


def test_a_document_without_v2_fields_writes_none_and_has_no_counts():
    data = v2_dict()
    for key in ("doc_counts", "casualty_events", "actors"):
        del data[key]
    doc = Document.from_dict(data)
    assert doc.doc_counts is None and doc.casualty_events == [] and doc.actors == []
    assert not {"doc_counts", "casualty_events", "actors"} & set(doc.to_dict())


def test_zero_counts_are_annotated_and_written_with_their_empty_lists():
    doc = Document.from_dict(v2_dict(casualty_events=[], actors=[],
                                     doc_counts={"killed": 0, "injured": 0}))
    out = doc.to_dict()
    assert out["doc_counts"] == {"killed": 0, "injured": 0}
    assert out["casualty_events"] == [] and out["actors"] == []


def test_events_and_clusters_built_in_python_serialise_by_span_id():
    text = "Rebels killed 4 people. They fled."
    rebels = Span("ACTOR", 0, 6, "Rebels")
    victims = Span("CASUALTY", 14, 22, "4 people", attrs={"count": 4, "status": "killed"})
    doc = Document(text=text, spans=[rebels, victims], doc_counts={"killed": 4, "injured": 0},
                   casualty_events=[CasualtyEvent([victims], killed=4, perpetrator=rebels)],
                   actors=[ActorCluster("Rebels", [rebels, Span(PRONOUN, 24, 28, "They")])])
    out = doc.to_dict()
    assert out["casualty_events"] == [{"mentions": ["s1"], "killed": 4, "injured": 0,
                                       "place": None, "perpetrator": "s0"}]
    assert Document.from_dict(out).actors[0].mentions[1].text == "They"


def _event_changed(**fields) -> dict:
    data = v2_dict()
    data["casualty_events"][0].update(fields)
    return data


def _actor_mentions(*mentions) -> dict:
    return v2_dict(actors=[{"name": "Amina Bello", "mentions": list(mentions)}])


INVALID_V2 = {
    "killed disagrees with events": (v2_dict(doc_counts={"killed": 5, "injured": 0}),
                                     "doc_counts.killed", "is 5 but .* sum to 3"),
    "injured disagrees with events": (v2_dict(doc_counts={"killed": 3, "injured": 2}),
                                      "doc_counts.injured", "is 2 but .* sum to 0"),
    "doc_counts missing a key": (v2_dict(doc_counts={"killed": 3}), "doc_counts", "exactly"),
    "negative count": (v2_dict(doc_counts={"killed": -1, "injured": 0}, casualty_events=[]),
                       "doc_counts.killed", "non-negative"),
    "event names a missing span": (_event_changed(mentions=["c1", "c9"]),
                                   "casualty_events[0].mentions[1]", "does not have"),
    "event mention not a CASUALTY": (_event_changed(mentions=["a1"]),
                                     "casualty_events[0].mentions[0]", "needs a CASUALTY"),
    "event place not a LOCATION": (_event_changed(place="a1"), "casualty_events[0].place",
                                   "needs a LOCATION"),
    "event perpetrator missing": (_event_changed(perpetrator="a9"),
                                  "casualty_events[0].perpetrator", "does not have"),
    "event without mentions": (_event_changed(mentions=[]), "casualty_events[0].mentions",
                               "non-empty"),
    "mention in two events": (v2_dict(casualty_events=[
        {"mentions": ["c1"], "killed": 3}, {"mentions": ["c1"], "killed": 0}]),
        "casualty_events[1].mentions[0]", "already in casualty_events\\[0\\]"),
    "actor id missing": (_actor_mentions("a1", "a2", "a7"), "actors[0].mentions[2]",
                         "does not have"),
    "actor id not an ACTOR": (_actor_mentions("a1", "a2", "l1"), "actors[0].mentions[2]",
                              "needs a ACTOR"),
    "pronoun past the end": (_actor_mentions("a1", "a2", {"start": 5, "end": len(V2_TEXT) + 2}),
                             "actors[0].mentions[2]", "outside the text"),
    "pronoun offsets not integers": (_actor_mentions("a1", "a2", {"start": "5", "end": 8}),
                                     "actors[0].mentions[2].start", "integer"),
    "not a pronoun": (_actor_mentions("a1", "a2", {"start": 0, "end": 5}),
                      "actors[0].mentions[2]", "is not a pronoun"),
    "actor left out": (_actor_mentions("a1"), "actors", "'a2' .* is in no cluster"),
    "name not a mention": (v2_dict(actors=[{"name": "Ms Bello", "mentions": ["a1", "a2"]}]),
                           "actors[0].name", "not the text"),
}


@pytest.mark.parametrize("data, field, message", INVALID_V2.values(), ids=INVALID_V2.keys())
def test_invalid_v2_fields_are_refused_with_file_line_and_field(data, field, message):
    with pytest.raises(CorpusError, match=message) as caught:
        Document.from_dict(data, source="v2.jsonl", line=4)
    assert (caught.value.source, caught.value.line, caught.value.field) == ("v2.jsonl", 4, field)

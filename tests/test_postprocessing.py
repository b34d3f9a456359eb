"""Post-processing alone: a document's model outputs, built by hand, to a Document."""

from __future__ import annotations

import re

import numpy as np

from newsie.inference.outputs import DocumentOutputs
from newsie.inference.postprocessing import PostprocessSettings, attach_leading_words, postprocess
from newsie.schema import DEFAULT_SCHEMA

TYPE = {label: i for i, label in enumerate(DEFAULT_SCHEMA.span_types)}
RELATION = {relation.name: i for i, relation in enumerate(DEFAULT_SCHEMA.relation_types)}


def outputs_of(text: str, spans: list[tuple[str, int, int]], pairs=()) -> DocumentOutputs:
    """Outputs over `text` tokenized into words and marks; spans as (type, first, last) tokens,
    pairs as (relation, head span number, tail span number, score)."""
    offsets = np.array([m.span() for m in re.finditer(r"\w+|[^\w\s]", text)], dtype=np.int64)
    outputs = DocumentOutputs(text, offsets)
    pieces = np.array([(TYPE[label], first, last, 0) for label, first, last in spans])
    outputs.add_pieces(pieces, np.full(len(spans), -0.1))
    if pairs:
        rows = [(RELATION[name], *pieces[head, :3], *pieces[tail, :3], 10)
                for name, head, tail, _ in pairs]
        outputs.add_pairs(np.array(rows, dtype=np.int64), np.array([p[3] for p in pairs]))
    return outputs


def test_a_casualty_split_into_pieces_by_the_tagger_is_one_span_with_its_relations():
    text = "The 23-year-old was killed by gunmen ."
    # tokens: The 23 - year - old was killed by gunmen .
    outputs = outputs_of(
        text,
        [("CASUALTY", 0, 0), ("CASUALTY", 1, 4), ("ACTOR", 9, 9)],
        pairs=[("PERPETRATOR", 1, 2, 0.9)],
    )
    doc = postprocess(outputs, DEFAULT_SCHEMA, PostprocessSettings(document_level=False))
    casualties = doc.spans_of("CASUALTY")
    assert [s.text for s in casualties] == ["The 23-year-old"]
    assert [(r.label, r.head.text, r.tail.text) for r in doc.relations] == [
        ("PERPETRATOR", "The 23-year-old", "gunmen")]


def test_a_determiner_cut_off_a_count_phrase_is_dropped_and_one_alone_kept():
    text = "The 27 people and the wounded were named by the police ."
    outputs = outputs_of(
        text, [("CASUALTY", 0, 0), ("CASUALTY", 1, 2), ("CASUALTY", 4, 4), ("ACTOR", 10, 10)])
    doc = postprocess(outputs, DEFAULT_SCHEMA, PostprocessSettings(document_level=False))
    assert [s.text for s in doc.spans_of("CASUALTY")] == ["27 people", "the"]


def test_a_qualifier_cut_off_a_count_joins_it():
    text = "Israel killed 1,300 Palestinians and injured more than 5,300 ."
    outputs = outputs_of(text, [("CASUALTY", 2, 5), ("CASUALTY", 8, 9), ("CASUALTY", 10, 12)])
    doc = postprocess(outputs, DEFAULT_SCHEMA, PostprocessSettings(document_level=False))
    casualties = doc.spans_of("CASUALTY")
    assert [s.text for s in casualties] == ["1,300 Palestinians", "more than 5,300"]
    assert casualties[1].attrs["count"] == 5300
    assert casualties[1].attrs["qualifier"] == "at_least"


def test_only_a_lone_determiner_of_the_given_type_is_attached():
    text = "the two the Kim his"
    kept = [((0, 0, 3), 0.9), ((0, 4, 7), 0.6), ((1, 8, 11), 0.8), ((1, 12, 15), 0.7),
            ((0, 16, 19), 0.5)]
    attached, joined_into = attach_leading_words(kept, text, 0)
    assert attached == [((0, 0, 7), 0.6), ((0, 16, 19), 0.5), ((1, 8, 11), 0.8),
                        ((1, 12, 15), 0.7)]
    assert joined_into == {(0, 0, 3): (0, 0, 7), (0, 4, 7): (0, 0, 7)}


def test_a_qualifier_joins_a_determiner_already_joined_to_its_noun():
    text = "about the 23-year-old"
    kept = [((0, 0, 5), 0.9), ((0, 6, 9), 0.8), ((0, 10, 21), 0.7)]
    attached, joined_into = attach_leading_words(kept, text, 0)
    assert attached == [((0, 0, 21), 0.7)]
    assert set(joined_into) == {key for key, _ in kept}
    assert set(joined_into.values()) == {(0, 0, 21)}

"""Inter-annotator agreement: span and relation F1 between two annotations of the same texts."""

from __future__ import annotations

import copy

import pytest

from newsie.evaluation.agreement import agreement


def test_identical_annotations_agree_fully(documents):
    result = agreement(documents, copy.deepcopy(documents))
    assert result.paired == len(documents)
    assert result.scores.span_micro("strict").f1 == 1.0
    assert result.scores.relation_micro("strict").f1 == 1.0


def test_a_missing_span_lowers_its_type_and_the_relations_on_it(documents):
    second = copy.deepcopy(documents)
    dropped = second[0].spans_of("CASUALTY")[0]
    second[0].spans.remove(dropped)
    second[0].relations = [r for r in second[0].relations if dropped not in (r.head, r.tail)]
    result = agreement(documents, second)
    casualties = sum(len(d.spans_of("CASUALTY")) for d in documents)
    tp = casualties - 1
    assert result.scores.spans["strict"]["CASUALTY"].f1 == pytest.approx(2 * tp / (2 * tp + 1))
    assert result.scores.spans["strict"]["ACTOR"].f1 == 1.0
    assert result.scores.relations["strict"]["PLACE"].f1 < 1.0
    assert "| CASUALTY |" in result.format()


def test_a_shifted_boundary_counts_as_relaxed_agreement_only(documents):
    second = copy.deepcopy(documents)
    span = second[0].spans_of("CASUALTY")[0]
    span.start += len("at least ")
    span.text = second[0].text[span.start:span.end]
    result = agreement(documents, second)
    assert result.scores.spans["strict"]["CASUALTY"].f1 < 1.0
    assert result.scores.spans["relaxed"]["CASUALTY"].f1 == 1.0


def test_documents_are_paired_by_id(documents):
    result = agreement(documents, documents[1:])
    assert (result.paired, result.only_first, result.only_second) == (len(documents) - 1, 1, 0)


def test_different_texts_under_one_id_are_refused(documents):
    second = copy.deepcopy(documents)
    second[0].text += " More."
    with pytest.raises(ValueError, match="different texts"):
        agreement(documents, second)

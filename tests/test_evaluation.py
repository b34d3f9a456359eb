"""The scorer against hand-made cases, one rule of the guidelines' Scoring section at a time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from newsie.data import Document, Relation, Span
from newsie.evaluation import (
    error_analysis,
    evaluate,
    flat_metrics,
    format_comparison,
    format_report,
    format_scores_for_card,
    match_spans,
    precision_recall_f1,
    scoring,
    seqeval_f1,
    seqeval_report,
    trimmed_bounds,
)
from newsie.markup import parse_markup


def doc(markup: str, relations: tuple[str, ...] = (), annotated: dict | None = None) -> Document:
    """A validated document from inline markup; relations are 'LABEL head_id tail_id'."""
    text, spans = parse_markup(markup)
    data = {"text": text, "spans": spans, "relations": [
        dict(zip(("label", "head", "tail"), rel.split(), strict=True)) for rel in relations]}
    if annotated is not None:
        data["annotated"] = annotated
    return Document.from_dict(data)


def span(text: str, label: str, fragment: str, **attrs) -> Span:
    """A span over the first occurrence of `fragment`, built without validation so tests can
    make predictions that overlap each other."""
    start = text.index(fragment)
    return Span(label, start, start + len(fragment), fragment, attrs=attrs)


TEXT = 'Rebels shelled Homs. "We will not go to Moscow," said Ahmed Saleh.'


def test_precision_recall_f1_counts_and_zero_division():
    assert precision_recall_f1(3, 1, 2) == pytest.approx((0.75, 0.6, 2 * 0.75 * 0.6 / 1.35))
    assert precision_recall_f1(0, 0, 0) == (0.0, 0.0, 0.0)
    assert precision_recall_f1(0, 2, 0) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("predicted", [
    '"We will not go to Moscow,"',   # straight marks around, comma inside
    "We will not go to Moscow",      # no comma
    '. "We will not go to Moscow," ',  # whitespace and a full stop outside the marks
])
def test_strict_match_ignores_edge_quotes_punctuation_and_whitespace(predicted):
    gold = [span(TEXT, "QUOTE", "We will not go to Moscow,")]
    assert match_spans(gold, [span(TEXT, "QUOTE", predicted)], "strict") == [(0, 0)]


def test_trimming_handles_curly_quotes_and_keeps_inner_punctuation():
    text = "He said \u201cno, never.\u201d Then left."
    assert trimmed_bounds(span(text, "QUOTE", "\u201cno, never.\u201d")) == (9, 18)
    assert text[9:18] == "no, never"


def test_strict_needs_equal_bounds_relaxed_needs_overlap():
    gold = [span(TEXT, "QUOTE", "We will not go to Moscow,")]
    partial = [span(TEXT, "QUOTE", "We will not go")]
    assert match_spans(gold, partial, "strict") == []
    assert match_spans(gold, partial, "relaxed") == [(0, 0)]
    elsewhere = [span(TEXT, "QUOTE", "said Ahmed")]
    assert match_spans(gold, elsewhere, "relaxed") == []


def test_spans_match_only_within_their_type():
    gold = [span(TEXT, "LOCATION", "Moscow")]
    assert match_spans(gold, [span(TEXT, "ACTOR", "Moscow")], "relaxed") == []


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="unknown matching mode 'loose'"):
        match_spans([span(TEXT, "ACTOR", "Rebels")], [span(TEXT, "ACTOR", "Rebels")], "loose")


def test_two_predictions_on_one_gold_give_one_tp_and_one_fp():
    gold = doc("[Ahmed Saleh]{a:ACTOR} spoke.", annotated={"spans": ["ACTOR"], "relations": []})
    twice = Document(gold.text, spans=[span(gold.text, "ACTOR", "Ahmed Saleh"),
                                       span(gold.text, "ACTOR", "Ahmed Saleh")])
    halves = Document(gold.text, spans=[span(gold.text, "ACTOR", "Ahmed"),
                                        span(gold.text, "ACTOR", "Saleh")])
    strict = evaluate([gold], [twice]).spans["strict"]["ACTOR"]
    relaxed = evaluate([gold], [halves]).spans["relaxed"]["ACTOR"]
    assert (strict.tp, strict.fp, strict.fn) == (1, 1, 0)
    assert (relaxed.tp, relaxed.fp, relaxed.fn) == (1, 1, 0)


def test_relaxed_matching_is_maximum_not_greedy():
    text = "Deir Ezzor in province"
    gold = [span(text, "LOCATION", "Deir Ezzor"), span(text, "LOCATION", "province")]
    # The long prediction overlaps "Deir Ezzor" most, but pairing it with "province" lets the
    # short prediction take "Deir Ezzor": two pairs instead of one.
    pred = [span(text, "LOCATION", "Deir Ezzor in province"), span(text, "LOCATION", "Deir")]
    assert match_spans(gold, pred, "relaxed") == [(0, 1), (1, 0)]


def test_nested_spans_of_different_types_are_scored_independently():
    gold = doc('"[We will not go to [Moscow]{l:LOCATION}]{q:QUOTE}"')
    pred = Document(gold.text, spans=[span(gold.text, "QUOTE", '"We will not go to Moscow"'),
                                      span(gold.text, "LOCATION", "Moscow")])
    result = evaluate([gold], [pred])
    for label in ("QUOTE", "LOCATION"):
        scores = result.spans["strict"][label]
        assert (scores.tp, scores.fp, scores.fn) == (1, 0, 0)


def test_only_types_the_gold_document_annotates_are_scored():
    gold = doc("[Rebels]{a:ACTOR} shelled Homs, killing 12 people.",
               annotated={"spans": ["ACTOR"], "relations": []})
    pred = doc("[Rebels]{a:ACTOR} shelled [Homs]{l:LOCATION}, killing "
               "[12 people]{c:CASUALTY count=12 status=killed}.", relations=("PLACE c l",))
    result = evaluate([gold], [pred])
    assert list(result.spans["strict"]) == ["ACTOR"]
    assert result.spans["strict"]["ACTOR"].fp == 0
    assert result.relations["strict"] == {}
    assert result.casualty["count"].total == 0


def test_a_type_annotated_by_one_document_is_scored_only_there():
    full = doc("[Rebels]{a:ACTOR} left [Homs]{l:LOCATION}.")
    partial = doc("[Troops]{a:ACTOR} left Aleppo.", annotated={"spans": ["ACTOR"], "relations": []})
    pred_partial = doc("[Troops]{a:ACTOR} left [Aleppo]{l:LOCATION}.")
    result = evaluate([full, partial], [full, pred_partial])
    location = result.spans["strict"]["LOCATION"]
    assert (location.tp, location.fp, location.fn) == (1, 0, 0)
    assert result.spans["strict"]["ACTOR"].tp == 2


GOLD_QUOTE = doc('"[We will not go to Moscow,]{q:QUOTE}" said [Ahmed Saleh]{a1:ACTOR} '
                 'of the [Coalition]{a2:ACTOR}.', relations=("SPEAKER q a1",))


def test_relation_needs_label_and_both_ends_matched():
    right = doc('"[We will not go to Moscow,]{q:QUOTE}" said [Ahmed Saleh]{a1:ACTOR} '
                'of the [Coalition]{a2:ACTOR}.', relations=("SPEAKER q a1",))
    wrong_tail = doc('"[We will not go to Moscow,]{q:QUOTE}" said [Ahmed Saleh]{a1:ACTOR} '
                     'of the [Coalition]{a2:ACTOR}.', relations=("SPEAKER q a2",))
    unmatched_tail = doc('"[We will not go to Moscow,]{q:QUOTE}" said [Ahmed]{a1:ACTOR} Saleh '
                         'of the Coalition.', relations=("SPEAKER q a1",))
    result = evaluate([GOLD_QUOTE] * 3, [right, wrong_tail, unmatched_tail])
    strict = result.relations["strict"]["SPEAKER"]
    assert (strict.tp, strict.fp, strict.fn) == (1, 2, 2)
    # Relaxed span matching pairs "Ahmed" with "Ahmed Saleh", so that relation matches too.
    relaxed = result.relations["relaxed"]["SPEAKER"]
    assert (relaxed.tp, relaxed.fp, relaxed.fn) == (2, 1, 1)
    assert set(result.relations["strict"]) == {"SPEAKER", "PLACE", "PERPETRATOR"}


def test_relation_whose_end_is_not_a_document_span_is_a_false_positive():
    pred = doc('"[We will not go to Moscow,]{q:QUOTE}" said Ahmed Saleh of the Coalition.')
    stray = Span("ACTOR", GOLD_QUOTE.spans[1].start, GOLD_QUOTE.spans[1].end, "Ahmed Saleh")
    pred.relations.append(Relation("SPEAKER", pred.spans[0], stray))
    scores = evaluate([GOLD_QUOTE], [pred]).relations["strict"]["SPEAKER"]
    assert (scores.tp, scores.fp, scores.fn) == (0, 1, 1)


def test_casualty_count_and_status_accuracy_on_strict_matches_only():
    gold = doc("Shelling killed [12 civilians]{c1:CASUALTY count=12 status=killed} and hurt "
               "[five soldiers]{c2:CASUALTY count=5 status=injured}; [dozens of people]"
               "{c3:CASUALTY count=null status=unknown} fled.")
    pred = doc("Shelling killed [12 civilians]{c1:CASUALTY count=12 status=injured} and hurt "
               "[five soldiers]{c2:CASUALTY count=4 status=injured}; [dozens]"
               "{c3:CASUALTY count=null status=unknown} of people fled.")
    result = evaluate([gold], [pred])
    count, status = result.casualty["count"], result.casualty["status"]
    assert (count.correct, count.total) == (1, 2)
    assert (status.correct, status.total) == (1, 2)
    assert count.value == 0.5


def test_predictions_must_follow_gold_texts_and_order():
    a, b = doc("[Rebels]{a:ACTOR} left."), doc("[Troops]{a:ACTOR} came.")
    with pytest.raises(ValueError, match="document 0 .*differs from the gold text"):
        evaluate([a, b], [b, a])
    with pytest.raises(ValueError, match="2 gold documents but 1 predicted"):
        evaluate([a, b], [a])


def test_micro_scores_sum_counts_over_types():
    gold = doc("[Rebels]{a:ACTOR} left [Homs]{l:LOCATION} for [Aleppo]{l2:LOCATION}.")
    pred = doc("[Rebels]{a:ACTOR} left [Homs]{l:ACTOR} for [Aleppo]{l2:LOCATION}.")
    micro = evaluate([gold], [pred]).span_micro("strict")
    assert (micro.tp, micro.fp, micro.fn) == (2, 1, 1)
    assert micro.f1 == pytest.approx(2 / 3)


def test_to_dict_and_reports_show_the_scores():
    result = evaluate([GOLD_QUOTE], [GOLD_QUOTE])
    data = result.to_dict()
    assert data["spans"]["strict"]["ACTOR"]["f1"] == 1.0
    assert data["spans"]["relaxed"]["micro"]["tp"] == 3
    assert data["relations"]["strict"]["SPEAKER"]["support"] == 1
    assert data["casualty"]["count"] == {"accuracy": None, "correct": 0, "total": 0}
    report = format_report(result)
    assert "SPEAKER       strict     1.000  1.000  1.000      1      0      0" in report
    assert "CASUALTY count accuracy on strict matches: n/a (0/0)" in report
    card = format_scores_for_card(result)
    assert card.splitlines()[0] == "|  | strict P | strict R | strict F1 | relaxed F1 | support |"
    assert "| ACTOR | 1.000 | 1.000 | 1.000 | 1.000 | 2 |" in card
    assert "| relations (micro) | 1.000 | 1.000 | 1.000 | 1.000 | 1 |" in card


def test_error_analysis_counts_false_positives_and_misses_by_trimmed_text():
    gold = doc("[Rebels]{a:ACTOR} and [the army]{b:ACTOR} met.",
               annotated={"spans": ["ACTOR"], "relations": []})
    pred = doc("[Rebels and]{a:ACTOR} the [army]{b:ACTOR} met.")
    other = doc("[Rebels]{a:ACTOR} and the army [met.]{b:ACTOR}")
    analysis = error_analysis([gold, gold], [pred, other], top=5)
    assert analysis == {"ACTOR": {
        "false_positives": [("Rebels and", 1), ("army", 1), ("met", 1)],
        "missed": [("the army", 2), ("Rebels", 1)],
    }}


def test_seqeval_report_scores_each_type_on_whitespace_tokens():
    gold = doc('"[Go to [Homs]{l:LOCATION} now]{q:QUOTE}" said [Ahmed Saleh]{a:ACTOR}.')
    pred = doc('"[Go to [Homs]{l:LOCATION} now]{q:QUOTE}" said [Ahmed]{a:ACTOR} Saleh.')
    report = seqeval_report([gold], [pred])
    rows = {line.split()[0]: line.split()[1:] for line in report.splitlines() if line.strip()}
    assert rows["LOCATION"] == ["1.000", "1.000", "1.000", "1"]
    assert rows["QUOTE"] == ["1.000", "1.000", "1.000", "1"]
    assert rows["ACTOR"] == ["0.000", "0.000", "0.000", "1"]
    assert "CASUALTY" not in rows


def test_seqeval_f1_gives_the_report_as_numbers():
    gold = doc('"[Go to [Homs]{l:LOCATION} now]{q:QUOTE}" said [Ahmed Saleh]{a:ACTOR}.')
    pred = doc('"[Go to [Homs]{l:LOCATION} now]{q:QUOTE}" said [Ahmed]{a:ACTOR} Saleh.')
    scores = seqeval_f1([gold], [pred])
    assert scores["LOCATION"] == scores["QUOTE"] == 1.0
    assert scores["ACTOR"] == 0.0
    assert scores["micro"] == pytest.approx(2 / 3)
    assert seqeval_f1([doc("Nothing happened.")], [doc("Nothing happened.")]) == {}


def test_seqeval_report_without_any_span_says_so():
    empty = doc("Nothing happened.")
    assert seqeval_report([empty], [empty]).startswith("no spans")


def test_comparison_table_dashes_what_a_system_cannot_produce():
    actors_only = Document(GOLD_QUOTE.text, spans=GOLD_QUOTE.spans_of("ACTOR"))
    results = {"gold": evaluate([GOLD_QUOTE], [GOLD_QUOTE]),
               "ner": evaluate([GOLD_QUOTE], [actors_only])}
    table = format_comparison(results,
                              {"gold": frozenset({"ACTOR", "QUOTE", "SPEAKER", "CASUALTY"}),
                               "ner": frozenset({"ACTOR"})})
    header, _, gold_row, ner_row = table.splitlines()
    assert header.startswith("| system | ACTOR strict F1 | ACTOR relaxed F1 | CASUALTY strict F1")
    assert header.endswith("| relations F1 | CASUALTY count acc |")
    assert gold_row == ("| gold | 1.000 | 1.000 | 0.000 | 0.000 | — | — | 1.000 | 1.000 "
                        "| 1.000 | n/a |")
    assert ner_row.startswith("| ner | 1.000 | 1.000 | — |")
    assert ner_row.count("—") == 8


def test_flat_metrics_name_every_strict_score_for_training_logs():
    no_speaker = Document(GOLD_QUOTE.text, spans=GOLD_QUOTE.spans, annotated=GOLD_QUOTE.annotated)
    metrics = flat_metrics([GOLD_QUOTE], [no_speaker])
    assert metrics["ACTOR_f1"] == metrics["QUOTE_precision"] == metrics["micro_f1"] == 1.0
    assert metrics["SPEAKER_recall"] == metrics["relation_micro_f1"] == 0.0
    assert metrics["relaxed_micro_f1"] == metrics["seqeval_micro_f1"] == 1.0
    assert "casualty_count_accuracy" not in metrics  # no CASUALTY pair was scored


def test_scoring_imports_no_report_or_command_line():
    tree = ast.parse(Path(scoring.__file__).read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    assert not {m for m in modules if m.startswith(("newsie.evaluation.report", "newsie.cli"))}

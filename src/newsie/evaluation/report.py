"""Scores as text: the terminal report, the model card's table, the comparison of systems,
error analysis and seqeval's token-level report. Every number comes from
`newsie.evaluation.scoring`; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from seqeval.metrics import classification_report

from newsie.data import Document
from newsie.evaluation.document import DocumentScores
from newsie.evaluation.scoring import (
    MODES,
    Accuracy,
    EvaluationResult,
    has_entities,
    seqeval_sequences,
)

PRODUCES_NOTHING = "—"  # shown where a system cannot produce a type


def format_report(result: EvaluationResult) -> str:
    """A plain-text table of every score, for a terminal."""
    lines = [f"{result.n_documents} documents"]
    for title, by_mode, micro in (("span type", result.spans, result.span_micro),
                                  ("relation", result.relations, result.relation_micro)):
        lines += ["", f"{title:<14}{'mode':<9}{'prec':>7}{'rec':>7}{'f1':>7}"
                      f"{'tp':>7}{'fp':>7}{'fn':>7}"]
        for mode in MODES:
            rows = [*sorted(by_mode[mode].items()), ("micro", micro(mode))]
            for name, s in rows:
                lines.append(f"{name:<14}{mode:<9}{s.precision:>7.3f}{s.recall:>7.3f}"
                             f"{s.f1:>7.3f}{s.tp:>7}{s.fp:>7}{s.fn:>7}")
    lines.append("")
    for name, acc in result.casualty.items():
        lines.append(f"CASUALTY {name} accuracy on strict matches: "
                     f"{_format_accuracy(acc)} ({acc.correct}/{acc.total})")
    return "\n".join(lines + format_document_level(result.document))


def format_document_level(scores: DocumentScores) -> list[str]:
    """The document-level lines of the report; those a corpus gives nothing to score are left
    out."""
    lines = []
    if scores.counts["both"].total:
        lines.append("")
        for key, acc in scores.counts.items():
            mae = scores.mean_absolute_error(key) if key != "both" else None
            lines.append(f"doc_counts {key:<8} exact: {_format_accuracy(acc)} "
                         f"({acc.correct}/{acc.total})"
                         + ("" if mae is None else f", mean absolute error {mae:.2f}"))
    speaker = scores.speaker
    if speaker.tp + speaker.fp + speaker.fn:
        lines.append(f"SPEAKER per quote (through clusters): P {speaker.precision:.3f} "
                     f"R {speaker.recall:.3f} F1 {speaker.f1:.3f} "
                     f"({speaker.tp}/{speaker.support} quotes)")
    bcubed = scores.bcubed()
    if bcubed is not None:
        lines.append(f"actor clusters B-cubed: P {bcubed[0]:.3f} R {bcubed[1]:.3f} "
                     f"F1 {bcubed[2]:.3f} ({scores.bcubed_mentions} gold mentions)")
    return lines


def _format_accuracy(accuracy: Accuracy) -> str:
    return "n/a" if accuracy.value is None else f"{accuracy.value:.3f}"


def format_error_analysis(analysis: Mapping[str, Mapping[str, list[tuple[str, int]]]]) -> str:
    """Markdown: per span type, a list of false positives and one of missed spans."""
    lines = []
    for label, kinds in analysis.items():
        for kind, title in (("false_positives", "false positives"), ("missed", "missed")):
            items = ", ".join(f"`{text}` ({n})" for text, n in kinds[kind]) or "none"
            lines.append(f"- **{label}** {title}: {items}")
    return "\n".join(lines)


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def format_scores_for_card(result: EvaluationResult) -> str:
    """A markdown table of span and relation scores plus CASUALTY accuracies, for a model card."""
    header = ["", "strict P", "strict R", "strict F1", "relaxed F1", "support"]
    rows = []
    for kind, by_mode, micro in (("spans", result.spans, result.span_micro),
                                 ("relations", result.relations, result.relation_micro)):
        if not by_mode["strict"]:
            continue
        pairs = [(name, by_mode["strict"][name], by_mode["relaxed"][name])
                 for name in sorted(by_mode["strict"])]
        pairs.append((f"{kind} (micro)", micro("strict"), micro("relaxed")))
        rows += [[name, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", f"{r.f1:.3f}",
                  str(s.support)] for name, s, r in pairs]
    table = _markdown_table(header, rows)
    notes = [f"CASUALTY {name} accuracy (strict matches): {_format_accuracy(acc)} "
             f"({acc.correct}/{acc.total})" for name, acc in result.casualty.items()]
    return table + "\n\n" + "\n".join(f"- {note}" for note in notes)


def format_comparison(
    results: Mapping[str, EvaluationResult], produces: Mapping[str, set[str] | frozenset[str]]
) -> str:
    """One markdown row per system: strict and relaxed F1 per span type, relation micro F1,
    CASUALTY count accuracy, and where the corpus annotates them, `doc_counts` exact accuracy
    (killed, both); an em dash where the system cannot produce that output."""
    span_types = sorted({t for r in results.values() for t in r.span_types})
    relation_labels = sorted({t for r in results.values() for t in r.relation_labels})
    header = ["system"] + [f"{t} {m} F1" for t in span_types for m in MODES]
    if relation_labels:
        header.append("relations F1")
    if "CASUALTY" in span_types:
        header.append("CASUALTY count acc")
    # Document totals: the document layer's, or a system's naive sums of its casualty counts.
    with_totals = any(r.document.counts["both"].total for r in results.values())
    if with_totals:
        header += ["doc_counts killed exact", "doc_counts both exact"]
    rows = []
    for name, result in results.items():
        can = produces[name]
        row = [name] + [_cell(t in can, f"{result.spans[m][t].f1:.3f}")
                        for t in span_types for m in MODES]
        if relation_labels:
            row.append(_cell(bool(can & set(relation_labels)),
                             f"{result.relation_micro('strict').f1:.3f}"))
        if "CASUALTY" in span_types:
            row.append(_cell("CASUALTY" in can, _format_accuracy(result.casualty["count"])))
        if with_totals:
            row += [_cell("CASUALTY" in can, _format_accuracy(result.document.counts[key]))
                    for key in ("killed", "both")]
        rows.append(row)
    return _markdown_table(header, rows)


def _cell(produced: bool, value: str) -> str:
    return value if produced else PRODUCES_NOTHING


def seqeval_report(gold: Sequence[Document], predicted: Sequence[Document], digits: int = 3) -> str:
    """seqeval's entity-level classification report over BIO tags of whitespace tokens."""
    y_true, y_pred = seqeval_sequences(gold, predicted)
    if not has_entities(y_true, y_pred):
        return "no spans of the annotated types in gold or predicted documents"
    return classification_report(y_true, y_pred, digits=digits, zero_division=0)


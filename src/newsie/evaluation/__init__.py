"""Scoring predictions against gold documents (`scoring`: numbers, `document`: the
document-level ones, `counts`: the arithmetic) and showing the scores (`report`: text and
markdown). See `newsie.evaluation.scoring` for the rules."""

from newsie.evaluation.counts import Accuracy, Scores, precision_recall_f1
from newsie.evaluation.document import DocumentScores
from newsie.evaluation.report import (
    PRODUCES_NOTHING,
    format_comparison,
    format_error_analysis,
    format_report,
    format_scores_for_card,
    seqeval_report,
)
from newsie.evaluation.scoring import (
    CASUALTY_ATTRIBUTES,
    MODES,
    TRIM_CHARS,
    EvaluationResult,
    error_analysis,
    evaluate,
    flat_metrics,
    match_spans,
    seqeval_f1,
    trimmed_bounds,
    trimmed_text,
)

__all__ = [
    "CASUALTY_ATTRIBUTES",
    "MODES",
    "PRODUCES_NOTHING",
    "TRIM_CHARS",
    "Accuracy",
    "DocumentScores",
    "EvaluationResult",
    "Scores",
    "error_analysis",
    "evaluate",
    "flat_metrics",
    "format_comparison",
    "format_error_analysis",
    "format_report",
    "format_scores_for_card",
    "match_spans",
    "precision_recall_f1",
    "seqeval_f1",
    "seqeval_report",
    "trimmed_bounds",
    "trimmed_text",
]

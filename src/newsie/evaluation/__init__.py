"""Scoring predictions against gold documents (`scoring`: numbers) and showing the scores
(`report`: text and markdown). See `newsie.evaluation.scoring` for the rules."""

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
    Accuracy,
    EvaluationResult,
    Scores,
    error_analysis,
    evaluate,
    flat_metrics,
    match_spans,
    precision_recall_f1,
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

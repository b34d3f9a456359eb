"""Scoring predictions against gold documents, as the Scoring section of the guidelines says.

Numbers only: the text and markdown views of these scores are in `newsie.evaluation.report`.

- Spans: a predicted span matches a gold span of the same type when their boundaries agree after
  trimming (`strict`) or when they overlap (`relaxed`). Trimming removes whitespace, quotation
  marks (straight, curly, low-9 and angle; single and double) and `.,;:` from both ends; both
  modes compare the trimmed boundaries, so a span of punctuation alone matches nothing.
- Matching is one-to-one: each gold span is matched by at most one prediction and vice versa.
  We take a maximum matching with `scipy.optimize.linear_sum_assignment` (Hungarian): the
  number of matched pairs comes first and, among matchings of that size, the largest total
  overlap in characters.
- Relations: a predicted relation matches a gold one when the labels agree and its head and tail
  are matched to the gold relation's head and tail by the span matching (one score per mode).
- CASUALTY `count` and `status` accuracy are measured on the strictly matched CASUALTY pairs.
- Document level (`newsie.evaluation.document`): `doc_counts` accuracy and mean absolute error,
  SPEAKER per quote through actor clusters, B-cubed over actor clusters.
- Only the types a gold document annotates (`annotated.spans` / `.relations`) are scored on it;
  predictions of other types are ignored there, so partial corpora do not count as negatives.

Precision, recall and F1 are computed from tp/fp/fn counts with plain arithmetic rather than
scikit-learn: matching yields counts with no true negatives, and `precision_recall_fscore_support`
would need label vectors made up from those counts. The zero-division convention is sklearn's
`zero_division=0`. The token-level view comes from seqeval (`seqeval_f1`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from seqeval.metrics import classification_report

from newsie.data import Document, Relation, Span
from newsie.evaluation.counts import Accuracy, Scores, micro
from newsie.evaluation.document import DocumentScores, score_document_level
from newsie.text.lexicon import QUOTATION_MARKS

MODES = ("strict", "relaxed")
TRIM_CHARS = frozenset(QUOTATION_MARKS + ".,;:")  # quotation marks, then punctuation
CASUALTY_ATTRIBUTES = ("count", "status")


# --- span matching ----------------------------------------------------------------------------


def trimmed_bounds(span: Span) -> tuple[int, int]:
    """The span's (start, end) without edge whitespace, quotation marks and `.,;:`."""
    text = span.text
    lo, hi = 0, len(text)
    while lo < hi and (text[lo].isspace() or text[lo] in TRIM_CHARS):
        lo += 1
    while hi > lo and (text[hi - 1].isspace() or text[hi - 1] in TRIM_CHARS):
        hi -= 1
    return span.start + lo, span.start + hi


def trimmed_text(span: Span) -> str:
    start, end = trimmed_bounds(span)
    return span.text[start - span.start : end - span.start]


def _agreement(gold: Span, pred: Span, mode: str) -> int:
    """0 when the two spans do not match in `mode`, else the characters they share (>= 1)."""
    if gold.label != pred.label:
        return 0
    (g_start, g_end), (p_start, p_end) = trimmed_bounds(gold), trimmed_bounds(pred)
    if mode == "strict" and (g_start, g_end) != (p_start, p_end):
        return 0
    return max(0, min(g_end, p_end) - max(g_start, p_start))


def match_spans(
    gold: Sequence[Span], pred: Sequence[Span], mode: str = "strict"
) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs of matching spans, in gold order.

    A maximum matching: as many pairs as possible, then the largest total overlap.
    """
    if mode not in MODES:
        raise ValueError(f"unknown matching mode {mode!r}; known: {list(MODES)}")
    if not gold or not pred:
        return []
    overlap = np.array([[_agreement(g, p, mode) for p in pred] for g in gold], dtype=np.int64)
    # A bonus larger than any total overlap makes the number of pairs the first criterion.
    bonus = int(overlap.sum()) + 1
    weights = np.where(overlap > 0, overlap + bonus, 0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return sorted((int(i), int(j)) for i, j in zip(rows, cols, strict=True) if overlap[i, j] > 0)


@dataclass
class _TypeAlignment:
    """The gold and predicted spans of one type in one document, and which pairs match."""

    gold: list[Span]
    pred: list[Span]
    pairs: list[tuple[int, int]]

    @property
    def missed(self) -> list[Span]:
        matched = {i for i, _ in self.pairs}
        return [s for i, s in enumerate(self.gold) if i not in matched]

    @property
    def false_positives(self) -> list[Span]:
        matched = {j for _, j in self.pairs}
        return [s for j, s in enumerate(self.pred) if j not in matched]


def _align_document(gold_doc: Document, pred_doc: Document, mode: str) -> dict[str, _TypeAlignment]:
    """Per annotated span type of the gold document, its matching; other types are left out."""
    alignments = {}
    for label in gold_doc.annotated.spans:
        gold, pred = gold_doc.spans_of(label), pred_doc.spans_of(label)
        alignments[label] = _TypeAlignment(gold, pred, match_spans(gold, pred, mode))
    return alignments


def _aligned_pairs(
    gold: Sequence[Document], predicted: Sequence[Document]
) -> Iterator[tuple[Document, Document]]:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold documents but {len(predicted)} predicted ones")
    for k, (gold_doc, pred_doc) in enumerate(zip(gold, predicted, strict=True)):
        if gold_doc.text != pred_doc.text:
            raise ValueError(
                f"document {k} (gold id {gold_doc.id!r}, predicted id {pred_doc.id!r}): the "
                "predicted text differs from the gold text; predictions must follow gold order"
            )
        yield gold_doc, pred_doc


# --- relations and attributes -----------------------------------------------------------------


def _relation_counts(
    gold_doc: Document, pred_doc: Document, alignments: Mapping[str, _TypeAlignment]
) -> dict[str, tuple[int, int, int]]:
    """(tp, fp, fn) per annotated relation label of the gold document.

    A predicted relation end that the span matching did not pair with a gold span (or that is
    not one of the document's spans) can never match, so its relation counts as a false positive.
    """
    to_gold = {
        id(a.pred[j]): id(a.gold[i]) for a in alignments.values() for i, j in a.pairs
    }

    def gold_key(rel: Relation) -> tuple[int, int]:
        return id(rel.head), id(rel.tail)

    def pred_key(rel: Relation) -> tuple[int | None, int | None]:
        return to_gold.get(id(rel.head)), to_gold.get(id(rel.tail))

    counts = {}
    for label in gold_doc.annotated.relations:
        gold = Counter(gold_key(r) for r in gold_doc.relations if r.label == label)
        pred = Counter(pred_key(r) for r in pred_doc.relations if r.label == label)
        tp = sum((gold & pred).values())
        counts[label] = (tp, pred.total() - tp, gold.total() - tp)
    return counts


def _score_casualty_attributes(
    alignment: _TypeAlignment, accuracies: Mapping[str, Accuracy]
) -> None:
    """Add the matched pairs whose gold span carries the attribute to its accuracy."""
    for i, j in alignment.pairs:
        gold_attrs, pred_attrs = alignment.gold[i].attrs, alignment.pred[j].attrs
        for name, accuracy in accuracies.items():
            if name in gold_attrs:
                accuracy.total += 1
                accuracy.correct += int(pred_attrs.get(name) == gold_attrs[name])


# --- the result -------------------------------------------------------------------------------


def _empty_by_mode() -> dict[str, dict[str, Scores]]:
    return {mode: {} for mode in MODES}


@dataclass
class EvaluationResult:
    """Scores of predictions against gold documents.

    `spans[mode][type]` and `relations[mode][label]` hold the counts of every type or label that
    at least one gold document annotates; `casualty["count" | "status"]` the attribute accuracies
    on strictly matched CASUALTY spans; `document` the document-level scores.
    """

    spans: dict[str, dict[str, Scores]] = field(default_factory=_empty_by_mode)
    relations: dict[str, dict[str, Scores]] = field(default_factory=_empty_by_mode)
    casualty: dict[str, Accuracy] = field(
        default_factory=lambda: {name: Accuracy() for name in CASUALTY_ATTRIBUTES})
    document: DocumentScores = field(default_factory=DocumentScores)
    n_documents: int = 0

    @property
    def span_types(self) -> list[str]:
        return sorted(self.spans["strict"])

    @property
    def relation_labels(self) -> list[str]:
        return sorted(self.relations["strict"])

    def span_micro(self, mode: str = "strict") -> Scores:
        return micro(self.spans[mode])

    def relation_micro(self, mode: str = "strict") -> Scores:
        return micro(self.relations[mode])

    def to_dict(self) -> dict[str, Any]:
        def block(by_mode: dict[str, dict[str, Scores]], micro) -> dict[str, Any]:
            return {mode: {**{k: s.to_dict() for k, s in sorted(by_mode[mode].items())},
                           "micro": micro(mode).to_dict()} for mode in MODES}

        return {
            "n_documents": self.n_documents,
            "spans": block(self.spans, self.span_micro),
            "relations": block(self.relations, self.relation_micro),
            "casualty": {name: acc.to_dict() for name, acc in self.casualty.items()},
            "document": self.document.to_dict(),
        }


def evaluate(gold: Sequence[Document], predicted: Sequence[Document]) -> EvaluationResult:
    """Score `predicted[k]` against `gold[k]` for every k (same texts, same order)."""
    result = EvaluationResult()
    for gold_doc, pred_doc in _aligned_pairs(gold, predicted):
        result.n_documents += 1
        to_gold = {}
        for mode in MODES:
            alignments = _align_document(gold_doc, pred_doc, mode)
            to_gold[mode] = {id(a.pred[j]): a.gold[i] for a in alignments.values()
                             for i, j in a.pairs}
            for label, a in alignments.items():
                result.spans[mode].setdefault(label, Scores()).add(
                    len(a.pairs), len(a.false_positives), len(a.missed))
            for label, counts in _relation_counts(gold_doc, pred_doc, alignments).items():
                result.relations[mode].setdefault(label, Scores()).add(*counts)
            if mode == "strict" and "CASUALTY" in alignments:
                _score_casualty_attributes(alignments["CASUALTY"], result.casualty)
        score_document_level(gold_doc, pred_doc, to_gold, result.document)
    return result


# --- error analysis ---------------------------------------------------------------------------


def error_analysis(
    gold: Sequence[Document], predicted: Sequence[Document], top: int = 10, mode: str = "strict"
) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """Per span type, the most frequent false-positive and missed texts (trimmed), with counts."""
    false_positives: dict[str, Counter[str]] = {}
    missed: dict[str, Counter[str]] = {}
    for gold_doc, pred_doc in _aligned_pairs(gold, predicted):
        for label, a in _align_document(gold_doc, pred_doc, mode).items():
            false_positives.setdefault(label, Counter()).update(
                trimmed_text(s) for s in a.false_positives)
            missed.setdefault(label, Counter()).update(trimmed_text(s) for s in a.missed)
    return {
        label: {"false_positives": false_positives[label].most_common(top),
                "missed": missed[label].most_common(top)}
        for label in sorted(false_positives)
    }


def _bio_tags(spans: Sequence[Span], tokens: Sequence[tuple[int, int]], label: str) -> list[str]:
    """BIO tags of whitespace tokens for spans of one type: a token inside a span's trimmed
    bounds, even partly, is tagged; a token already tagged keeps its first span's tag."""
    tags = ["O"] * len(tokens)
    for span in sorted(spans, key=lambda s: s.start):
        start, end = trimmed_bounds(span)
        inside = [k for k, (t_start, t_end) in enumerate(tokens)
                  if t_start < end and start < t_end and tags[k] == "O"]
        for n, k in enumerate(inside):
            tags[k] = ("B-" if n == 0 else "I-") + label
    return tags


# --- seqeval -----------------------------------------------------------------------------------


def seqeval_sequences(
    gold: Sequence[Document], predicted: Sequence[Document]
) -> tuple[list[list[str]], list[list[str]]]:
    """BIO tags of whitespace tokens, one sequence per document and annotated type (types nest)."""
    y_true: list[list[str]] = []
    y_pred: list[list[str]] = []
    for gold_doc, pred_doc in _aligned_pairs(gold, predicted):
        tokens = [m.span() for m in re.finditer(r"\S+", gold_doc.text)]
        for label in gold_doc.annotated.spans:
            y_true.append(_bio_tags(gold_doc.spans_of(label), tokens, label))
            y_pred.append(_bio_tags(pred_doc.spans_of(label), tokens, label))
    return y_true, y_pred


def seqeval_f1(gold: Sequence[Document], predicted: Sequence[Document]) -> dict[str, float]:
    """seqeval's F1 per span type and `micro`, as numbers (empty when there is no span at all)."""
    y_true, y_pred = seqeval_sequences(gold, predicted)
    if not has_entities(y_true, y_pred):
        return {}
    report = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    return {("micro" if name == "micro avg" else name): float(row["f1-score"])
            for name, row in report.items() if name not in ("macro avg", "weighted avg")}


def has_entities(y_true: list[list[str]], y_pred: list[list[str]]) -> bool:
    """Whether any sequence tags an entity: seqeval cannot build a report without one."""
    return any(tag != "O" for seq in y_true + y_pred for tag in seq)


# --- training metrics --------------------------------------------------------------------------


def flat_metrics(gold: Sequence[Document], predicted: Sequence[Document]) -> dict[str, float]:
    """Strict span and relation scores as flat names (`ACTOR_f1`, `SPEAKER_f1`, `micro_f1`, ...),
    and seqeval's token-level F1 per type (`seqeval_ACTOR_f1`, `seqeval_micro_f1`)."""
    result = evaluate(gold, predicted)
    metrics: dict[str, float] = {}
    for label, scores in [*result.spans["strict"].items(), *result.relations["strict"].items()]:
        metrics.update(
            {
                f"{label}_precision": scores.precision,
                f"{label}_recall": scores.recall,
                f"{label}_f1": scores.f1,
            }
        )
    spans, relations = result.span_micro("strict"), result.relation_micro("strict")
    metrics.update(
        micro_precision=spans.precision,
        micro_recall=spans.recall,
        micro_f1=spans.f1,
        relation_micro_f1=relations.f1,
        relaxed_micro_f1=result.span_micro("relaxed").f1,
    )
    metrics.update({f"seqeval_{label}_f1": f1 for label, f1 in seqeval_f1(gold, predicted).items()})
    count_accuracy = result.casualty["count"].value
    if count_accuracy is not None:
        metrics["casualty_count_accuracy"] = count_accuracy
    return metrics

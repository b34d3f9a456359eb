"""Inter-annotator agreement: two annotators' versions of the same documents, scored against each
other with the scorer's own matching (`newsie.evaluation.scoring`).

Span and relation F1 between annotators A and B is symmetric (A's precision against B is B's
recall against A), so either may play gold. Documents are paired by id; documents only one of
them annotated are left out and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsie.data import Document
from newsie.evaluation.scoring import MODES, EvaluationResult, evaluate


@dataclass
class Agreement:
    scores: EvaluationResult
    paired: int
    only_first: int
    only_second: int
    doc_counts_equal: int  # paired documents that both annotate doc_counts and agree on them
    doc_counts_paired: int

    def format(self) -> str:
        """A markdown table: per span type and relation, F1 strict and relaxed, and counts."""
        lines = [
            f"documents paired: {self.paired} (only in the first: {self.only_first}, "
            f"only in the second: {self.only_second})",
            "",
            "| type | first | second | F1 strict | F1 relaxed |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for kind in ("spans", "relations"):
            by_mode = getattr(self.scores, kind)
            for label in sorted(by_mode["strict"]):
                strict = by_mode["strict"][label]
                relaxed = by_mode["relaxed"][label]
                lines.append(f"| {label} | {strict.tp + strict.fn} | {strict.tp + strict.fp} | "
                             f"{strict.f1:.3f} | {relaxed.f1:.3f} |")
            micro_of = self.scores.span_micro if kind == "spans" else self.scores.relation_micro
            micro = [micro_of(mode) for mode in MODES]
            lines.append(f"| {kind} micro | {micro[0].tp + micro[0].fn} | "
                         f"{micro[0].tp + micro[0].fp} | {micro[0].f1:.3f} | {micro[1].f1:.3f} |")
        if self.doc_counts_paired:
            lines += ["", f"doc_counts equal: {self.doc_counts_equal} of {self.doc_counts_paired}"]
        return "\n".join(lines)


def agreement(first: Sequence[Document], second: Sequence[Document]) -> Agreement:
    """Agreement of two annotations of the same documents (paired by id, texts must be equal)."""
    by_id = {doc.id: doc for doc in second}
    pairs = [(doc, by_id[doc.id]) for doc in first if doc.id in by_id]
    for a, b in pairs:
        if a.text != b.text:
            raise ValueError(f"document {a.id!r}: the two annotations are of different texts")
    both_counted = [(a, b) for a, b in pairs if a.doc_counts is not None
                    and b.doc_counts is not None]
    return Agreement(
        scores=evaluate([a for a, _ in pairs], [b for _, b in pairs]),
        paired=len(pairs),
        only_first=len(first) - len(pairs),
        only_second=len(second) - len(pairs),
        doc_counts_equal=sum(a.doc_counts == b.doc_counts for a, b in both_counted),
        doc_counts_paired=len(both_counted),
    )

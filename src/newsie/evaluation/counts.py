"""Counts and the scores they give: tp/fp/fn with precision, recall and F1 (`Scores`), and
correct/total (`Accuracy`). Plain arithmetic; see `newsie.evaluation.scoring` for why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts; 0.0 where a denominator is 0."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class Scores:
    """Counts of one span type or relation label, with the scores they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return precision_recall_f1(self.tp, self.fp, self.fn)[0]

    @property
    def recall(self) -> float:
        return precision_recall_f1(self.tp, self.fp, self.fn)[1]

    @property
    def f1(self) -> float:
        return precision_recall_f1(self.tp, self.fp, self.fn)[2]

    @property
    def support(self) -> int:
        """How many gold items there were."""
        return self.tp + self.fn

    def add(self, tp: int, fp: int, fn: int) -> None:
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    def to_dict(self) -> dict[str, float | int]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "support": self.support}


@dataclass
class Accuracy:
    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        """None when nothing was scored (no matched pair carried the attribute)."""
        return self.correct / self.total if self.total else None

    def to_dict(self) -> dict[str, float | int | None]:
        return {"accuracy": self.value, "correct": self.correct, "total": self.total}


def micro(scores: Mapping[str, Scores]) -> Scores:
    total = Scores()
    for item in scores.values():
        total.add(item.tp, item.fp, item.fn)
    return total

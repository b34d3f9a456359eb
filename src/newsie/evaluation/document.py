"""Document-level scores (the guidelines' Scoring section, "Document level"):

- `doc_counts`: exact accuracy of killed, of injured and of both at once, and the mean absolute
  error of each, over the gold documents that annotate `doc_counts`. A prediction without
  `doc_counts` (a system with no document layer) answers with the naive sums of its CASUALTY
  counts (`newsie.document.mention_sums`).
- SPEAKER per quote: each gold QUOTE with a gold SPEAKER is one item. A predicted SPEAKER whose
  quote overlaps it is right when its speaker overlaps a mention of the gold speaker's actor
  cluster (any mention of that actor, pronouns aside), or the gold speaker itself where the gold
  document has no clusters. Precision over predicted SPEAKERs, recall over gold quotes.
- Actor clusters: B-cubed (Bagga and Baldwin, 1998) over the gold ACTOR mentions of documents
  that annotate `actors`: a mention's precision is the share of its predicted cluster (strictly
  matched mentions, mapped to gold) that is in its gold cluster, its recall the share of its gold
  cluster in its predicted cluster; a mention the prediction missed is a singleton. P and R are
  averages over mentions, F1 their harmonic mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newsie.data import COUNT_KEYS, Document, Span
from newsie.document import mention_sums
from newsie.evaluation.counts import Accuracy, Scores


@dataclass
class DocumentScores:
    """Accumulated document-level scores; see the module docstring."""

    counts: dict[str, Accuracy] = field(
        default_factory=lambda: {key: Accuracy() for key in (*COUNT_KEYS, "both")})
    absolute_error: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    speaker: Scores = field(default_factory=Scores)
    bcubed_precision: float = 0.0  # sums over mentions; divided by `bcubed_mentions`
    bcubed_recall: float = 0.0
    bcubed_mentions: int = 0

    def mean_absolute_error(self, key: str) -> float | None:
        total = self.counts[key].total
        return self.absolute_error[key] / total if total else None

    def bcubed(self) -> tuple[float, float, float] | None:
        """(precision, recall, F1), or None when no document annotates clusters."""
        if not self.bcubed_mentions:
            return None
        p = self.bcubed_precision / self.bcubed_mentions
        r = self.bcubed_recall / self.bcubed_mentions
        return p, r, 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        bcubed = self.bcubed()
        return {
            "doc_counts": {key: {**acc.to_dict(), "mae": self.mean_absolute_error(key)
                                 if key in COUNT_KEYS else None}
                           for key, acc in self.counts.items()},
            "speaker_per_quote": self.speaker.to_dict(),
            "clusters_bcubed": None if bcubed is None else dict(
                zip(("precision", "recall", "f1"), bcubed, strict=True),
                mentions=self.bcubed_mentions),
        }


def score_document_level(gold: Document, pred: Document, to_gold: Mapping[str, Mapping[int, Span]],
                         scores: DocumentScores) -> None:
    """Add one document pair to `scores`. `to_gold[mode]` maps id(predicted span) to the gold
    span the span matching paired it with, in that mode ("strict", "relaxed")."""
    if gold.doc_counts is not None:
        _score_counts(gold.doc_counts, pred.doc_counts or mention_sums(pred), scores)
    if "SPEAKER" in gold.annotated.relations:
        _score_speakers(gold, pred, to_gold["relaxed"], scores.speaker)
    if gold.actors:
        _score_clusters(gold, pred, to_gold["strict"], scores)


def _score_counts(gold: dict[str, int], pred: dict[str, int], scores: DocumentScores) -> None:
    for key in COUNT_KEYS:
        scores.counts[key].total += 1
        scores.counts[key].correct += int(gold[key] == pred[key])
        scores.absolute_error[key] += abs(gold[key] - pred[key])
    scores.counts["both"].total += 1
    scores.counts["both"].correct += int(all(gold[k] == pred[k] for k in COUNT_KEYS))


def _score_speakers(gold: Document, pred: Document, to_gold: Mapping[int, Span],
                    speaker: Scores) -> None:
    cluster_of = {id(m): cluster.actor_mentions() for cluster in gold.actors
                  for m in cluster.mentions}
    gold_speaker = {id(r.head): cluster_of.get(id(r.tail), [r.tail])
                    for r in gold.relations if r.label == "SPEAKER"}
    right: set[int] = set()
    for rel in pred.relations:
        if rel.label != "SPEAKER":
            continue
        quote = to_gold.get(id(rel.head))
        actors = gold_speaker.get(id(quote)) if quote is not None else None
        if actors is not None and id(quote) not in right \
                and any(rel.tail.overlaps(actor) for actor in actors):
            right.add(id(quote))
        else:
            speaker.fp += 1
    speaker.tp += len(right)
    speaker.fn += len(gold_speaker) - len(right)


def _score_clusters(gold: Document, pred: Document, to_gold: Mapping[int, Span],
                    scores: DocumentScores) -> None:
    gold_cluster = {id(m): {id(x) for x in c.actor_mentions()}
                    for c in gold.actors for m in c.actor_mentions()}
    pred_cluster: dict[int, set[int]] = {}
    for cluster in pred.actors:
        members = {id(to_gold[id(m)]) for m in cluster.actor_mentions() if id(m) in to_gold}
        for member in members:
            pred_cluster[member] = members
    for mention, truth in gold_cluster.items():
        guess = pred_cluster.get(mention, {mention})
        shared = len(truth & guess)
        scores.bcubed_precision += shared / len(guess)
        scores.bcubed_recall += shared / len(truth)
        scores.bcubed_mentions += 1


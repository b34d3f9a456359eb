"""Corpus statistics: how many documents, spans and relations of each type, and per source
(`doc.meta["source"]`) which types its documents annotate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from newsie.data import Document
from newsie.schema import DEFAULT_SCHEMA

UNKNOWN_SOURCE = "unknown"


def corpus_stats(documents: Iterable[Document]) -> dict[str, Any]:
    """Counts over all documents and per source:

    {"documents": 2, "spans": {"ACTOR": 5}, "relations": {}, "sources": {"re3d": {
     "documents": 2, "spans": {...}, "relations": {...},
     "annotated": {"spans": ["ACTOR", "LOCATION"], "relations": []}}}}
    """
    total = _Tally()
    by_source: dict[str, _Tally] = {}
    for doc in documents:
        source = str(doc.meta.get("source") or UNKNOWN_SOURCE)
        for tally in (total, by_source.setdefault(source, _Tally())):
            tally.add(doc)
    stats = total.as_dict()
    stats["sources"] = {name: tally.as_dict(with_annotated=True)
                        for name, tally in sorted(by_source.items())}
    return stats


def format_stats(stats: dict[str, Any]) -> str:
    """A plain-text table of `corpus_stats` output."""
    lines = [f"documents: {stats['documents']}"]
    lines += _format_counts("spans", stats["spans"], indent="")
    lines += _format_counts("relations", stats["relations"], indent="")
    for name, source in stats["sources"].items():
        lines.append(f"source {name}: {source['documents']} documents")
        annotated = source["annotated"]
        lines.append("  annotates: " + (", ".join(annotated["spans"] + annotated["relations"])
                                        or "nothing"))
        lines += _format_counts("spans", source["spans"], indent="  ")
        lines += _format_counts("relations", source["relations"], indent="  ")
    return "\n".join(lines)


def _format_counts(title: str, counts: dict[str, int], indent: str) -> list[str]:
    lines = [f"{indent}{title}: {sum(counts.values())}"]
    lines += [f"{indent}  {label:12s} {n:7d}" for label, n in counts.items()]
    return lines


class _Tally:
    def __init__(self) -> None:
        self.documents = 0
        self.spans: Counter[str] = Counter()
        self.relations: Counter[str] = Counter()
        self.annotated_spans: set[str] = set()
        self.annotated_relations: set[str] = set()

    def add(self, doc: Document) -> None:
        self.documents += 1
        self.spans.update(span.label for span in doc.spans)
        self.relations.update(rel.label for rel in doc.relations)
        self.annotated_spans.update(doc.annotated.spans)
        self.annotated_relations.update(doc.annotated.relations)

    def as_dict(self, with_annotated: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "documents": self.documents,
            "spans": _in_schema_order(self.spans, DEFAULT_SCHEMA.span_types),
            "relations": _in_schema_order(self.relations, DEFAULT_SCHEMA.relation_names),
        }
        if with_annotated:
            out["annotated"] = {
                "spans": [t for t in DEFAULT_SCHEMA.span_types if t in self.annotated_spans],
                "relations": [t for t in DEFAULT_SCHEMA.relation_names
                              if t in self.annotated_relations],
            }
        return out


def _in_schema_order(counts: Counter[str], order: tuple[str, ...]) -> dict[str, int]:
    """Schema types first in schema order, then any others alphabetically."""
    known = [label for label in order if label in counts]
    return {label: counts[label] for label in known + sorted(set(counts) - set(order))}

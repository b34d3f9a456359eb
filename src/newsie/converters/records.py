"""Documents from offset records: the shared path of the brat, CoNLL, doccano and Label Studio
adapters, which all come down to a text, labelled character ranges and labelled pairs of them.

Labels go through the label map (unmapped ones are skipped and reported), spans lose surrounding
whitespace, and same-type overlaps are resolved as in `newsie.converters.normalise`. These formats
are assumed to follow their own project's guidelines, so no further boundary rule is applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsie.converters.base import ConversionReport
from newsie.converters.labels import annotated_for
from newsie.converters.normalise import Candidate, resolve_overlaps
from newsie.converters.reading import check_offsets
from newsie.data import Annotated, CorpusError, Document, Relation, Span
from newsie.schema import DEFAULT_SCHEMA
from newsie.text.boundaries import trim_whitespace


@dataclass
class SpanRecord:
    """A labelled character range; `ref` is its id in the source, `line`/`where` locate it.
    A record the format cannot express in newsie carries its `skip` reason."""

    ref: str
    label: str
    start: int
    end: int
    line: int | None = None
    where: str = ""
    skip: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)  # a CASUALTY's count, qualifier, status


@dataclass
class RelationRecord:
    label: str
    head: str
    tail: str
    line: int | None = None
    where: str = ""


def build_document(
    text: str, span_records: list[SpanRecord], relation_records: list[RelationRecord],
    label_map: dict[str, str], report: ConversionReport, *, doc_id: str, path: Path, corpus: str,
) -> Document:
    """One document from its records; `path` is the file that errors name."""
    spans_by_ref: dict[str, list[Span]] = {}
    attrs_by_ref = {rec.ref: rec.attrs for rec in span_records if rec.attrs}
    spans = []
    for cand in resolve_overlaps(_candidates(text, span_records, label_map, report, path), text,
                                 report):
        span = Span(cand.label, cand.start, cand.end, text[cand.start:cand.end])
        if cand.label == "CASUALTY":
            span.attrs = next((dict(attrs_by_ref[r]) for r in cand.refs if r in attrs_by_ref), {})
        spans.append(span)
        for ref in cand.refs:
            spans_by_ref.setdefault(ref, []).append(span)
    known_refs = {rec.ref for rec in span_records}
    relations: dict[tuple[str, int, int], Relation] = {}
    for rec in relation_records:
        relation = _build_relation(rec, spans_by_ref, known_refs, label_map, report, path)
        if relation is None:
            continue
        key = (relation.label, id(relation.head), id(relation.tail))
        if key in relations:  # the same pair twice, or twice through spans merged as duplicates
            report.skip(f"{relation.label}: duplicate relation")
        else:
            relations[key] = relation
    return Document(text=text, spans=spans, relations=list(relations.values()), id=doc_id,
                    meta={"source": corpus})


def _candidates(
    text: str, span_records: list[SpanRecord], label_map: dict[str, str],
    report: ConversionReport, path: Path,
) -> list[Candidate]:
    """The records as candidates of newsie types. Records that share a `ref` are one region with
    several labels (Label Studio), so they must share its offsets."""
    regions: dict[str, SpanRecord] = {}
    candidates = []
    for rec in span_records:
        region = regions.setdefault(rec.ref, rec)
        if (region.start, region.end) != (rec.start, rec.end):
            raise CorpusError(
                f"id {rec.ref!r} names {rec.start}:{rec.end} here but {region.start}:{region.end} "
                f"at {region.where or f'line {region.line}'}; one id is one region",
                source=str(path), line=rec.line, field=rec.where or None)
        if rec.skip:
            report.skip(rec.skip)
            continue
        check_offsets(text, rec.start, rec.end, source=path, line=rec.line, where=rec.where)
        target = label_map.get(rec.label)
        if target not in DEFAULT_SCHEMA.span_types:
            report.skip(f"span label {rec.label!r}: not mapped to a newsie span type")
            continue
        start, end = trim_whitespace(text, rec.start, rec.end)
        if start == end:
            report.skip(f"{target}: whitespace only")
            continue
        if (start, end) != (rec.start, rec.end):
            report.adjust(f"{target}: surrounding whitespace removed")
        candidates.append(Candidate(target, start, end, [rec.ref]))
    return candidates


def _build_relation(
    rec: RelationRecord, spans_by_ref: dict[str, list[Span]], known_refs: set[str],
    label_map: dict[str, str], report: ConversionReport, path: Path,
) -> Relation | None:
    target = label_map.get(rec.label)
    if target not in DEFAULT_SCHEMA.relation_names:
        report.skip(f"relation label {rec.label!r}: not mapped to a newsie relation type")
        return None
    for ref in (rec.head, rec.tail):
        if ref not in known_refs:
            raise CorpusError(f"refers to span {ref!r}, which the document does not have",
                              source=str(path), line=rec.line, field=rec.where or None)
    heads, tails = spans_by_ref.get(rec.head, []), spans_by_ref.get(rec.tail, [])
    if not heads or not tails:
        report.skip(f"{target}: one of its spans was skipped")
        return None
    allowed = DEFAULT_SCHEMA.relation_type(target)
    # A region with several labels has a span of each type; the relation joins the fitting ones.
    head = next((s for s in heads if s.label == allowed.head), heads[0])
    tail = next((s for s in tails if s.label == allowed.tail), tails[0])
    if (head.label, tail.label) != (allowed.head, allowed.tail):
        report.skip(f"{target}: joins {head.label} -> {tail.label}, needs "
                    f"{allowed.head} -> {allowed.tail}")
        return None
    return Relation(target, head, tail)


def set_annotated(documents: list[Document], label_map: dict[str, str] | None) -> None:
    """Declare what the documents annotate: what the label map targets, or without a map, the
    newsie types that occur anywhere in this conversion (absent types stay unknown)."""
    if label_map is not None:
        annotated = annotated_for(label_map)
    else:
        seen = {s.label for d in documents for s in d.spans}
        seen |= {r.label for d in documents for r in d.relations}
        annotated = Annotated(
            spans=tuple(t for t in DEFAULT_SCHEMA.span_types if t in seen),
            relations=tuple(t for t in DEFAULT_SCHEMA.relation_names if t in seen))
    for doc in documents:
        doc.annotated = annotated

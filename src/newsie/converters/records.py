"""Documents from offset records: the shared path of the brat, CoNLL, doccano and Label Studio
adapters, which all come down to a text, labelled character ranges and labelled pairs of them.

Labels go through the label map (unmapped ones are skipped and reported), spans lose surrounding
whitespace, and same-type overlaps are resolved as in `newsie.converters.normalise`. These formats
are assumed to follow their own project's guidelines, so no further boundary rule is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    candidates = []
    known_refs = set()
    for rec in span_records:
        known_refs.add(rec.ref)
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
    kept = resolve_overlaps(candidates, text, report)
    spans_by_ref = {}
    for cand in kept:
        span = Span(cand.label, cand.start, cand.end, text[cand.start:cand.end])
        spans_by_ref.update((ref, span) for ref in cand.refs)
    relations = []
    for rec in relation_records:
        relation = _build_relation(rec, spans_by_ref, known_refs, label_map, report, path)
        if relation is not None:
            relations.append(relation)
    spans = sorted({id(s): s for s in spans_by_ref.values()}.values(),
                   key=lambda s: (s.start, -s.end, s.label))
    return Document(text=text, spans=spans, relations=relations, id=doc_id,
                    meta={"source": corpus})


def _build_relation(
    rec: RelationRecord, spans_by_ref: dict[str, Span], known_refs: set[str],
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
    head, tail = spans_by_ref.get(rec.head), spans_by_ref.get(rec.tail)
    if head is None or tail is None:
        report.skip(f"{target}: one of its spans was skipped")
        return None
    allowed = DEFAULT_SCHEMA.relation_type(target)
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

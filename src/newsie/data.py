"""The document model: a text, its typed spans and the relations between them.

The JSON form of a `Document` is one line of a corpus file and also what the Extractor returns:

    {"id": "doc-1", "text": "...",
     "spans": [{"id": "s0", "label": "ACTOR", "start": 0, "end": 6, "text": "Rebels"}],
     "relations": [{"label": "SPEAKER", "head": "s3", "tail": "s0"}],
     "annotated": {"spans": ["ACTOR", ...], "relations": ["SPEAKER", ...]}}

Offsets are Python `str` indices into `text`, `end` exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsie.schema import CASUALTY_QUALIFIERS, CASUALTY_STATUSES, DEFAULT_SCHEMA, LabelSchema
from newsie.text.overlaps import REFUSE, OverlapError, resolve_overlaps


class CorpusError(ValueError):
    """A document that breaks the corpus format, located by file, line and field."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source, self.line, self.field, self.reason = source, line, field, message
        where = ":".join(str(p) for p in (source, line) if p is not None)
        prefix = f"{where}: " if where else ""
        prefix += f"{field}: " if field else ""
        super().__init__(prefix + message)


@dataclass
class Span:
    label: str
    start: int
    end: int
    text: str
    score: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def __repr__(self) -> str:
        return f"Span({self.label}, {self.start}:{self.end}, {self.text!r})"


@dataclass
class Relation:
    label: str
    head: Span
    tail: Span
    score: float | None = None

    def __repr__(self) -> str:
        return f"Relation({self.label}, {self.head.text!r} -> {self.tail.text!r})"


@dataclass
class Annotated:
    """Which span and relation types a document annotates; absent types are unknown, not empty."""

    spans: tuple[str, ...]
    relations: tuple[str, ...]

    @classmethod
    def full(cls, schema: LabelSchema = DEFAULT_SCHEMA) -> Annotated:
        return cls(spans=schema.span_types, relations=schema.relation_names)


@dataclass
class Document:
    text: str
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    id: str | None = None
    annotated: Annotated = field(default_factory=Annotated.full)
    meta: dict[str, Any] = field(default_factory=dict)

    def spans_of(self, label: str) -> list[Span]:
        return [s for s in self.spans if s.label == label]

    def identified_spans(self) -> list[tuple[str, Span]]:
        """The spans in offset order with their ids in the JSON form: a span's own id, else
        `s0`, `s1`, ... (the first not taken)."""
        ordered = sorted(self.spans, key=lambda s: (s.start, -s.end, s.label))
        taken = {s.id for s in ordered if s.id}
        identified = []
        counter = 0
        for span in ordered:
            if span.id:
                identified.append((span.id, span))
                continue
            while f"s{counter}" in taken:
                counter += 1
            identified.append((f"s{counter}", span))
            taken.add(f"s{counter}")
        return identified

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; spans without an id get `s0`, `s1`, ... in offset order."""
        identified = self.identified_spans()
        ids = {id(span): span_id for span_id, span in identified}
        spans = []
        for span_id, span in identified:
            item: dict[str, Any] = {
                "id": span_id,
                "label": span.label,
                "start": span.start,
                "end": span.end,
                "text": span.text,
            }
            if span.score is not None:
                item["score"] = round(span.score, 4)
            if span.attrs:
                item["attrs"] = dict(span.attrs)
            spans.append(item)
        relations = []
        for rel in self.relations:
            item = {"label": rel.label, "head": ids[id(rel.head)], "tail": ids[id(rel.tail)]}
            if rel.score is not None:
                item["score"] = round(rel.score, 4)
            relations.append(item)
        out: dict[str, Any] = (
            {"id": self.id, "text": self.text} if self.id is not None else {"text": self.text}
        )
        out.update(
            spans=spans,
            relations=relations,
            annotated={
                "spans": list(self.annotated.spans),
                "relations": list(self.annotated.relations),
            },
        )
        for key, value in self.meta.items():
            out.setdefault(key, value)
        return out

    def to_html(self) -> str:
        """A self-contained HTML page of this document: its spans highlighted by type, CASUALTY
        counts, relations linked (`newsie.render`)."""
        from newsie.render import render_page  # reading and writing documents needs no view

        return render_page([self], title=self.id or "newsie")

    def _repr_html_(self) -> str:
        """How Jupyter shows a Document: the view of `to_html`, without the page around it."""
        from newsie.render import render_fragment

        return render_fragment(self)

    @classmethod
    def from_dict(
        cls,
        data: Any,
        schema: LabelSchema = DEFAULT_SCHEMA,
        *,
        source: str | None = None,
        line: int | None = None,
    ) -> Document:
        """Build and validate a document; errors name `source`, `line` and the offending field."""

        def fail(message: str, fld: str | None = None) -> CorpusError:
            return CorpusError(message, source=source, line=line, field=fld)

        if not isinstance(data, dict):
            raise fail(f"expected a JSON object, got {type(data).__name__}")
        text = data.get("text")
        if not isinstance(text, str):
            raise fail(f"must be a string, got {type(text).__name__}", "text")
        _check_encodable(text, fail)
        annotated = _read_annotated(data.get("annotated"), schema, fail)
        spans: list[Span] = []
        by_id: dict[str, Span] = {}
        raw_spans = data.get("spans", [])
        if not isinstance(raw_spans, list):
            raise fail("must be a list", "spans")
        for i, raw in enumerate(raw_spans):
            span = _read_span(raw, i, text, schema, fail)
            if span.id in by_id:
                raise fail(f"id {span.id!r} is used twice", f"spans[{i}].id")
            by_id[span.id] = span
            spans.append(span)
        _check_same_type_overlap(spans, fail)
        relations = []
        raw_relations = data.get("relations", [])
        if not isinstance(raw_relations, list):
            raise fail("must be a list", "relations")
        for i, raw in enumerate(raw_relations):
            relations.append(_read_relation(raw, i, by_id, schema, fail))
        known = {"id", "text", "spans", "relations", "annotated"}
        doc_id = data.get("id")
        return cls(
            text=text,
            spans=spans,
            relations=relations,
            id=None if doc_id is None else str(doc_id),
            annotated=annotated,
            meta={k: v for k, v in data.items() if k not in known},
        )


def _read_annotated(raw: Any, schema: LabelSchema, fail) -> Annotated:
    if raw is None:
        return Annotated.full(schema)
    if not isinstance(raw, dict):
        raise fail("must be an object with 'spans' and 'relations' lists", "annotated")
    span_types = raw.get("spans", [])
    rel_types = raw.get("relations", [])
    for name, value in (("spans", span_types), ("relations", rel_types)):
        if not isinstance(value, list):
            raise fail(f"must be a list of type names, got {value!r}", f"annotated.{name}")
    for label in span_types:
        if label not in schema.span_types:
            raise fail(
                f"unknown span type {label!r}; known: {list(schema.span_types)}", "annotated.spans"
            )
    for label in rel_types:
        if label not in schema.relation_names:
            raise fail(
                f"unknown relation type {label!r}; known: {list(schema.relation_names)}",
                "annotated.relations",
            )
    return Annotated(spans=tuple(span_types), relations=tuple(rel_types))


def _read_span(raw: Any, i: int, text: str, schema: LabelSchema, fail) -> Span:
    where = f"spans[{i}]"
    if not isinstance(raw, dict):
        raise fail("must be an object", where)
    label = raw.get("label")
    if label not in schema.span_types:
        raise fail(f"unknown label {label!r}; known: {list(schema.span_types)}", f"{where}.label")
    start, end = raw.get("start"), raw.get("end")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise fail(f"must be an integer, got {value!r}", f"{where}.{name}")
    if not 0 <= start < end <= len(text):
        raise fail(
            f"offsets {start}:{end} lie outside the text (length {len(text)}) or are empty", where
        )
    span_text = raw.get("text", text[start:end])
    if span_text != text[start:end]:
        raise fail(
            f"{span_text!r} disagrees with text[{start}:{end}] = {text[start:end]!r}",
            f"{where}.text",
        )
    attrs = raw.get("attrs") or {}
    if not isinstance(attrs, dict):
        raise fail("must be an object", f"{where}.attrs")
    if label == "CASUALTY" and attrs:
        _check_casualty_attrs(attrs, where, fail)
    score = _read_score(raw, where, fail)
    return Span(
        label=label,
        start=start,
        end=end,
        text=span_text,
        score=score,
        attrs=attrs,
        id=str(raw.get("id", f"s{i}")),
    )


def _check_casualty_attrs(attrs: dict, where: str, fail) -> None:
    count = attrs.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise fail(f"must be a non-negative integer or null, got {count!r}", f"{where}.attrs.count")
    if "qualifier" in attrs and attrs["qualifier"] not in CASUALTY_QUALIFIERS:
        raise fail(
            f"must be one of {list(CASUALTY_QUALIFIERS)}, got {attrs['qualifier']!r}",
            f"{where}.attrs.qualifier",
        )
    if "status" in attrs and attrs["status"] not in CASUALTY_STATUSES:
        raise fail(
            f"must be one of {list(CASUALTY_STATUSES)}, got {attrs['status']!r}",
            f"{where}.attrs.status",
        )


def _check_same_type_overlap(spans: list[Span], fail) -> None:
    def bounds(k: int) -> tuple[str, int, int]:
        return spans[k].label, spans[k].start, spans[k].end

    try:
        resolve_overlaps(range(len(spans)), REFUSE, bounds)
    except OverlapError as err:
        earlier, later = spans[err.earlier], spans[err.later]
        raise fail(
            f"{later.label} span {later.text!r} ({later.start}:{later.end}) overlaps "
            f"{earlier.text!r} ({earlier.start}:{earlier.end}); spans of one type never overlap",
            f"spans[{err.later}]",
        ) from None


def _read_relation(raw: Any, i: int, by_id: dict[str, Span], schema: LabelSchema, fail) -> Relation:
    where = f"relations[{i}]"
    if not isinstance(raw, dict):
        raise fail("must be an object", where)
    label = raw.get("label")
    if label not in schema.relation_names:
        raise fail(
            f"unknown relation {label!r}; known: {list(schema.relation_names)}", f"{where}.label"
        )
    rel_type = schema.relation_type(label)
    ends = []
    for end_name, allowed in (("head", rel_type.head), ("tail", rel_type.tail)):
        ref = raw.get(end_name)
        span = by_id.get(str(ref)) if ref is not None else None
        if span is None:
            raise fail(
                f"refers to span id {ref!r}, which the document does not have",
                f"{where}.{end_name}",
            )
        if span.label != allowed:
            raise fail(
                f"{label} needs a {allowed} {end_name}, got {span.label} {span.text!r}",
                f"{where}.{end_name}",
            )
        ends.append(span)
    return Relation(label=label, head=ends[0], tail=ends[1], score=_read_score(raw, where, fail))


def _read_score(raw: dict, where: str, fail) -> float | None:
    score = raw.get("score")
    if score is not None and (not isinstance(score, int | float) or isinstance(score, bool)):
        raise fail(f"must be a number or null, got {score!r}", f"{where}.score")
    return score


def _check_encodable(text: str, fail) -> None:
    """A lone surrogate (a JSON escape such as \\ud800 with no partner) is no character: offsets
    around it mean nothing to other programs, and the document could not be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise fail(f"holds a lone surrogate U+{ord(text[err.start]):04X} at index {err.start}, "
                   "which is not a character: fix the program that wrote this file",
                   "text") from None

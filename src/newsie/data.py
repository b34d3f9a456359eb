"""The document model: a text, its typed spans and the relations between them.

The JSON form of a `Document` is one line of a corpus file and also what the Extractor returns:

    {"id": "doc-1", "text": "...",
     "spans": [{"id": "s0", "label": "ACTOR", "start": 0, "end": 6, "text": "Rebels"}],
     "relations": [{"label": "SPEAKER", "head": "s3", "tail": "s0"}],
     "annotated": {"spans": ["ACTOR", ...], "relations": ["SPEAKER", ...]},
     "doc_counts": {"killed": 3, "injured": 0},
     "casualty_events": [{"mentions": ["c1"], "killed": 3, "injured": 0,
                          "place": "l2", "perpetrator": null}],
     "actors": [{"name": "Amina Bello", "mentions": ["a1", {"start": 40, "end": 43}]}]}

Offsets are Python `str` indices into `text`, `end` exclusive. The three document-level fields
(schema v2, `docs/annotation-guidelines.md`, "Document level") are optional in a corpus: a
document without `doc_counts` does not annotate its totals. An actor cluster's mention is an
ACTOR span id, or a pronoun given by its offsets (pronouns are never ACTOR spans).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsie.schema import CASUALTY_QUALIFIERS, CASUALTY_STATUSES, DEFAULT_SCHEMA, LabelSchema
from newsie.text.lexicon import PRONOUNS
from newsie.text.overlaps import REFUSE, OverlapError, resolve_overlaps

# The label of a pronoun mention in an actor cluster: a Span that is not one of the document's
# spans (the schema has no pronoun type; pronouns are never ACTOR spans).
PRONOUN = "PRONOUN"
COUNT_KEYS = ("killed", "injured")
DOCUMENT_LEVEL_KEYS = ("doc_counts", "casualty_events", "actors")


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
class CasualtyEvent:
    """CASUALTY mentions of the same victims; killed and injured are the most inclusive
    mention's. `place` (LOCATION) and `perpetrator` (ACTOR) come from the relations, if any."""

    mentions: list[Span]
    killed: int = 0
    injured: int = 0
    place: Span | None = None
    perpetrator: Span | None = None


@dataclass
class ActorCluster:
    """Mentions of one actor in text order: ACTOR spans, and pronoun Spans (label `PRONOUN`)
    that are not among the document's spans. `name` is the longest named mention's text."""

    name: str
    mentions: list[Span]

    def actor_mentions(self) -> list[Span]:
        return [m for m in self.mentions if m.label != PRONOUN]


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
    doc_counts: dict[str, int] | None = None
    casualty_events: list[CasualtyEvent] = field(default_factory=list)
    actors: list[ActorCluster] = field(default_factory=list)

    def has_document_level(self) -> bool:
        """Whether the document carries any document-level record (written to JSON only then)."""
        return self.doc_counts is not None or bool(self.casualty_events) or bool(self.actors)

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
        if self.has_document_level():
            out.update(_document_level_dict(self, ids))
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
        events = _read_events(data.get("casualty_events", []), by_id, fail)
        doc_counts = _read_doc_counts(data.get("doc_counts"), events, fail)
        actors = _read_actors(data.get("actors", []), by_id, text, fail)
        known = {"id", "text", "spans", "relations", "annotated", *DOCUMENT_LEVEL_KEYS}
        doc_id = data.get("id")
        return cls(
            text=text,
            spans=spans,
            relations=relations,
            id=None if doc_id is None else str(doc_id),
            annotated=annotated,
            meta={k: v for k, v in data.items() if k not in known},
            doc_counts=doc_counts,
            casualty_events=events,
            actors=actors,
        )


def _document_level_dict(doc: Document, ids: dict[int, str]) -> dict[str, Any]:
    """The v2 fields of `to_dict`; spans are named by their ids in `ids` (by object identity)."""

    def ref(span: Span | None) -> str | None:
        return None if span is None else ids[id(span)]

    def mention(span: Span) -> str | dict[str, Any]:
        if span.label == PRONOUN:
            return {"start": span.start, "end": span.end, "text": span.text}
        return ids[id(span)]

    return {
        "doc_counts": None if doc.doc_counts is None else dict(doc.doc_counts),
        "casualty_events": [
            {"mentions": [ids[id(m)] for m in event.mentions], "killed": event.killed,
             "injured": event.injured, "place": ref(event.place),
             "perpetrator": ref(event.perpetrator)}
            for event in doc.casualty_events
        ],
        "actors": [
            {"name": cluster.name, "mentions": [mention(m) for m in cluster.mentions]}
            for cluster in doc.actors
        ],
    }


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


def _count(value: Any, where: str, fail) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise fail(f"must be a non-negative integer, got {value!r}", where)
    return value


def _span_ref(ref: Any, label: str, by_id: dict[str, Span], where: str, fail) -> Span:
    span = by_id.get(str(ref)) if isinstance(ref, str | int) else None
    if span is None:
        raise fail(f"refers to span id {ref!r}, which the document does not have", where)
    if span.label != label:
        raise fail(f"needs a {label} span, got {span.label} {span.text!r}", where)
    return span


def _mention_lists(raw: Any, field: str, what: str, fail):
    """(index, where, object, its `mentions` list) of each object of the list `raw[field]`."""
    if not isinstance(raw, list):
        raise fail("must be a list", field)
    for i, item in enumerate(raw):
        where = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise fail("must be an object", where)
        refs = item.get("mentions")
        if not isinstance(refs, list) or not refs:
            raise fail(f"must be a non-empty list of {what}", f"{where}.mentions")
        yield i, where, item, refs


def _read_events(raw: Any, by_id: dict[str, Span], fail) -> list[CasualtyEvent]:
    events, owner = [], {}
    for i, where, item, refs in _mention_lists(raw, "casualty_events", "CASUALTY span ids", fail):
        mentions = []
        for j, ref in enumerate(refs):
            span = _span_ref(ref, "CASUALTY", by_id, f"{where}.mentions[{j}]", fail)
            if id(span) in owner:
                raise fail(f"CASUALTY {ref!r} is already in casualty_events[{owner[id(span)]}]; "
                           "a mention belongs to one event at most", f"{where}.mentions[{j}]")
            owner[id(span)] = i
            mentions.append(span)
        place, perpetrator = (
            None if item.get(key) is None
            else _span_ref(item[key], label, by_id, f"{where}.{key}", fail)
            for key, label in (("place", "LOCATION"), ("perpetrator", "ACTOR"))
        )
        killed, injured = (_count(item.get(k, 0), f"{where}.{k}", fail) for k in COUNT_KEYS)
        events.append(CasualtyEvent(mentions, killed, injured, place, perpetrator))
    return events


def _read_doc_counts(raw: Any, events: list[CasualtyEvent], fail) -> dict[str, int] | None:
    """`doc_counts`, checked against the events' sums when the document lists events."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != set(COUNT_KEYS):
        raise fail(f"must be an object with exactly {list(COUNT_KEYS)}, got {raw!r}", "doc_counts")
    counts = {key: _count(raw[key], f"doc_counts.{key}", fail) for key in COUNT_KEYS}
    if events:
        for key in COUNT_KEYS:
            total = sum(getattr(event, key) for event in events)
            if counts[key] != total:
                raise fail(f"{key} is {counts[key]} but the document's casualty_events sum to "
                           f"{total}", f"doc_counts.{key}")
    return counts


def _read_actors(raw: Any, by_id: dict[str, Span], text: str, fail) -> list[ActorCluster]:
    clusters, owner = [], {}
    for i, where, item, refs in _mention_lists(raw, "actors", "ACTOR ids and pronouns", fail):
        mentions = []
        for j, ref in enumerate(refs):
            at = f"{where}.mentions[{j}]"
            if isinstance(ref, dict):
                mentions.append(_read_pronoun(ref, text, at, fail))
                continue
            span = _span_ref(ref, "ACTOR", by_id, at, fail)
            if id(span) in owner:
                raise fail(f"ACTOR {ref!r} is already in actors[{owner[id(span)]}]; a mention "
                           "belongs to one cluster", at)
            owner[id(span)] = i
            mentions.append(span)
        clusters.append(ActorCluster(_read_cluster_name(item, mentions, where, fail),
                                     sorted(mentions, key=lambda m: (m.start, m.end))))
    _check_every_actor_clustered(clusters, by_id, owner, fail)
    return clusters


def _read_pronoun(raw: dict, text: str, where: str, fail) -> Span:
    start, end = raw.get("start"), raw.get("end")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise fail(f"must be an integer, got {value!r}", f"{where}.{name}")
    if not 0 <= start < end <= len(text):
        raise fail(f"pronoun offsets {start}:{end} lie outside the text (length {len(text)}) "
                   "or are empty", where)
    word = text[start:end]
    if raw.get("text", word) != word:
        raise fail(f"{raw['text']!r} disagrees with text[{start}:{end}] = {word!r}",
                   f"{where}.text")
    if word.lower() not in PRONOUNS:
        raise fail(f"text[{start}:{end}] = {word!r} is not a pronoun; name other mentions by "
                   "their ACTOR span id", where)
    return Span(PRONOUN, start, end, word)


def _read_cluster_name(item: dict, mentions: list[Span], where: str, fail) -> str:
    named = [m.text for m in mentions if m.label != PRONOUN]
    if not named:
        raise fail("a cluster needs at least one ACTOR mention", f"{where}.mentions")
    name = item.get("name", max(named, key=len))
    if name not in named:
        raise fail(f"{name!r} is not the text of one of the cluster's ACTOR mentions",
                   f"{where}.name")
    return name


def _check_every_actor_clustered(clusters: list[ActorCluster], by_id: dict[str, Span],
                                 owner: dict[int, int], fail) -> None:
    """Singletons are listed too: a document that annotates clusters puts every ACTOR in one."""
    if not clusters:
        return
    for span_id, span in by_id.items():
        if span.label == "ACTOR" and id(span) not in owner:
            raise fail(f"ACTOR {span_id!r} ({span.text!r}) is in no cluster; list singletons "
                       "too", "actors")

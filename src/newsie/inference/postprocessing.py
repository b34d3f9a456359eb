"""From a document's model outputs to a `Document`: the one place text rules meet predictions.

    postprocess(outputs, schema, settings) -> Document

1. Spans are read off the document's tags (`spans_from_tags`).
2. Each token span becomes character offsets, trimmed to the guidelines and snapped to the text's
   own regions (`newsie.text.boundaries`: `trim_span`, `snap_span`); a span with nothing left, or
   a QUOTE outside quotation marks, is dropped. This runs once per distinct token span.
3. Same-type spans that now overlap give way to the likeliest (`newsie.text.overlaps`).
4. CASUALTY spans get their count, qualifier and status (`newsie.text.casualty`).
5. Relation scores of token-span pairs are mapped onto the kept spans; for each pair of spans the
   score of the window where it lay most centrally counts, a relation is kept from
   `relation_threshold` up, and at most one tail per head and relation when `one_tail_per_head`.
6. With `document_level`, the document layer (`newsie.document`) adds actor clusters, SPEAKERs
   across the whole article, casualty events and `doc_counts`.

A pure function of its arguments: no batching state, no model, no device.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsie.data import Annotated, Document, Relation, Span
from newsie.document import add_document_level
from newsie.inference.outputs import DocumentOutputs, PairScore, TokenKey
from newsie.inference.tags import TokenSpan, spans_from_tags
from newsie.schema import LabelSchema
from newsie.text.boundaries import SNAP_REGIONS, SNAP_REQUIRED, snap_span, trim_span
from newsie.text.casualty import casualty_attributes
from newsie.text.overlaps import LIKELIEST, resolve_overlaps

SpanKey = tuple[int, int, int]  # (type index, start char, end char)


@dataclass(frozen=True)
class PostprocessSettings:
    """The model config's decoding switches (`NewsieConfig` fields of the same names)."""

    trim_boundaries: bool = True
    snap_boundaries: bool = True
    relation_threshold: float = 0.5
    one_tail_per_head: bool = True
    document_level: bool = True

    @classmethod
    def from_config(cls, config) -> PostprocessSettings:
        return cls(
            trim_boundaries=config.trim_boundaries,
            snap_boundaries=config.snap_boundaries,
            relation_threshold=config.relation_threshold,
            one_tail_per_head=config.one_tail_per_head,
            document_level=config.document_level,
        )


class _SpanKeys:
    """Token spans to character spans for one document, each distinct token span computed once
    (overlapping windows and the document decode the same ones; trimming is the costly part)."""

    def __init__(self, text, offsets, schema: LabelSchema, settings: PostprocessSettings) -> None:
        self.text, self.offsets, self.schema, self.settings = text, offsets, schema, settings
        self.regions: dict[str, list[tuple[int, int]]] = {}  # label -> snap regions, on demand
        self.keys: dict[TokenKey, SpanKey | None] = {}

    def __call__(self, token_key: TokenKey) -> SpanKey | None:
        if token_key not in self.keys:
            self.keys[token_key] = self._compute(*token_key)
        return self.keys[token_key]

    def _compute(self, type_index: int, first: int, last: int) -> SpanKey | None:
        label = self.schema.span_types[type_index]
        start, end = int(self.offsets[first, 0]), int(self.offsets[last, 1])
        if self.settings.trim_boundaries:
            trimmed = trim_span(self.text, start, end, label)
            if trimmed is None:
                return None
            start, end = trimmed
        if self.settings.snap_boundaries and label in SNAP_REGIONS:
            if label not in self.regions:
                self.regions[label] = SNAP_REGIONS[label](self.text)
            snapped = snap_span(start, end, self.regions[label], label in SNAP_REQUIRED)
            if snapped is None:
                return None
            start, end = snapped
        return (type_index, start, end)


def postprocess(
    outputs: DocumentOutputs, schema: LabelSchema, settings: PostprocessSettings
) -> Document:
    """The Document that a model's outputs describe; see the module docstring for the steps."""
    span_key = _SpanKeys(outputs.text, outputs.offsets, schema, settings)
    spans = _spans(outputs, span_key, schema)
    document = Document(
        text=outputs.text,
        spans=sorted(spans.values(), key=lambda s: s.start),
        relations=_relations(outputs, span_key, spans, schema, settings),
        annotated=Annotated.full(schema),
    )
    return add_document_level(document) if settings.document_level else document


def _spans(outputs: DocumentOutputs, span_key: _SpanKeys, schema: LabelSchema) -> dict:
    """SpanKey -> Span of the document's kept spans."""
    candidates = [
        (key, token_span)
        for token_span in spans_from_tags(outputs.tags, outputs.tag_log_probs)
        if (key := span_key(_token_key(token_span))) is not None
    ]
    kept = resolve_overlaps(
        candidates, LIKELIEST, bounds=lambda item: item[0], score=lambda item: item[1].score
    )
    spans: dict[SpanKey, Span] = {}
    for (type_index, start, end), token_span in kept:
        label = schema.span_types[type_index]
        span = Span(label, start, end, outputs.text[start:end], score=token_span.score)
        if label == "CASUALTY":
            span.attrs = casualty_attributes(outputs.text, start, end)
        spans[(type_index, start, end)] = span
    return spans


def _relations(
    outputs: DocumentOutputs,
    span_key: _SpanKeys,
    spans: dict[SpanKey, Span],
    schema: LabelSchema,
    settings: PostprocessSettings,
) -> list[Relation]:
    # Several token-span pairs can map onto one pair of spans: the most central score counts.
    by_spans: dict[tuple[int, SpanKey, SpanKey], PairScore] = {}
    for (r, head, tail), scored in outputs.pair_scores.items():
        key = (r, span_key(head), span_key(tail))
        held = by_spans.get(key)
        if held is None or (held.centrality, -held.order) < (scored.centrality, -scored.order):
            by_spans[key] = scored
    best: dict[tuple, Relation] = {}
    for (r, head_key, tail_key), scored in by_spans.items():
        kept = head_key in spans and tail_key in spans
        if not kept or scored.score < settings.relation_threshold:
            continue
        relation = Relation(
            schema.relation_types[r].name, spans[head_key], spans[tail_key], scored.score
        )
        slot = (r, head_key) if settings.one_tail_per_head else (r, head_key, tail_key)
        if slot not in best or best[slot].score < scored.score:
            best[slot] = relation
    return sorted(best.values(), key=lambda rel: (rel.head.start, rel.tail.start, rel.label))


def _token_key(span: TokenSpan) -> TokenKey:
    return (span.type_index, span.first, span.last)

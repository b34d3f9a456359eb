"""From a document's model outputs to a `Document`: the one place text rules meet predictions.

    postprocess(outputs, schema, settings) -> Document

1. Spans are the document's span pieces joined (`DocumentOutputs.token_spans`).
2. Each token span becomes character offsets, trimmed to the guidelines and snapped to the text's
   own regions (`newsie.text.boundaries`: `trim_span`, `snap_span`); a span with nothing left, or
   a QUOTE outside quotation marks, is dropped. This runs once per distinct token span.
3. Same-type spans that now overlap give way to the likeliest (`newsie.text.overlaps`); a
   determiner or qualifier the tagger cut off a CASUALTY phrase joins it or goes
   (`attach_leading_words`).
4. CASUALTY spans get their count, qualifier and status (`newsie.text.casualty`).
5. Relation scores of token-span pairs are mapped onto the kept spans; for each pair of spans the
   score of the window where it lay most centrally counts (the first scored on a tie), a relation
   is kept from `relation_threshold` up, and at most one tail per head and relation when
   `one_tail_per_head` (the likeliest; on a tie, the pair scored first). In numpy, per pair.
6. With `document_level`, the document layer (`newsie.document`) adds actor clusters, SPEAKERs
   across the whole article, casualty events and `doc_counts`.

A pure function of its arguments: no batching state, no model, no device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newsie.data import Annotated, Document, Relation, Span
from newsie.document import add_document_level
from newsie.inference.outputs import DocumentOutputs
from newsie.schema import LabelSchema
from newsie.text.boundaries import SNAP_REGIONS, SNAP_REQUIRED, snap_span, trim_span
from newsie.text.casualty import QUALIFIER_PHRASES, casualty_attributes, parse_count
from newsie.text.lexicon import DETERMINERS
from newsie.text.overlaps import LIKELIEST, resolve_overlaps

TokenKey = tuple[int, int, int]  # (type index, first token, last token)
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
        self.trimmed: dict = {}  # trim_span's rules' results by span string
        self.keys: dict[TokenKey, SpanKey | None] = {}

    def __call__(self, token_key: TokenKey) -> SpanKey | None:
        if token_key not in self.keys:
            self.keys[token_key] = self._compute(*token_key)
        return self.keys[token_key]

    def _compute(self, type_index: int, first: int, last: int) -> SpanKey | None:
        label = self.schema.span_types[type_index]
        start, end = int(self.offsets[first, 0]), int(self.offsets[last, 1])
        if self.settings.trim_boundaries:
            trimmed = trim_span(self.text, start, end, label, self.trimmed)
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
    spans, joined_into = _spans(outputs, span_key, schema)
    document = Document(
        text=outputs.text,
        spans=sorted(spans.values(), key=lambda s: s.start),
        relations=_relations(outputs, span_key, spans, joined_into, schema, settings),
        annotated=Annotated.full(schema),
    )
    return add_document_level(document) if settings.document_level else document


def _spans(outputs: DocumentOutputs, span_key: _SpanKeys, schema: LabelSchema) -> tuple:
    """SpanKey -> Span of the document's kept spans, and SpanKey -> SpanKey from each joined
    piece to the span it became part of."""
    found = outputs.token_spans()
    token_keys = np.stack([found.type_index, found.first, found.last], 1).tolist()
    candidates = [
        (key, score)
        for token_key, score in zip(token_keys, found.score.tolist(), strict=True)
        if (key := span_key(tuple(token_key))) is not None
    ]
    kept = resolve_overlaps(
        candidates, LIKELIEST, bounds=lambda item: item[0], score=lambda item: item[1]
    )
    joined_into: dict[SpanKey, SpanKey] = {}
    if "CASUALTY" in schema.span_types:
        kept, joined_into = attach_leading_words(
            kept, outputs.text, schema.span_types.index("CASUALTY"))
    spans: dict[SpanKey, Span] = {}
    for (type_index, start, end), score in kept:
        label = schema.span_types[type_index]
        span = Span(label, start, end, outputs.text[start:end], score=score)
        if label == "CASUALTY":
            span.attrs = casualty_attributes(outputs.text, start, end)
        spans[(type_index, start, end)] = span
    return spans, joined_into


def attach_leading_words(
    kept: list[tuple[SpanKey, float]], text: str, type_index: int
) -> tuple[list[tuple[SpanKey, float]], dict[SpanKey, SpanKey]]:
    """Non-overlapping (key, score) items with the determiners and qualifiers of `type_index`
    that the tagger cut off the span after them attached to it or dropped.

    The tagger can cut a determiner or a qualifier off the CASUALTY phrase that follows it
    (`The` + `23-year-old`, `more than` + `5,300`). By the guidelines a count keeps its
    qualifier and a victim's noun phrase its determiner, so the two are joined (scored as the
    less likely piece); a count phrase with its noun keeps no determiner (`the` + `27 people`),
    so there the determiner is dropped. One that no CASUALTY piece follows stays: alone it still
    says that there was a victim (`a` of `a U.N. peacekeeper`). Also returns each joined
    piece's key -> the joined key.
    """
    # From the last span back, so that a joined span can take the word before it too
    # (`under` + `an` + `operation`).
    result: list[tuple[SpanKey, float]] = []
    joined_into: dict[SpanKey, SpanKey] = {}
    for key, score in sorted(kept, reverse=True):
        label, start, end = key
        words = " ".join(text[start:end].lower().split())
        following = result[-1] if result else None
        if (label != type_index or (words not in DETERMINERS and words not in QUALIFIER_PHRASES)
                or following is None or following[0][0] != label
                or text[end:following[0][1]].strip()):
            result.append((key, score))
            continue
        (_, next_start, next_end), next_score = following
        phrase = text[next_start:next_end]
        if words in DETERMINERS and len(phrase.split()) > 1 and parse_count(phrase)[0] is not None:
            continue
        joined = (label, start, next_end)
        result[-1] = (joined, min(score, next_score))
        pieces = [p for p, j in joined_into.items() if j == following[0]] or [following[0]]
        for piece in [key, *pieces]:
            joined_into[piece] = joined
    result.reverse()
    return result, joined_into


def _relations(
    outputs: DocumentOutputs,
    span_key: _SpanKeys,
    spans: dict[SpanKey, Span],
    joined_into: dict[SpanKey, SpanKey],
    schema: LabelSchema,
    settings: PostprocessSettings,
) -> list[Relation]:
    pairs, scores = outputs.scored_pairs()
    head, tail = _kept_heads_and_tails(pairs, span_key, spans, joined_into)
    relation = pairs[:, 0]
    winners, first_scored = _most_central(pairs, head, tail)
    chosen = scores[winners] >= settings.relation_threshold
    winners, first_scored = winners[chosen], first_scored[chosen]
    if settings.one_tail_per_head:
        likeliest = np.lexsort((first_scored, -scores[winners], head[winners], relation[winners]))
        winners = winners[likeliest[_group_starts(relation, head)(winners[likeliest])]]
    by_number = list(spans.values())
    relations = [
        Relation(schema.relation_types[r].name, by_number[h], by_number[t], score)
        for r, h, t, score in zip(
            relation[winners].tolist(),
            head[winners].tolist(),
            tail[winners].tolist(),
            scores[winners].tolist(),
            strict=True,
        )
    ]
    return sorted(relations, key=lambda rel: (rel.head.start, rel.tail.start, rel.label))


def _kept_heads_and_tails(
    pairs: np.ndarray, span_key: _SpanKeys, spans: dict, joined_into: dict
) -> tuple:
    """Each pair's head and tail as the number of a kept span in `spans` (-1: none; a joined
    piece's pairs count for the span it joined), computed once per distinct token span (a few
    per span, however many windows scored it)."""
    if not len(pairs):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    number = {key: n for n, key in enumerate(spans)}
    # (type, first, last) packed into one integer: np.unique on one column is many times faster
    token_spans = np.concatenate([pairs[:, 1:4], pairs[:, 4:7]])
    bits = int(token_spans[:, 1:].max()).bit_length()
    low = (1 << bits) - 1
    packed = (token_spans[:, 0] << 2 * bits) | (token_spans[:, 1] << bits) | token_spans[:, 2]
    distinct, which = np.unique(packed, return_inverse=True)
    token_keys = zip(
        (distinct >> 2 * bits).tolist(),
        ((distinct >> bits) & low).tolist(),
        (distinct & low).tolist(),
        strict=True,
    )
    kept = np.array([number.get(joined_into.get(key, key), -1)
                     for key in map(span_key, token_keys)], dtype=np.int64)
    head, tail = np.split(kept[which.reshape(-1)], 2)
    return head, tail


def _most_central(pairs: np.ndarray, head: np.ndarray, tail: np.ndarray) -> tuple:
    """Per (relation, kept head, kept tail): the row of the most central score (the first scored
    on a tie), and the first row that scored that pair at all."""
    relation, centrality = pairs[:, 0], pairs[:, 7]
    order = np.arange(len(pairs))
    both = np.flatnonzero((head >= 0) & (tail >= 0))
    ranked = both[
        np.lexsort((order[both], -centrality[both], tail[both], head[both], relation[both]))
    ]
    starts = _group_starts(relation, head, tail)(ranked)
    if not len(ranked):
        return ranked, ranked
    return ranked[starts], np.minimum.reduceat(ranked, np.flatnonzero(starts))


def _group_starts(*columns: np.ndarray):
    """A function of sorted rows: True where a row's values in `columns` differ from the row's
    before (the first row of each group)."""

    def starts(rows: np.ndarray) -> np.ndarray:
        first = np.zeros(len(rows), dtype=bool)
        first[:1] = True
        for column in columns:
            first[1:] |= column[rows][1:] != column[rows][:-1]
        return first

    return starts

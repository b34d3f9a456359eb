"""The rules put to use: the baseline system and the silver labeller.

`RuleExtractor` runs every registered finder and linker with the Extractor's interface;
`add_silver_layers` adds the layers a document does not annotate; `label_quotes` and
`label_casualties` pair QUOTE and CASUALTY spans with their relations' tails.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence

from newsie.data import Annotated, Document, Relation, Span
from newsie.document import mention_sums
from newsie.rules.base import RELATION_LINKERS, SILVER_SPAN_TYPES, SPAN_FINDERS
from newsie.rules.casualties import find_casualties
from newsie.rules.names import find_actors, find_locations
from newsie.rules.perpetrators import link_perpetrators
from newsie.rules.places import link_places
from newsie.rules.quotes import find_quotes
from newsie.rules.speakers import link_speakers
from newsie.schema import DEFAULT_SCHEMA


def _link(
    text: str, spans_by_label: dict[str, list[Span]], relation_names: Iterable[str]
) -> list[Relation]:
    relations = []
    for name in relation_names:
        rel_type = DEFAULT_SCHEMA.relation_type(name)
        relations += RELATION_LINKERS[name](
            text, spans_by_label.get(rel_type.head, []), spans_by_label.get(rel_type.tail, []))
    return relations


# --- public entry points ------------------------------------------------------------------------

def label_quotes(
    text: str, actors: Sequence[Span] | None = None
) -> list[tuple[Span, Span | None]]:
    """(QUOTE, speaker or None) pairs; speakers come from `actors`, else from find_actors."""
    actors = find_actors(text) if actors is None else actors
    quotes = find_quotes(text)
    speaker = {id(r.head): r.tail for r in link_speakers(text, quotes, actors)}
    return [(quote, speaker.get(id(quote))) for quote in quotes]


def label_casualties(
    text: str, locations: Sequence[Span] | None = None, actors: Sequence[Span] | None = None
) -> list[tuple[Span, Span | None, Span | None]]:
    """(CASUALTY, place or None, perpetrator or None) triples.

    Places and perpetrators come from the given LOCATION and ACTOR spans (a document's gold
    spans), else from find_locations and find_actors.
    """
    locations = find_locations(text) if locations is None else locations
    actors = find_actors(text) if actors is None else actors
    casualties = find_casualties(text)
    place = {id(r.head): r.tail for r in link_places(text, casualties, locations)}
    perpetrator = {id(r.head): r.tail for r in link_perpetrators(text, casualties, actors)}
    return [(c, place.get(id(c)), perpetrator.get(id(c))) for c in casualties]


class RuleExtractor:
    """The rules as a system, with the Extractor's interface; every type is labelled."""

    def __call__(self, text: str) -> Document:
        if not isinstance(text, str):
            raise TypeError(f"RuleExtractor expects a str, got {type(text).__name__}")
        spans = {label: finder(text) for label, finder in SPAN_FINDERS.items()}
        # Victims belong to CASUALTY, not ACTOR (guidelines): drop names inside casualty phrases.
        for label in ("ACTOR", "LOCATION"):
            spans[label] = [s for s in spans[label]
                            if not any(s.overlaps(c) for c in spans["CASUALTY"])]
        doc = Document(
            text=text, spans=[s for group in spans.values() for s in group],
            relations=_link(text, spans, RELATION_LINKERS), annotated=Annotated.full())
        # The baseline's document totals are the naive ones: its casualty counts summed.
        doc.doc_counts = mention_sums(doc)
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[Document]:
        """Documents for texts, lazily, in order; batch_size is accepted for interface parity."""
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        return map(self, texts)


def add_silver_layers(doc: Document) -> Document:
    """A copy of doc with rule-labelled layers for the types it does not annotate.

    QUOTE and CASUALTY spans (attrs["silver"] = True, casualties with count/qualifier/status) are
    added where the document does not annotate them; SPEAKER, PLACE and PERPETRATOR relations
    where it does not annotate them but annotates (or has just been given) both of their span
    types. Added types join doc.annotated and are listed in meta["silver"], since relations
    carry no attrs. Gold layers are left as they are; the input is never changed.
    """
    out = copy.deepcopy(doc)
    span_types = list(out.annotated.spans)
    relation_types = list(out.annotated.relations)
    new_span_types = [label for label in SILVER_SPAN_TYPES if label not in span_types]
    for label in new_span_types:
        present = out.spans_of(label)  # spans of an unannotated type: kept, never overlapped
        for span in SPAN_FINDERS[label](out.text):
            if not any(span.overlaps(p) for p in present):
                span.attrs["silver"] = True
                out.spans.append(span)
    span_types += new_span_types
    new_relation_types = [
        name for name in RELATION_LINKERS if name not in relation_types
        and {DEFAULT_SCHEMA.relation_type(name).head,
             DEFAULT_SCHEMA.relation_type(name).tail} <= set(span_types)]
    out.relations += _link(out.text, {label: out.spans_of(label) for label in span_types},
                           new_relation_types)
    out.annotated = Annotated(spans=tuple(span_types),
                              relations=tuple(relation_types + new_relation_types))
    if new_span_types or new_relation_types:
        silver = out.meta.setdefault("silver", {"spans": [], "relations": []})
        silver["spans"] = [*silver.get("spans", []), *new_span_types]
        silver["relations"] = [*silver.get("relations", []), *new_relation_types]
    return out

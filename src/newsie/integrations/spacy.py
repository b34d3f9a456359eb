"""newsie as a spaCy pipeline component: `nlp.add_pipe("newsie", config={"model": PATH})`.

Importing this module registers the factory; `pip install "newsie[spacy]"` also installs a
`spacy_factories` entry point through which spaCy imports it by itself, so a pipeline (or a
`config.cfg`) needs no newsie import. What the component puts on a `Doc`:

    doc.spans["newsie"]      a spaCy Span per newsie span: `label_` its type, `id_` its id
    doc._.newsie             the Document's JSON form less its text (`newsie.data`): spans with
                             exact offsets, scores and attributes, relations by span id, the
                             id and other fields of a corpus document; kept in `doc.user_data`,
                             so `DocBin(store_user_data=True)` keeps it
    doc._.newsie_relations   [(label, head Span, tail Span, score)]
    doc._.newsie_totals      {"killed": n, "injured": n, "unknown": n}
    doc._.newsie_document    the newsie `Document` (its JSON form is the Extractor's exactly)
    span._.newsie_attrs      a CASUALTY's count, qualifier and status ({} for other types)
    span._.newsie_score      the span's score
    span._.newsie_offsets    (start, end): newsie's exact character offsets into `doc.text`

Everything but `doc._.newsie` is computed from it, so what survives serialisation is one value.

Offsets: a spaCy Span is a run of whole tokens, and newsie reads the text with its own
tokenizer. A span whose edges are token edges becomes the spaCy Span with exactly its offsets;
one with an edge inside a spaCy token becomes the smallest run of tokens that covers it, and its
exact offsets stay in `span._.newsie_offsets` (and in `doc._.newsie`, so `newsie_document` is
exact). spaCy's tokenization is never changed.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from newsie.data import Document
from newsie.schema import CASUALTY_STATUSES

try:
    from spacy.language import Language
    from spacy.tokens import Doc, Span
except ImportError as err:  # the optional extra
    raise ImportError(
        'newsie.integrations.spacy needs spaCy: pip install "newsie[spacy]"'
    ) from err

logger = logging.getLogger(__name__)

FACTORY_NAME = "newsie"
DEFAULT_SPANS_KEY = "newsie"


class NewsieComponent:
    """Runs an `Extractor` on each Doc's text and writes its spans and relations on the Doc."""

    def __init__(self, extractor: Any, spans_key: str = DEFAULT_SPANS_KEY) -> None:
        self.extractor = extractor
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        return annotate_doc(doc, self.extractor(doc.text), self.spans_key)

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        """`nlp.pipe`'s path: the texts stream through `Extractor.pipe`, whose batches mix the
        windows of many documents. `batch_size` is spaCy's count of Docs and is not used: the
        Extractor's `batch_size` (windows per forward pass, the factory's setting) governs."""
        docs, texts = itertools.tee(docs)
        documents = self.extractor.pipe(doc.text for doc in texts)
        for doc, document in zip(docs, documents, strict=True):
            yield annotate_doc(doc, document, self.spans_key)


def annotate_doc(doc: Doc, document: Document, spans_key: str = DEFAULT_SPANS_KEY) -> Doc:
    """Write a newsie `document` of `doc.text` on `doc`, as the component does: also for
    Documents read from a corpus file (gold annotations as spaCy spans)."""
    if document.text != doc.text:
        raise ValueError(
            f"the newsie Document's text ({len(document.text)} characters, "
            f"{document.text[:40]!r}...) is not the Doc's ({len(doc.text)} characters)"
        )
    data = document.to_dict()
    doc._.newsie = {name: value for name, value in data.items() if name != "text"}
    spans = [spacy_span(doc, entry) for entry in data["spans"]]
    doc.spans[spans_key] = spans
    widened = sum((s.start_char, s.end_char) != (e["start"], e["end"])
                  for s, e in zip(spans, data["spans"], strict=True))
    if widened:
        logger.debug("%d of %d newsie spans have an edge inside a spaCy token; their Spans cover "
                     "whole tokens (exact offsets: span._.newsie_offsets)", widened, len(spans))
    return doc


@Language.factory(
    FACTORY_NAME,
    default_config={
        "model": None,
        "device": "auto",
        "batch_size": None,
        "spans_key": DEFAULT_SPANS_KEY,
    },
    assigns=["doc.spans", "doc._.newsie"],
)
def make_newsie_component(
    nlp: Language,
    name: str,
    model: str | None,
    device: str,
    batch_size: int | None,
    spans_key: str,
) -> NewsieComponent:
    """The `newsie` factory: `model` is a newsie model folder; `device` and `batch_size` are the
    Extractor's (`newsie.extractor.Extractor.from_pretrained`)."""
    if not model:
        raise ValueError(
            f"the {name!r} component needs a newsie model folder: "
            f'nlp.add_pipe("{FACTORY_NAME}", config={{"model": "PATH"}})'
        )
    from newsie.extractor import Extractor  # imported here: it loads torch and transformers

    extractor = Extractor.from_pretrained(model, device=device, batch_size=batch_size)
    return NewsieComponent(extractor, spans_key)


def spacy_span(doc: Doc, entry: dict[str, Any]) -> Span:
    """The spaCy Span of a span of `doc._.newsie`: its exact offsets where they are token edges,
    else the tokens that cover them."""
    start, end, label, span_id = entry["start"], entry["end"], entry["label"], entry["id"]
    span = doc.char_span(start, end, label=label, span_id=span_id)
    if span is None:
        span = doc.char_span(start, end, label=label, span_id=span_id, alignment_mode="expand")
    return span


def _with_lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _with_lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_with_lists(item) for item in value]
    return value


def newsie_document(doc: Doc) -> Document | None:
    """The newsie Document the component wrote on `doc`, None before the component ran."""
    if doc._.newsie is None:
        return None
    # DocBin reads user data back with tuples for lists; the corpus reader wants lists.
    return Document.from_dict({"text": doc.text, **_with_lists(doc._.newsie)})


def relations(doc: Doc) -> list[tuple[str, Span, Span, float | None]]:
    """(label, head, tail, score) for each relation, the ends as spaCy Spans."""
    data = doc._.newsie
    if data is None:
        return []
    entries = {entry["id"]: entry for entry in data["spans"]}
    return [
        (rel["label"], spacy_span(doc, entries[rel["head"]]), spacy_span(doc, entries[rel["tail"]]),
         rel.get("score"))
        for rel in data["relations"]
    ]


def casualty_totals(document: Document | None) -> dict[str, int]:
    """The counts the document's CASUALTY spans state, summed by status. Spans without a count
    add nothing, and victims reported twice are counted twice: newsie links no mentions."""
    totals = dict.fromkeys(CASUALTY_STATUSES, 0)
    for span in document.spans_of("CASUALTY") if document is not None else []:
        if span.attrs.get("count") is not None:
            totals[span.attrs.get("status", "unknown")] += span.attrs["count"]
    return totals


def _span_entry(span: Span) -> dict[str, Any] | None:
    """The entry of `doc._.newsie` that `span` stands for; None for a Span newsie did not make."""
    data = span.doc._.newsie
    if data is None:
        return None
    return next((entry for entry in data["spans"]
                 if entry["id"] == span.id_ and entry["label"] == span.label_), None)


def span_attrs(span: Span) -> dict[str, Any]:
    entry = _span_entry(span)
    return {} if entry is None else dict(entry.get("attrs", {}))


def span_score(span: Span) -> float | None:
    entry = _span_entry(span)
    return None if entry is None else entry.get("score")


def span_offsets(span: Span) -> tuple[int, int] | None:
    entry = _span_entry(span)
    return None if entry is None else (entry["start"], entry["end"])


def doc_totals(doc: Doc) -> dict[str, int]:
    return casualty_totals(newsie_document(doc))


def _register_extensions() -> None:
    # Named functions, not lambdas, so that the extensions pickle. force=True: a reloaded
    # module replaces its own getters instead of failing.
    Doc.set_extension("newsie", default=None, force=True)
    for name, getter in (("newsie_document", newsie_document), ("newsie_relations", relations),
                         ("newsie_totals", doc_totals)):
        Doc.set_extension(name, getter=getter, force=True)
    for name, getter in (("newsie_attrs", span_attrs), ("newsie_score", span_score),
                         ("newsie_offsets", span_offsets)):
        Span.set_extension(name, getter=getter, force=True)


_register_extensions()

"""The document layer: answers about a whole article, built from its spans and relations.

    add_document_level(doc) -> doc

fills `doc.actors` (`actors`), SPEAKERs the model left out (`speakers`), `doc.casualty_events`
and `doc.doc_counts` (`events`). Rules on a `Document`, no model: it sits in the documents layer
(docs/architecture.md), and the Extractor calls it at the end of post-processing.
"""

from __future__ import annotations

from newsie.data import Document
from newsie.document.actors import actor_clusters
from newsie.document.events import casualty_events, doc_counts, mention_sums
from newsie.document.speakers import attach_speakers


def add_document_level(doc: Document) -> Document:
    """Fill the document's clusters, speakers, casualty events and totals, in place."""
    doc.actors = actor_clusters(doc)
    if attach_speakers(doc, doc.actors):
        doc.relations.sort(key=lambda rel: (rel.head.start, rel.tail.start, rel.label))
    doc.casualty_events = casualty_events(doc)
    doc.doc_counts = doc_counts(doc.casualty_events)
    return doc


__all__ = ["actor_clusters", "add_document_level", "attach_speakers", "casualty_events",
           "doc_counts", "mention_sums"]

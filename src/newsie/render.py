"""An HTML view of Documents: the article with its spans highlighted by type.

Each span is a coloured box with its label after the text, as in displaCy; a CASUALTY's label
says its count and status, and a relation's head links to its tail ("said by", "in", "by"). Spans
of different types nest as elements at their character offsets; where two spans cross, the one
that opened later is closed and reopened around the other's end (the pieces share `data-span`).
Beside the text: a legend with the number of spans of each type, the casualty mentions with their
places and perpetrators, the quotes with their speakers, and what the document carries beyond its
spans (`DOCUMENT_SUMMARIES`) when it has it.

`render_page(documents)` is a whole page, `render_fragment(doc)` the same view for a notebook cell
(`Document._repr_html_`). Both are self-contained: inline CSS, no script, nothing fetched. Every
piece of text is escaped, and the text of the article's element is the article's (HTML reads
`\\r\\n` and `\\r` as `\\n`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from newsie.data import Document, Relation, Span
from newsie.schema import DEFAULT_SCHEMA

SPAN_COLOURS = {
    "ACTOR": "#c9bffd",
    "CASUALTY": "#ff9aac",
    "LOCATION": "#fed68f",
    "QUOTE": "#e2e6cf",
}
# Labels of other schemas take one of these by a stable hash of the label.
OTHER_COLOURS = ("#7aecec", "#bfeeb7", "#feca74", "#9cc9cc", "#ffeb80", "#ff9561", "#bfe1d9")
# How a head's label introduces the tail of each relation.
RELATION_ROLES = {"SPEAKER": "said by", "PLACE": "in", "PERPETRATOR": "by"}
QUALIFIER_WORDS = {
    "exact": "",
    "at_least": "at least ",
    "at_most": "at most ",
    "approximately": "about ",
}
# What a Document may carry beyond its spans (de-duplicated counts, actor clusters, casualty
# events), shown beside the text when present. The sum of CASUALTY counts is not shown: one
# article reports the same deaths twice ("15 civilians, eight of them children").
DOCUMENT_SUMMARIES = (
    ("doc_counts", "Totals"),
    ("actors", "Actors"),
    ("casualty_events", "Casualty events"),
)
SHORT_TEXT = 40  # characters of a span's text in a link or a list

CSS = """
.newsie { background: #fff; color: #1f2328; font: 16px/1.5 -apple-system, "Segoe UI",
  "DejaVu Sans", Helvetica, Arial, sans-serif; }
.newsie-article { display: grid; grid-template-columns: minmax(0, 1fr) 22rem; gap: 2rem;
  padding: 1rem 1.5rem; border-bottom: 1px solid #d0d7de; }
@media (max-width: 50rem) { .newsie-article { grid-template-columns: minmax(0, 1fr); } }
.newsie h2 { grid-column: 1 / -1; margin: 0; font-size: 1.1rem; color: #57606a; }
.newsie h3 { margin: 1rem 0 0.4rem; font-size: 0.95rem; }
.newsie-text { white-space: pre-wrap; line-height: 2.3; margin: 0; }
.newsie-span { background: var(--newsie-colour); color: inherit; padding: 0.2em 0.3em;
  margin: 0 0.1em; border-radius: 0.35em; box-decoration-break: clone;
  -webkit-box-decoration-break: clone; }
.newsie-span .newsie-span { padding: 0.1em 0.25em; box-shadow: 0 0 0 1px rgba(0, 0, 0, 0.25); }
.newsie-tag { font-size: 0.62em; font-weight: bold; text-transform: uppercase; line-height: 1;
  margin-left: 0.4em; vertical-align: middle; user-select: none; white-space: normal; }
.newsie-attrs, .newsie-rel { text-transform: none; font-weight: normal; }
.newsie-rel { color: #0b3d91; }
.newsie aside { font-size: 0.85rem; position: sticky; top: 0; align-self: start; }
.newsie-legend { display: flex; flex-wrap: wrap; gap: 0.3rem; }
.newsie-chip { background: var(--newsie-colour); border-radius: 0.35em; padding: 0.1em 0.5em;
  font-weight: bold; font-size: 0.8rem; }
.newsie table { border-collapse: collapse; width: 100%; }
.newsie th, .newsie td { text-align: left; padding: 0.15rem 0.3rem; vertical-align: top;
  border-bottom: 1px solid #eaeef2; }
.newsie aside ul { padding-left: 1.1rem; margin: 0; }
.newsie aside p { margin: 0.2rem 0; color: #57606a; }
.newsie dl { margin: 0; } .newsie dd { margin-left: 1rem; }
"""


def render_page(documents: Iterable[Document], title: str = "newsie") -> str:
    """One self-contained HTML page showing each document in turn."""
    articles = "\n".join(_article(doc, f"d{i}-") for i, doc in enumerate(documents))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f'<body style="margin: 0">\n<div class="newsie">\n{articles}\n</div>\n</body>\n</html>\n'
    )


def render_fragment(doc: Document, prefix: str | None = None) -> str:
    """The view of one document as an element with its own style, for a notebook cell.

    Its anchors start with `prefix`, by default one made from the document's text and id, so
    that documents shown on one notebook page link within themselves."""
    if prefix is None:
        digest = hashlib.sha1(f"{doc.id}\0{doc.text}".encode("utf-8", "surrogatepass"))
        prefix = f"n{digest.hexdigest()[:10]}-"
    return f'<div class="newsie"><style>{CSS}</style>\n{_article(doc, prefix)}\n</div>'


class _View:
    """A document with each span's anchor on the page and the relations leaving each span."""

    def __init__(self, doc: Document, prefix: str) -> None:
        self.doc = doc
        self.ids = {id(span): span_id for span_id, span in doc.identified_spans()}
        self.anchors = {key: f"{prefix}{span_id}" for key, span_id in self.ids.items()}
        self.outgoing: dict[int, list[Relation]] = defaultdict(list)
        for relation in doc.relations:
            self.outgoing[id(relation.head)].append(relation)

    @staticmethod
    def label_rank(label: str) -> tuple[int, str]:
        """The schema's span types in its order, then other labels alphabetically."""
        known = DEFAULT_SCHEMA.span_types
        return (known.index(label) if label in known else len(known), label)

    def tails(self, span: Span, relation: str) -> list[Span]:
        return [r.tail for r in self.outgoing[id(span)] if r.label == relation]

    def link(self, span: Span, words: str | None = None, css: str = "") -> str:
        """A link to `span` on the page, reading `words` (default: the span's text, shortened)."""
        text = escape(_shorten(span.text) if words is None else words)
        anchor = self.anchors.get(id(span))
        css_class = f' class="{css}"' if css else ""
        if anchor is None:  # a relation to a span the document does not list
            return f"<span{css_class}>{text}</span>"
        return f'<a{css_class} href="#{escape(anchor)}">{text}</a>'

    def open_tag(self, span: Span, first: bool) -> str:
        """The element that opens `span`, or a later piece of it (`first=False`)."""
        anchor = escape(self.anchors.get(id(span), ""))
        attributes = (
            f'class="newsie-span{"" if first else " newsie-cont"}" '
            f'data-label="{escape(span.label)}" data-span="{anchor}" '
            f'style="--newsie-colour: {label_colour(span.label)}"'
        )
        if first:
            score = "" if span.score is None else f" · score {span.score:.2f}"
            title = f"{span.label} {self.ids.get(id(span), '')}{score}"
            attributes += f' id="{anchor}" title="{escape(title)}"'
        return f"<mark {attributes}>"

    def label_tag(self, span: Span) -> str:
        """The label after a span's text: its type, a CASUALTY's count and status, and links to
        the tails of the relations it heads."""
        parts = [escape(span.label)]
        if "count" in span.attrs or "status" in span.attrs:
            parts.append(f'<span class="newsie-attrs">{escape(casualty_words(span.attrs))}</span>')
        for relation in self.outgoing[id(span)]:
            role = RELATION_ROLES.get(relation.label, relation.label.lower())
            parts.append(
                self.link(relation.tail, f"{role} {_shorten(relation.tail.text)}", css="newsie-rel")
            )
        return f'<span class="newsie-tag">{" ".join(parts)}</span>'


def label_colour(label: str) -> str:
    """A span type's colour: the schema's own, or a stable pick from `OTHER_COLOURS`."""
    if label in SPAN_COLOURS:
        return SPAN_COLOURS[label]
    return OTHER_COLOURS[zlib.crc32(label.encode("utf-8", "surrogatepass")) % len(OTHER_COLOURS)]


def casualty_words(attrs: Mapping[str, Any]) -> str:
    """A CASUALTY's attributes in words: "at least 12 killed", "3, status unknown"."""
    count = attrs.get("count")
    number = "?" if count is None else f"{QUALIFIER_WORDS.get(attrs.get('qualifier'), '')}{count}"
    status = attrs.get("status", "unknown")
    return f"{number}, status unknown" if status == "unknown" else f"{number} {status}"


def _article(doc: Document, prefix: str) -> str:
    view = _View(doc, prefix)
    heading = f"<h2>{escape(str(doc.id))}</h2>\n" if doc.id is not None else ""
    side = "".join((_legend(view), _casualties(view), _quotes(view), _summaries(view)))
    return (
        f'<article class="newsie-article" id="{escape(prefix)}doc">\n{heading}'
        f'<div class="newsie-text">{_marked_text(view)}</div>\n<aside>{side}</aside>\n</article>'
    )


def _marked_text(view: _View) -> str:
    """The article's text, escaped, with each span an element at its offsets.

    At each offset where a span starts or ends: the spans ending there close (any opened after
    them and still going close too, and reopen just after), then the spans starting there open,
    longer ones outside."""
    text = view.doc.text
    ordered = sorted(view.doc.spans, key=lambda s: (s.start, -s.end, view.label_rank(s.label)))
    starting: dict[int, list[Span]] = defaultdict(list)
    for span in ordered:
        starting[span.start].append(span)
    cuts = sorted({0, len(text), *(s.start for s in ordered), *(s.end for s in ordered)})
    pieces: list[str] = []
    open_spans: list[Span] = []
    for here, after in zip(cuts, [*cuts[1:], None], strict=True):
        _close_ending(view, open_spans, here, pieces)
        for span in starting.get(here, ()):
            pieces.append(view.open_tag(span, first=True))
            if span.end > span.start:
                open_spans.append(span)
            else:  # an empty span is its label alone
                pieces.append(f"{view.label_tag(span)}</mark>")
        if after is not None:
            pieces.append(escape(text[here:after]))
    return "".join(pieces)


def _close_ending(view: _View, open_spans: list[Span], here: int, pieces: list[str]) -> None:
    """Close the spans that end at `here`, and reopen the ones opened inside them that go on."""
    ending = [i for i, span in enumerate(open_spans) if span.end == here]
    if not ending:
        return
    closing = open_spans[ending[0] :]
    del open_spans[ending[0] :]
    for span in reversed(closing):
        pieces.append(f"{view.label_tag(span) if span.end == here else ''}</mark>")
    for span in closing:
        if span.end != here:
            pieces.append(view.open_tag(span, first=False))
            open_spans.append(span)


def _legend(view: _View) -> str:
    counts: dict[str, int] = dict.fromkeys(DEFAULT_SCHEMA.span_types, 0)
    for span in view.doc.spans:
        counts[span.label] = counts.get(span.label, 0) + 1
    chips = "".join(
        f'<span class="newsie-chip" style="--newsie-colour: {label_colour(label)}">'
        f"{escape(label)} {count}</span>"
        for label, count in sorted(counts.items(), key=lambda item: view.label_rank(item[0]))
    )
    relations = len(view.doc.relations)
    return (
        f'<div class="newsie-legend">{chips}</div>'
        f"<p>{len(view.doc.spans)} spans, {relations} relations</p>"
    )


def _casualties(view: _View) -> str:
    """One row per CASUALTY span: a number reported twice appears twice."""
    rows = []
    for span in sorted(view.doc.spans_of("CASUALTY"), key=lambda s: s.start):
        count = span.attrs.get("count")
        qualifier = QUALIFIER_WORDS.get(span.attrs.get("qualifier"), "")
        cells = (
            view.link(span),
            escape("?" if count is None else f"{qualifier}{count}"),
            escape(str(span.attrs.get("status", "unknown"))),
            ", ".join(view.link(tail) for tail in view.tails(span, "PLACE")) or "—",
            ", ".join(view.link(tail) for tail in view.tails(span, "PERPETRATOR")) or "—",
        )
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    if not rows:
        return ""
    return (
        "<h3>Casualty mentions</h3><p>one row per mention, not de-duplicated</p><table>"
        "<tr><th>mention</th><th>count</th><th>status</th><th>place</th><th>by</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _quotes(view: _View) -> str:
    items = []
    for span in sorted(view.doc.spans_of("QUOTE"), key=lambda s: s.start):
        speakers = ", ".join(view.link(tail) for tail in view.tails(span, "SPEAKER"))
        items.append(f"<li>“{view.link(span)}” — {speakers or 'no speaker found'}</li>")
    return f"<h3>Quotes</h3><ul>{''.join(items)}</ul>" if items else ""


def _summaries(view: _View) -> str:
    sections = []
    for attribute, heading in DOCUMENT_SUMMARIES:
        value = getattr(view.doc, attribute, None)
        if value is not None and value != []:  # an empty list of events or clusters says nothing
            sections.append(f"<h3>{heading}</h3>{_value(view, value)}")
    return "".join(sections)


def _value(view: _View, value: Any) -> str:
    """Any summary as HTML: spans as links, mappings and dataclasses as definition lists,
    sequences as lists, anything else as its escaped text."""
    if isinstance(value, Span):
        return view.link(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        entries = "".join(
            f"<dt>{escape(str(key))}</dt><dd>{_value(view, item)}</dd>"
            for key, item in value.items()
        )
        return f"<dl>{entries}</dl>"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "<ul>" + "".join(f"<li>{_value(view, item)}</li>" for item in value) + "</ul>"
    return "—" if value is None else escape(str(value))


def _shorten(text: str, width: int = SHORT_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"

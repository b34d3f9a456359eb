"""The output formats of `newsie extract`, one function each in `OUTPUT_FORMATS`.

A format turns one input record (its other fields are carried through) and the Document
extracted from its text into the text printed for it. A new format is one registered function.

Both formats print the article's text to what may be a terminal, so neither lets a character that
does not print through raw (`newsie.cli.output`): JSON lines escape it as `\\uXXXX` (the value is
unchanged), the listing as its Python escape (`\\x1b`), one line per span and relation.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from newsie.cli.output import json_line_safe, visible
from newsie.data import Document
from newsie.registry import Registry

OUTPUT_FORMATS: Registry[Callable[[dict, Document], str]] = Registry("output format")


@OUTPUT_FORMATS.register("jsonl")
def format_jsonl(record: dict, doc: Document) -> str:
    """One JSON object: the record's other fields and the document's corpus form."""
    fields = {k: v for k, v in record.items() if k != "text"}
    return json_line_safe(json.dumps({**fields, **doc.to_dict()}, ensure_ascii=False))


@OUTPUT_FORMATS.register("text")
def format_text(record: dict, doc: Document) -> str:
    """The readable listing, titled with the record's id."""
    return format_document(doc, title=str(record.get("id", "")))


def format_document(doc: Document, title: str = "") -> str:
    """A readable listing of a Document's spans and relations, one line each; text from the
    document is shortened and shown through `visible`."""
    lines = [f"== {visible(title)}"] if title else []
    for span in doc.spans:
        extra = " ".join(f"{k}={_shown(str(v))}" for k, v in span.attrs.items())
        lines.append(
            f"{_shown(span.label):<9} {_shown(span.text, 48):<48} [{span.start}:{span.end}]"
            f"{'' if span.score is None else f' {span.score:.2f}'} {extra}".rstrip()
        )
    for rel in doc.relations:
        head, tail = _shown(rel.head.text, 40), _shown(rel.tail.text, 40)
        lines.append(
            f"{_shown(rel.label):<11} '{head}' -> '{tail}'"
            f"{'' if rel.score is None else f' {rel.score:.2f}'}"
        )
    return "\n".join(lines + _document_level_lines(doc)) + "\n"


def _document_level_lines(doc: Document) -> list[str]:
    """Totals, one line per casualty event and one per actor cluster of two or more mentions."""
    if doc.doc_counts is None:
        return []
    lines = [f"TOTALS    killed={doc.doc_counts['killed']} injured={doc.doc_counts['injured']}"]
    for event in doc.casualty_events:
        mentions = " + ".join(f"'{_shown(m.text, 30)}'" for m in event.mentions)
        where = "" if event.place is None else f" place='{_shown(event.place.text, 30)}'"
        by = "" if event.perpetrator is None else f" by='{_shown(event.perpetrator.text, 30)}'"
        counts = f"killed={event.killed} injured={event.injured}"
        lines.append(f"EVENT     {counts} {mentions}{where}{by}")
    for cluster in doc.actors:
        if len(cluster.mentions) > 1:
            others = ", ".join(f"'{_shown(m.text, 30)}'" for m in cluster.mentions)
            lines.append(f"CLUSTER   '{_shown(cluster.name, 40)}' <- {others}")
    return lines


def _shown(text: str, width: int | None = None) -> str:
    """`text` on one line: runs of whitespace (line breaks included) become one space, the rest
    is cut to `width` characters, and what does not print is escaped."""
    text = " ".join(text.split())
    if width is not None and len(text) > width:
        text = text[: width - 3] + "..."
    return visible(text)

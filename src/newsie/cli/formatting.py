"""The output formats of `newsie extract`, one function each in `OUTPUT_FORMATS`.

A format turns one input record (its other fields are carried through) and the Document
extracted from its text into the text printed for it. A new format is one registered function.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from newsie.data import Document
from newsie.registry import Registry

OUTPUT_FORMATS: Registry[Callable[[dict, Document], str]] = Registry("output format")


@OUTPUT_FORMATS.register("jsonl")
def format_jsonl(record: dict, doc: Document) -> str:
    """One JSON object: the record's other fields and the document's corpus form."""
    fields = {k: v for k, v in record.items() if k != "text"}
    return json.dumps({**fields, **doc.to_dict()}, ensure_ascii=False)


@OUTPUT_FORMATS.register("text")
def format_text(record: dict, doc: Document) -> str:
    """The readable listing, titled with the record's id."""
    return format_document(doc, title=str(record.get("id", "")))


def format_document(doc: Document, title: str = "") -> str:
    """A readable listing of a Document's spans and relations."""
    lines = [f"== {title}"] if title else []
    for span in doc.spans:
        extra = " ".join(f"{k}={v}" for k, v in span.attrs.items())
        lines.append(
            f"{span.label:<9} {_shorten(span.text):<48} [{span.start}:{span.end}]"
            f"{'' if span.score is None else f' {span.score:.2f}'} {extra}".rstrip()
        )
    for rel in doc.relations:
        lines.append(
            f"{rel.label:<11} {_shorten(rel.head.text, 40)!r} -> {rel.tail.text!r}"
            f"{'' if rel.score is None else f' {rel.score:.2f}'}"
        )
    return "\n".join(lines) + "\n"


def _shorten(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."

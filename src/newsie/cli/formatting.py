"""The `--format text` listing of `newsie extract`: one line a span, one line a relation."""

from __future__ import annotations

from newsie.data import Document


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

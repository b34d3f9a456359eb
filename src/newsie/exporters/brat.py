"""brat standoff: `NAME.txt` and `NAME.ann` per document, and the `annotation.conf` that fits.

`newsie export --to brat ... -o DIR` writes, for each document, its text exactly as it is
(brat counts offsets in the file's characters) and its annotations:

    T1<TAB>ACTOR 26 45<TAB>Al-Shabaab fighters
    R1<TAB>PERPETRATOR Arg1:T6 Arg2:T1

and `DIR/annotation.conf` declaring the schema's span types as entities and its relation
types with the span types each end takes, so that brat's editor offers exactly those. A file's
name is the document's id (characters other than letters, digits, '.', '_', '-' become '_').
CASUALTY attributes are not written: `newsie convert --from brat` does not read attributes. A span
that crosses a line break is written as brat's editor writes one, a range per line
(`T3<TAB>QUOTE 10 52;54 80<TAB>...`); newsie's brat converter counts such spans as
discontinuous and skips them, so keep line breaks out of spans that must come back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from newsie.data import Document
from newsie.exporters.base import ExportOptions, document_ids, file_stems, register_exporter
from newsie.schema import LabelSchema

CONFIG_FILE = "annotation.conf"
_LINE = re.compile(r"[^\r\n]+")


def annotation_conf(schema: LabelSchema) -> str:
    """brat's annotation configuration for `schema`."""
    lines = ["[entities]", *schema.span_types, "", "[relations]"]
    lines += [f"{rel.name}\tArg1:{rel.head}, Arg2:{rel.tail}" for rel in schema.relation_types]
    lines += ["", "[events]", "", "[attributes]", ""]
    return "\n".join(lines)


def ann_lines(doc: Document) -> str:
    """The document's spans as T lines (numbered in offset order) and relations as R lines."""
    form = doc.to_dict()
    number = {span["id"]: k for k, span in enumerate(form["spans"], 1)}
    lines = []
    for span in form["spans"]:
        pieces = _line_pieces(doc.text, span["start"], span["end"])
        ranges = ";".join(f"{start} {end}" for start, end in pieces)
        covered = " ".join(doc.text[start:end] for start, end in pieces)
        lines.append(f"T{number[span['id']]}\t{span['label']} {ranges}\t{covered}")
    lines += [f"R{k}\t{rel['label']} Arg1:T{number[rel['head']]} Arg2:T{number[rel['tail']]}"
              for k, rel in enumerate(form["relations"], 1)]
    return "".join(line + "\n" for line in lines)


def _line_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A span's ranges as brat writes them: one, or one per line of a span that crosses line
    breaks (an .ann line cannot hold one)."""
    return [match.span() for match in _LINE.finditer(text, start, end)]


@register_exporter("brat")
def export_brat(documents: Sequence[Document], folder: Path, options: ExportOptions) -> list[Path]:
    """Write a .txt and .ann per document and annotation.conf into `folder`."""
    stems = file_stems(document_ids(documents))
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / CONFIG_FILE]
    written[0].write_text(annotation_conf(options.schema), encoding="utf-8")
    for doc, stem in zip(documents, stems, strict=True):
        # newline="" writes "\r\n" as two characters, as brat and the converter count them.
        for suffix, content in ((".txt", doc.text), (".ann", ann_lines(doc))):
            path = folder / f"{stem}{suffix}"
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(content)
            written.append(path)
    return written

"""CoNLL-style token/tag columns, apart by spaces or tabs: the token first, its IOB tag last, a
blank line between sentences and a `-DOCSTART-` line between documents (a file without one is
one document).

    -DOCSTART- -X- -X- O

    Sergei B-PER
    Lavrov I-PER
    spoke O

Tags may be IOB1, IOB2, IOBES or BILOU. A document's text is its tokens joined by spaces, one
sentence a line, so the offsets are exact for the rebuilt text (not for any original).
"""

from __future__ import annotations

import re
from pathlib import Path

from newsie.converters.base import ConversionReport, register_converter
from newsie.converters.labels import identity_map
from newsie.converters.reading import corpus_name, files_under
from newsie.converters.records import SpanRecord, build_document, set_annotated
from newsie.data import CorpusError, Document

_TAG = re.compile(r"([BIESLU])-(.+)")
_OPENS = {"B", "S", "U"}
_CLOSES = {"E", "L", "S", "U"}
# Columns are separated by spaces or tabs only: other whitespace (the no-break space of
# "10\u00a0000") belongs to the token, as in the text the tokens came from.
_SEPARATORS = " \t\r\n"
_COLUMNS = re.compile(r"[ \t]+")
_SUFFIXES = (".conll", ".conll03", ".iob", ".iob2", ".bio", ".bioes")


@register_converter("conll")
def convert_conll(
    paths: list[Path], label_map: dict[str, str] | None, report: ConversionReport
) -> list[Document]:
    """Convert CoNLL files (given, or with a CoNLL suffix under given folders)."""
    documents = []
    for path in paths:
        for file in files_under([path], _SUFFIXES):
            for number, (text, spans) in enumerate(_read_documents(file, report), start=1):
                documents.append(build_document(
                    text, spans, [], label_map or identity_map(), report,
                    doc_id=f"{file.stem}-{number}", path=file, corpus=corpus_name(path)))
    set_annotated(documents, label_map)
    return documents


def _read_documents(path: Path, report: ConversionReport) -> list[tuple[str, list[SpanRecord]]]:
    """Each document as (text, span records); sentences are lists of (token, tag, line)."""
    documents: list[list[list[tuple[str, str, int]]]] = [[[]]]
    # utf-8-sig: a byte-order mark would otherwise start the first token (or hide a -DOCSTART-).
    with path.open(encoding="utf-8-sig") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip(_SEPARATORS)
            columns = _COLUMNS.split(line) if line else []
            if not columns:
                documents[-1].append([])
            elif columns[0] == "-DOCSTART-":
                documents.append([[]])
            elif len(columns) < 2:
                raise CorpusError(f"expected a token and a tag column, got {raw.strip()!r}",
                                  source=str(path), line=number)
            else:
                documents[-1][-1].append((columns[0], columns[-1], number))
    built = []
    for sentences in documents:
        sentences = [s for s in sentences if s]
        if sentences:
            built.append(_build_text(sentences, path, report))
    return built


def _build_text(
    sentences: list[list[tuple[str, str, int]]], path: Path, report: ConversionReport
) -> tuple[str, list[SpanRecord]]:
    pieces: list[str] = []  # joined once at the end: adding to a str copies it (quadratic)
    length = 0
    spans: list[SpanRecord] = []
    for sentence in sentences:
        open_span: SpanRecord | None = None
        for i, (token, tag, line) in enumerate(sentence):
            if length:
                pieces.append(" " if i else "\n")
                length += 1
            start = length
            pieces.append(token)
            length += len(token)
            if tag == "O":
                open_span = None
                continue
            match = _TAG.fullmatch(tag)
            if not match:
                raise CorpusError(f"tag {tag!r} is neither O nor PREFIX-LABEL with prefix B, I, "
                                  "E, S, L or U", source=str(path), line=line, field="tag")
            prefix, label = match.groups()
            if open_span is None or prefix in _OPENS or open_span.label != label:
                if prefix not in _OPENS:
                    report.adjust(f"conll {prefix}-{label} without a preceding B-: opened a span")
                open_span = SpanRecord(f"T{len(spans)}", label, start, length, line, "tag")
                spans.append(open_span)
            open_span.end = length
            if prefix in _CLOSES:
                open_span = None
    return "".join(pieces), spans

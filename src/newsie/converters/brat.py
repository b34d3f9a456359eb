"""brat standoff: `NAME.txt` with `NAME.ann` beside it.

    T1<TAB>Person 0 13<TAB>Sergei Lavrov
    R1<TAB>said-by Arg1:T2 Arg2:T1

Text-bound annotations (T) and relations (R) go through the label map. Discontinuous spans
(`0 5;9 13`), events, equivalences, attributes, normalisations, notes and relations to events
have no newsie form; they are counted in the report. An id used twice in one .ann file is an
error that names both lines (brat itself refuses such a file): which annotation a relation
means would be a guess.
"""

from __future__ import annotations

import re
from pathlib import Path

from newsie.converters.base import ConversionReport, register_converter
from newsie.converters.labels import identity_map
from newsie.converters.reading import claim_id, corpus_name, files_under
from newsie.converters.records import RelationRecord, SpanRecord, build_document, set_annotated
from newsie.data import CorpusError, Document

# ASCII digits, as brat writes them, and few enough for int() (which refuses 4300 and more).
_TEXT_BOUND = re.compile(r"(\S+) ([0-9]{1,18} [0-9]{1,18}(?:;[0-9]{1,18} [0-9]{1,18})*)$")
_RELATION = re.compile(r"(\S+) Arg1:(\S+) Arg2:(\S+)$")
_UNCONVERTED = {"E": "event", "*": "equivalence", "A": "attribute", "M": "attribute",
                "N": "normalisation", "#": "note"}


@register_converter("brat")
def convert_brat(
    paths: list[Path], label_map: dict[str, str] | None, report: ConversionReport
) -> list[Document]:
    """Convert .ann files (given, or found under given folders) with their .txt files."""
    documents = []
    for path in paths:
        # A .txt given on the command line stands for its pair; dict.fromkeys drops repeats.
        ann_paths = [p.with_suffix(".ann") for p in files_under([path], (".ann",))]
        if path.is_dir():
            unpaired = sum(not p.with_suffix(".ann").is_file()
                           for p in files_under([path], (".txt",)))
            report.skip("brat .txt without .ann: not annotated, not converted", unpaired)
        for ann_path in dict.fromkeys(ann_paths):
            documents.append(_convert_pair(ann_path, label_map or identity_map(), report,
                                           corpus_name(path)))
    set_annotated(documents, label_map)
    return documents


def _convert_pair(
    ann_path: Path, label_map: dict[str, str], report: ConversionReport, corpus: str
) -> Document:
    txt_path = ann_path.with_suffix(".txt")
    for needed in (ann_path, txt_path):
        if not needed.is_file():
            raise CorpusError(f"brat needs {needed.name} beside {ann_path.stem}",
                              source=str(needed))
    text = _read_exact(txt_path)
    spans, relations = [], []
    ids: dict[str, str] = {}
    for number, line in enumerate(_read_exact(ann_path).split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        ident, _, rest = line.partition("\t")
        kind = ident[:1]
        if ident != "*":  # every equivalence is named "*"; all other ids are unique
            claim_id(ids, ident, f"line {number}", source=ann_path, line=number)
        if kind == "T":
            spans.append(_text_bound(ident, rest, text, ann_path, number))
        elif kind == "R":
            relations.append(_relation(rest, ann_path, number))
        elif kind in _UNCONVERTED:
            report.skip(f"brat {_UNCONVERTED[kind]}: no newsie type")
        else:
            raise CorpusError(f"unknown annotation id {ident!r} (expected T, R, E, A, M, N, * "
                              "or #)", source=str(ann_path), line=number)
    return build_document(text, spans, _between_text_bounds(relations, ids, report), label_map,
                          report, doc_id=ann_path.stem, path=ann_path, corpus=corpus)


def _between_text_bounds(
    relations: list[RelationRecord], ids: dict[str, str], report: ConversionReport
) -> list[RelationRecord]:
    """The relations between text-bound annotations; one with an event or relation as argument
    has no newsie form (an id that names nothing is left for `build_document` to refuse)."""
    kept = []
    for rec in relations:
        if any(ref in ids and not ref.startswith("T") for ref in (rec.head, rec.tail)):
            report.skip("brat relation to an event or other non-text annotation: no newsie form")
        else:
            kept.append(rec)
    return kept


def _read_exact(path: Path) -> str:
    """The file's characters as brat counts them (newline="" keeps "\r\n" as two)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _text_bound(ident: str, rest: str, text: str, path: Path, line: int) -> SpanRecord:
    fields, _, covered = rest.partition("\t")
    match = _TEXT_BOUND.match(fields)
    if not match:
        raise CorpusError(f"expected 'LABEL START END', got {fields!r}", source=str(path),
                          line=line)
    label, ranges = match.groups()
    if ";" in ranges:
        return SpanRecord(ident, label, 0, 0, line, skip="brat discontinuous span: not convertible")
    start, end = (int(x) for x in ranges.split())
    if 0 <= start < end <= len(text) and text[start:end] != covered:
        raise CorpusError(f"span text {covered!r} disagrees with the .txt at {start}:{end} "
                          f"({text[start:end]!r})", source=str(path), line=line)
    return SpanRecord(ident, label, start, end, line)


def _relation(rest: str, path: Path, line: int) -> RelationRecord:
    match = _RELATION.match(rest.strip())
    if not match:
        raise CorpusError(f"expected 'LABEL Arg1:ID Arg2:ID', got {rest!r}", source=str(path),
                          line=line)
    label, head, tail = match.groups()
    return RelationRecord(label, head, tail, line)

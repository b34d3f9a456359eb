"""re3d (dstl/re3d): folders of documents.json, entities.json and relations.json (JSON lines).

Person and Organisation become ACTOR, Location becomes LOCATION. Rows below confidence 0.5 are
candidates the annotators rejected. Boundaries, duplicates and nested candidates are brought to
the guidelines by `newsie.converters.normalise`. re3d's relations (FightingAgainst, CoLocated,
...) have no newsie counterpart; they are counted in the report, not converted.
"""

from __future__ import annotations

from pathlib import Path

from newsie.converters.base import ConversionReport, register_converter
from newsie.converters.labels import annotated_for
from newsie.converters.normalise import Candidate, apply_guidelines
from newsie.converters.reading import check_offsets, claim_id, field_of, read_json_lines
from newsie.data import CorpusError, Document, Span

RE3D_LABELS = {"Person": "ACTOR", "Organisation": "ACTOR", "Location": "LOCATION"}
MIN_CONFIDENCE = 0.5


@register_converter("re3d")
def convert_re3d(
    paths: list[Path], label_map: dict[str, str] | None, report: ConversionReport
) -> list[Document]:
    """Convert re3d folders; a folder without documents.json is searched for ones that have it."""
    label_map = label_map or RE3D_LABELS
    documents = []
    for folder in _dataset_folders(paths):
        documents += _convert_folder(folder, label_map, report)
    return documents


def _dataset_folders(paths: list[Path]) -> list[Path]:
    folders = []
    for path in paths:
        if path.is_file():
            path = path.parent
        found = sorted(p.parent for p in path.rglob("documents.json"))
        if not found:
            raise CorpusError("no re3d documents.json in this folder or below it", source=str(path))
        folders += found
    return folders


def _convert_folder(
    folder: Path, label_map: dict[str, str], report: ConversionReport
) -> list[Document]:
    texts: dict[str, str] = {}
    meta: dict[str, dict] = {}
    path = folder / "documents.json"
    first_seen: dict[str, str] = {}
    for line, row in read_json_lines(path):
        doc_id = field_of(row, "_id", str, source=path, line=line)
        claim_id(first_seen, doc_id, f"line {line}", source=path, line=line, field="_id")
        texts[doc_id] = field_of(row, "text", str, source=path, line=line)
        meta[doc_id] = {"source": "re3d", "collection": folder.name, "title": row.get("title"),
                        "url": row.get("sourceUrl")}
    candidates = _read_entities(folder / "entities.json", texts, label_map, report)
    _count_relations(folder / "relations.json", report)
    annotated = annotated_for(label_map)
    documents = []
    for doc_id, text in texts.items():
        kept = apply_guidelines(candidates.get(doc_id, []), text, report)
        spans = [Span(c.label, c.start, c.end, text[c.start:c.end]) for c in kept]
        documents.append(Document(text=text, spans=spans, id=doc_id, annotated=annotated,
                                  meta={k: v for k, v in meta[doc_id].items() if v is not None}))
    return documents


def _read_entities(
    path: Path, texts: dict[str, str], label_map: dict[str, str], report: ConversionReport
) -> dict[str, list[Candidate]]:
    candidates: dict[str, list[Candidate]] = {}
    for line, row in read_json_lines(path):
        doc_id = field_of(row, "documentId", str, source=path, line=line)
        if doc_id not in texts:
            raise CorpusError(f"refers to document {doc_id!r}, which documents.json lacks",
                              source=str(path), line=line, field="documentId")
        begin = field_of(row, "begin", int, source=path, line=line)
        end = field_of(row, "end", int, source=path, line=line)
        kind = field_of(row, "type", str, source=path, line=line)
        confidence = field_of(row, "confidence", (int, float), source=path, line=line)
        value = field_of(row, "value", str, source=path, line=line)
        text = texts[doc_id]
        check_offsets(text, begin, end, source=path, line=line, where="begin/end")
        if kind not in label_map:
            report.skip(f"re3d {kind}: no newsie type")
        elif confidence < MIN_CONFIDENCE:
            report.skip(f"re3d {kind}: confidence below {MIN_CONFIDENCE}")
        else:
            if value != text[begin:end]:
                report.adjust("re3d value disagrees with text[begin:end]; used the offsets")
            candidates.setdefault(doc_id, []).append(
                Candidate(label_map[kind], begin, end, [str(row.get("_id", line))]))
    return candidates


def _count_relations(path: Path, report: ConversionReport) -> None:
    if not path.is_file():
        return
    for line, row in read_json_lines(path):
        kind = field_of(row, "type", str, source=path, line=line)
        report.skip(f"re3d relation {kind}: no newsie type")

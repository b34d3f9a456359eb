"""Stand-off corpora: annotations kept in the project, texts read from the data folder at run time.

A stand-off corpus file is named `NAME.standoff.jsonl` (`STANDOFF_SUFFIX`); each line is a
document's JSON form (`newsie.data`) without any text, plus where the text is and which text it was:

    {"id": "toscaData-politics-ID736", "source": "wikinews", "sha256": "9f2c...",
     "spans": [{"id": "a1", "label": "ACTOR", "start": 6, "end": 15}],
     "relations": [{"label": "SPEAKER", "head": "q1", "tail": "a1"}],
     "annotated": {...}, "doc_counts": {...}, "casualty_events": [...], "actors": [...]}

- `source` names a dataset of the data folder (`TEXT_SOURCES`: `wikinews`, `wcep`), `id` the
  item in it; `sha256` is the hex SHA-256 of the exact text (UTF-8) the offsets refer to.
- No text is stored, neither the document's nor a span's: the project keeps its own words only.
- A text whose hash differs is a CorpusError naming the article, the file and the line: offsets
  into another version of a text would be silently wrong.

The data folder is `--data-dir` where a command has one, else the environment variable
`NEWSIE_DATA_DIR`, else `../shared/data` beside the repository (`resolve_data_dir`).
`newsie.corpus.iter_jsonl` reads a `.standoff.jsonl` path through this module, so a stand-off
corpus is usable wherever a JSON-lines corpus is (training recipes, `newsie evaluate`, ...).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsie.corpus import json_objects
from newsie.data import CorpusError, Document
from newsie.registry import Registry
from newsie.schema import DEFAULT_SCHEMA, LabelSchema

STANDOFF_SUFFIX = ".standoff.jsonl"
DATA_DIR_VARIABLE = "NEWSIE_DATA_DIR"
DATA_DIR_HINT = f"give --data-dir DIR or set {DATA_DIR_VARIABLE}"


@dataclass(frozen=True)
class TextSource:
    """A dataset of the data folder: a gzipped JSON-lines file of `{"id", "text", ...}` items."""

    path: str  # relative to the data folder
    id_field: str = "id"
    text_field: str = "text"


TEXT_SOURCES: Registry[TextSource] = Registry("text source")
TEXT_SOURCES.add("wikinews", TextSource("wikinews/wikinews_articles.jsonl.gz"))
TEXT_SOURCES.add("wcep", TextSource("wcep/wcep_events.jsonl.gz"))


class DataFolderError(FileNotFoundError):
    """The data folder, or a dataset in it, is missing: the message names the folder and how to
    give another."""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_standoff_path(path: str | Path) -> bool:
    return str(path).endswith(STANDOFF_SUFFIX)


def default_data_dir() -> Path:
    """`../shared/data` beside the repository this package runs from (a source checkout), else
    beside the current folder."""
    checkout = Path(__file__).resolve().parents[2]
    root = checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()
    return root.parent / "shared" / "data"


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data folder: `data_dir`, else $NEWSIE_DATA_DIR, else `default_data_dir()`; a folder
    that does not exist raises DataFolderError."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_VARIABLE) or default_data_dir()
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataFolderError(
            f"data folder {folder} does not exist (it holds the texts of stand-off corpora: "
            f"wikinews/, wcep/); {DATA_DIR_HINT}"
        )
    return folder


def source_texts(data_dir: str | Path, source: str) -> dict[str, str]:
    """id -> text of one dataset of the data folder (read once per process)."""
    spec = TEXT_SOURCES[source]
    path = Path(data_dir) / spec.path
    if not path.is_file():
        raise DataFolderError(
            f"{path} does not exist: is {data_dir} the data folder? {DATA_DIR_HINT}"
        )
    stat = path.stat()
    return _read_texts(path.resolve(), (stat.st_mtime_ns, stat.st_size), spec)


@lru_cache(maxsize=4)
def _read_texts(path: Path, version: tuple[int, int], spec: TextSource) -> dict[str, str]:
    # The file's time and size are in the key so that a replaced file is read again.
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        items = (json.loads(line) for line in handle if line.strip())
        return {str(item[spec.id_field]): item[spec.text_field] for item in items}


def source_text(data_dir: str | Path, source: str, item_id: str) -> str:
    texts = source_texts(data_dir, source)
    if item_id not in texts:
        raise KeyError(f"{source} has no item {item_id!r}")
    return texts[item_id]


def iter_standoff(
    path: str | Path,
    schema: LabelSchema = DEFAULT_SCHEMA,
    data_dir: str | Path | None = None,
) -> Iterator[Document]:
    """The documents of a stand-off file, each with its text from the data folder."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"corpus file {path} does not exist")
    folder = resolve_data_dir(data_dir)
    with path.open(encoding="utf-8-sig") as handle:
        for number, record in json_objects(handle, str(path)):
            data = attach_text(record, folder, source=str(path), line=number)
            yield Document.from_dict(data, schema, source=str(path), line=number)


def attach_text(
    record: dict[str, Any], data_dir: str | Path, *, source: str, line: int | None = None
) -> dict[str, Any]:
    """A record's JSON form with its text put back, checked against the record's hash."""

    def fail(message: str, field: str | None = None) -> CorpusError:
        return CorpusError(message, source=source, line=line, field=field)

    for field in ("id", "source", "sha256"):
        if not isinstance(record.get(field), str):
            raise fail(f"must be a string, got {record.get(field)!r}", field)
    if "text" in record or any("text" in item for item in _text_holders(record)):
        raise fail("a stand-off record stores no text (the data folder holds it)", "text")
    dataset, item_id = record["source"], record["id"]
    if dataset not in TEXT_SOURCES:
        raise fail(f"unknown dataset {dataset!r}; known: {list(TEXT_SOURCES)}", "source")
    texts = source_texts(data_dir, dataset)
    if item_id not in texts:
        raise fail(f"article {item_id!r} is not in {dataset} ({Path(data_dir)})", "id")
    text = texts[item_id]
    found = text_sha256(text)
    if found != record["sha256"]:
        raise fail(
            f"article {item_id!r}: the {dataset} text in {Path(data_dir)} has sha256 "
            f"{found[:12]}..., the annotations were made on {record['sha256'][:12]}...: "
            "another version of the text, so the offsets would be wrong",
            "sha256",
        )
    data = {key: value for key, value in record.items() if key != "sha256"}
    data["text"] = text
    return data


def standoff_record(document: Document, source: str) -> dict[str, Any]:
    """A document's stand-off record: its JSON form without text and scores, with its hash."""
    if document.id is None:
        raise ValueError("a stand-off record needs the document's id (its id in the dataset)")
    data = document.to_dict()
    record: dict[str, Any] = {"id": data.pop("id"), "source": source,
                              "sha256": text_sha256(data.pop("text"))}
    for item in _text_holders(data):
        item.pop("text", None)
    for item in data["spans"] + data["relations"]:
        item.pop("score", None)
    data.pop("source", None)  # a meta key of the same name never replaces the dataset
    record.update(data)
    return record


def _text_holders(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The parts of a document's JSON form that may carry text: spans and pronoun mentions."""
    pronouns = [
        mention
        for cluster in data.get("actors") or []
        if isinstance(cluster, dict)
        for mention in cluster.get("mentions") or []
        if isinstance(mention, dict)
    ]
    return [span for span in data.get("spans") or [] if isinstance(span, dict)] + pronouns


def read_standoff_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of a stand-off file as they are stored (no text attached)."""
    with Path(path).open(encoding="utf-8-sig") as handle:
        return [record for _, record in json_objects(handle, str(path))]


def write_standoff(records: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write stand-off records one a line, sorted by (source, id) so that diffs stay small."""
    rows = sorted(records, key=lambda r: (r["source"], r["id"]))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)

"""Reading and writing corpora in the JSON-lines format (one `Document` a line)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from newsie.data import CorpusError, Document
from newsie.schema import DEFAULT_SCHEMA, LabelSchema


def parse_json(text: str, source: str, line: int | None = None) -> Any:
    """`json.loads(text)`; JSON it cannot read raises CorpusError naming `source` and the line
    (`line`, or else the line of `text` where the JSON broke)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise CorpusError(f"malformed JSON: {err.msg} at column {err.colno}", source=source,
                          line=err.lineno if line is None else line) from None
    except ValueError:  # an integer over Python's digit limit for str -> int (4300 by default)
        raise CorpusError("unreadable JSON: a number with too many digits", source=source,
                          line=line) from None
    except RecursionError:
        raise CorpusError("unreadable JSON: lists or objects nested too deeply", source=source,
                          line=line) from None


def json_objects(lines: Iterable[str], source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """`(line number, object)` for each non-blank line of JSON lines; a line that is not a JSON
    object raises CorpusError naming `source` and the line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = parse_json(line, source, number)
        if not isinstance(row, dict):
            raise CorpusError(
                f"expected a JSON object, got {type(row).__name__}", source=source, line=number
            )
        yield number, row


def iter_jsonl(
    path: str | Path, schema: LabelSchema = DEFAULT_SCHEMA, data_dir: str | Path | None = None
) -> Iterator[Document]:
    """Yield the documents of one JSON-lines file, validating each; blank lines are skipped. A
    stand-off file (`NAME.standoff.jsonl`) takes its texts from the data folder `data_dir`
    (`newsie.standoff.resolve_data_dir`)."""
    path = Path(path)
    if path.name.endswith(".standoff.jsonl"):
        from newsie.standoff import iter_standoff  # imported here: standoff builds on this module

        yield from iter_standoff(path, schema, data_dir)
        return
    if not path.is_file():
        raise FileNotFoundError(f"corpus file {path} does not exist")
    with path.open(encoding="utf-8-sig") as handle:
        for number, data in json_objects(handle, str(path)):
            yield Document.from_dict(data, schema, source=str(path), line=number)


def read_jsonl(
    path: str | Path, schema: LabelSchema = DEFAULT_SCHEMA, data_dir: str | Path | None = None
) -> list[Document]:
    return list(iter_jsonl(path, schema, data_dir))


def read_corpora(
    paths: Iterable[str | Path],
    schema: LabelSchema = DEFAULT_SCHEMA,
    data_dir: str | Path | None = None,
) -> list[Document]:
    return [doc for path in paths for doc in iter_jsonl(path, schema, data_dir)]


def write_jsonl(documents: Iterable[Document], path: str | Path) -> int:
    """Write documents one a line; returns how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for doc in documents:
            handle.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    return count

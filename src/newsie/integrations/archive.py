"""An archive of documents cut into blocks, and the folder of Parquet parts extracted from them:
the files of `newsie extract-archive`, with no engine in them (Ray drives them from
`newsie.integrations.ray`).

- **Input**: a JSON-lines (`.jsonl`) or Parquet (`.parquet`) file, or a folder holding such files
  (searched recursively, in name order). A block is a range of `block_size` records of one file:
  lines of a JSON-lines file (blank lines count, and are skipped), rows of a Parquet file.
- **Output**: a folder of parts, one per block, each named after its block
  (`<file>.<first>-<stop>.parquet`, the file's path within the input with `/` as `__`), written
  whole or not at all; a block whose part exists is done, so a rerun skips it. The folder's
  manifest (`_newsie_archive.json`) holds the run's settings and each file's record count: a rerun
  with other settings or a changed input is refused rather than mixed in.
- **Rejects**: a record that cannot be extracted (a line that is not UTF-8 or not JSON, not an
  object, no text, a text that is not a string) is not a document: it goes to the block's rejects
  part (`_rejects/<block>.jsonl`: source, line or row, reason), and the rejects of all blocks are
  gathered into one JSON-lines file at the end. Files and folders named with `_` or `.` first are
  not read as Parquet by pyarrow, pandas or Ray, so the output folder reads as one table.

A record's id is its `id_column` value as a string, or `<file>:<line>` (`<file>#<row>`) when it
has none. The output keeps `source` (the file) and `record` (its line, from 1, or its row, from 0)
so that every document leads back to its input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newsie.files import write_atomically

JSONL, PARQUET = ".jsonl", ".parquet"
MANIFEST = "_newsie_archive.json"
REJECTS_FOLDER = "_rejects"
DEFAULT_REJECTS = "_rejects.jsonl"  # in the output folder
RECORD_COLUMNS = ("id", "source", "record", "text")  # then one JSON column per output field
Row = tuple[dict[str, int], Any, "str | None"]  # position, value, why it cannot be read


class ArchiveError(ValueError):
    """An input or output folder newsie cannot extract into: says which file and why."""


@dataclass(frozen=True)
class Block:
    """Records `start` to `stop` (excluded) of one input file; `offset` is the byte offset of
    line `start` in a JSON-lines file (0 for Parquet)."""

    path: str  # the file, absolute
    source: str  # the file's path within the input, as the output names it
    start: int
    stop: int
    offset: int = 0

    @property
    def name(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", self.source.replace("/", "__"))
        return f"{safe}.{self.start:09d}-{self.stop:09d}"

    def as_item(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Block:
        """The Block of `as_item()`'s dict (its values may be numpy scalars)."""
        return cls(
            str(item["path"]),
            str(item["source"]),
            int(item["start"]),
            int(item["stop"]),
            int(item["offset"]),
        )


@dataclass(frozen=True)
class Plan:
    """The blocks of an input, and each file's record count (for the manifest)."""

    blocks: list[Block]
    records: dict[str, int]


def input_files(root: Path) -> list[tuple[Path, str]]:
    """The JSON-lines and Parquet files of `root` (a file or a folder), with their paths within
    it; an ArchiveError when there are none or a named file is of another kind."""
    if root.is_file():
        if root.suffix not in (JSONL, PARQUET):
            raise ArchiveError(f"{root}: not a {JSONL} or {PARQUET} file")
        return [(root.resolve(), root.name)]
    if not root.is_dir():
        raise FileNotFoundError(f"input {root} does not exist")
    files = sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix in (JSONL, PARQUET)
        and not any(part.startswith(("_", ".")) for part in path.relative_to(root).parts)
    )
    if not files:
        raise ArchiveError(f"{root}: no {JSONL} or {PARQUET} file in this folder")
    return [(path.resolve(), path.relative_to(root).as_posix()) for path in files]


def plan_blocks(root: Path, block_size: int, text_column: str) -> Plan:
    """Every input file of `root` cut into blocks of `block_size` records. A Parquet file without
    `text_column` is an ArchiveError naming its columns (the wrong column, not a bad record)."""
    if block_size < 1:
        raise ValueError(f"block size must be at least 1, got {block_size}")
    blocks: list[Block] = []
    records: dict[str, int] = {}
    for path, source in input_files(root):
        if path.suffix == JSONL:
            starts = list(_jsonl_block_starts(path, block_size))
            count = starts.pop()[0]  # the end: (line count, file size)
        else:
            count = _parquet_rows(path, text_column)
            starts = [(start, 0) for start in range(0, count, block_size)]
        records[source] = count
        blocks += [
            Block(str(path), source, start, min(start + block_size, count), offset)
            for start, offset in starts
        ]
    names = [block.name for block in blocks]
    if len(set(names)) != len(names):
        clash = next(name for name in names if names.count(name) > 1)
        raise ArchiveError(f"two input files give the part name {clash}: rename one of them")
    return Plan(blocks, records)


def _jsonl_block_starts(path: Path, block_size: int) -> Iterator[tuple[int, int]]:
    """(line, byte offset) of every block's first line, then (line count, file size)."""
    offset = line = 0
    with path.open("rb") as handle:
        for raw in handle:
            if line % block_size == 0:
                yield line, offset
            offset += len(raw)
            line += 1
    yield line, offset


def _parquet_rows(path: Path, text_column: str) -> int:
    metadata = pq.read_metadata(path)
    names = metadata.schema.to_arrow_schema().names
    if text_column not in names:
        raise ArchiveError(
            f"{path}: no column {text_column!r} (it has {names}): name the text column with "
            "--text-column"
        )
    return metadata.num_rows


def read_block(
    block: Block, text_column: str, id_column: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The block's records (id, source, record, text) and its rejects (source, line or row,
    reason), each in input order."""
    rows = (
        _jsonl_rows(block)
        if block.path.endswith(JSONL)
        else _parquet_block_rows(block, text_column, id_column)
    )
    records: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for position, value, reason in rows:
        reason = reason or _text_problem(value, text_column)
        if reason is not None:
            rejects.append({"source": block.source, **position, "reason": reason})
            continue
        record_id = value.get(id_column)
        records.append(
            {
                "id": _default_id(block.source, position) if record_id is None else str(record_id),
                "source": block.source,
                "record": next(iter(position.values())),
                "text": value[text_column],
            }
        )
    return records, rejects


def _text_problem(value: Any, text_column: str) -> str | None:
    if not isinstance(value, dict):
        return f"a JSON {type(value).__name__}, not an object"
    if text_column not in value:
        return f"no {text_column!r} field"
    text = value[text_column]
    if not isinstance(text, str):
        return f"{text_column!r} is {type(text).__name__}, not a string"
    return None


def _default_id(source: str, position: Mapping[str, int]) -> str:
    return f"{source}:{position['line']}" if "line" in position else f"{source}#{position['row']}"


def _jsonl_rows(block: Block) -> Iterator[Row]:
    """(position, parsed value, None), or (position, None, why not), for each non-blank line."""
    with open(block.path, "rb") as handle:
        handle.seek(block.offset)
        for line in range(block.start + 1, block.stop + 1):  # lines are numbered from 1
            raw = handle.readline()
            try:
                text = raw.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError as err:
                yield {"line": line}, None, f"not valid UTF-8: byte {err.start}: {err.reason}"
                continue
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as err:
                yield {"line": line}, None, f"not valid JSON: {err}"
                continue
            yield {"line": line}, value, None


def _parquet_block_rows(block: Block, text_column: str, id_column: str) -> Iterator[Row]:
    """(position, row as a dict of the text and id columns, None) for each row of the block."""
    parquet = pq.ParquetFile(block.path)
    columns = [name for name in (text_column, id_column) if name in parquet.schema_arrow.names]
    groups, first = [], None
    group_start = 0
    for index in range(parquet.num_row_groups):
        group_stop = group_start + parquet.metadata.row_group(index).num_rows
        if group_start < block.stop and group_stop > block.start:
            groups.append(index)
            first = group_start if first is None else first
        group_start = group_stop
    table = parquet.read_row_groups(groups, columns=columns)
    rows = table.slice(block.start - (first or 0), block.stop - block.start).to_pylist()
    for row_index, row in enumerate(rows, start=block.start):
        yield {"row": row_index}, row, None


class ArchiveOutput:
    """The output folder: its manifest, a part per block, the rejects."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def claim(self, settings: Mapping[str, Any]) -> None:
        """Write the manifest of a new folder, or check that an existing one was written with
        the same `settings` (an ArchiveError names what differs)."""
        manifest = self.folder / MANIFEST
        if self.folder.exists() and not manifest.is_file() and any(self.folder.iterdir()):
            raise ArchiveError(
                f"{self.folder} exists and is not an extract-archive output (no {MANIFEST}): "
                "choose a new output folder"
            )
        if manifest.is_file():
            before = json.loads(manifest.read_text(encoding="utf-8"))
            changed = sorted(
                key for key in {*before, *settings} if before.get(key) != settings.get(key)
            )
            if changed:
                raise ArchiveError(
                    f"{self.folder} holds the output of a run with other settings or input "
                    f"({', '.join(changed)} differ): rerun with the same ones to resume, or "
                    "write to a new output folder"
                )
            return
        (self.folder / REJECTS_FOLDER).mkdir(parents=True, exist_ok=True)
        write_atomically(
            manifest,
            lambda path: path.write_text(
                json.dumps(dict(settings), indent=1, ensure_ascii=False), encoding="utf-8"
            ),
        )

    def part(self, block: Block) -> Path:
        return self.folder / f"{block.name}.parquet"

    def rejects_part(self, block: Block) -> Path:
        return self.folder / REJECTS_FOLDER / f"{block.name}.jsonl"

    def is_written(self, block: Block) -> bool:
        return self.part(block).is_file()

    def write(self, block: Block, table: pa.Table, rejects: Sequence[Mapping[str, Any]]) -> None:
        """The block's rejects, then its part: a block is done once its part exists, and a
        retried block rewrites both whole."""
        if rejects:
            lines = "".join(json.dumps(reject, ensure_ascii=False) + "\n" for reject in rejects)
            write_atomically(
                self.rejects_part(block), lambda path: path.write_text(lines, encoding="utf-8")
            )
        write_atomically(self.part(block), lambda path: pq.write_table(table, path))

    def gather_rejects(self, blocks: Sequence[Block], target: Path) -> int:
        """All blocks' rejects, in input order, written to `target`; how many there are."""
        lines = [
            line
            for block in blocks
            if self.rejects_part(block).is_file()
            for line in self.rejects_part(block).read_text(encoding="utf-8").splitlines(True)
        ]
        write_atomically(target, lambda path: path.write_text("".join(lines), encoding="utf-8"))
        return len(lines)


def part_table(
    records: Sequence[Mapping[str, Any]], columns: Mapping[str, Sequence[str]]
) -> pa.Table:
    """A part's table: the records' id, source, record and text, then the JSON `columns`."""
    fields = [
        pa.field(name, pa.int64() if name == "record" else pa.string())
        for name in (*RECORD_COLUMNS, *columns)
    ]
    data = {name: [record[name] for record in records] for name in RECORD_COLUMNS}
    data.update({name: list(values) for name, values in columns.items()})
    return pa.table(data, schema=pa.schema(fields))

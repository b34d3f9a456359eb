"""Reading source files for converters, with errors that name the file, line and field."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsie.corpus import json_objects, parse_json
from newsie.data import CorpusError


def read_json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(line number, object)` for each non-blank line of a JSON-lines file (gzipped when
    its name ends in `.gz`)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig") as handle:
        yield from json_objects(handle, str(path))


def read_json(path: Path) -> Any:
    return parse_json(path.read_text(encoding="utf-8-sig"), str(path))


def field_of(
    row: dict[str, Any], key: str, kind: type | tuple[type, ...], *, source: Path,
    line: int | None = None, where: str = "",
) -> Any:
    """`row[key]`, checked to be of `kind` (booleans never count as numbers)."""
    name = f"{where}.{key}" if where else key
    if key not in row:
        raise CorpusError("is missing", source=str(source), line=line, field=name)
    value = row[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        expected = " or ".join(k.__name__ for k in _as_tuple(kind))
        raise CorpusError(f"must be {expected}, got {value!r}", source=str(source), line=line,
                          field=name)
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def check_offsets(
    text: str, start: int, end: int, *, source: Path, line: int | None = None, where: str = "",
) -> None:
    if not 0 <= start < end <= len(text):
        raise CorpusError(f"offsets {start}:{end} lie outside the text (length {len(text)}) or are "
                          "empty", source=str(source), line=line, field=where or None)


def claim_id(
    seen: dict[str, str], ident: str, here: str, *, source: Path, line: int | None = None,
    field: str | None = None,
) -> None:
    """Note that `ident` is used at `here`; a second use raises CorpusError naming both places.
    For ids the format says are unique: a reused one leaves it unknown which annotation a
    reference means, so no choice of one of them would be right."""
    if ident in seen:
        raise CorpusError(f"id {ident!r} is used again (first at {seen[ident]}); ids are unique "
                          "here: renumber or remove one of them", source=str(source), line=line,
                          field=field)
    seen[ident] = here


def files_under(paths: list[Path], suffixes: tuple[str, ...]) -> list[Path]:
    """The given files, and the files with one of `suffixes` anywhere under the given folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in suffixes)
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path} does not exist")
    return found


def corpus_name(path: Path) -> str:
    """The corpus name a document carries in `meta["source"]`: the folder's or file's name."""
    path = path.resolve()
    return path.stem if path.is_file() else path.name


def corpus_file(paths: list[Path], name: str) -> list[Path]:
    """The given files, and the file `name` in each given folder (an error when it lacks one)."""
    found = []
    for path in paths:
        file = path / name if path.is_dir() else path
        if not file.is_file():
            raise CorpusError(f"no {name} here", source=str(path))
        found.append(file)
    return found

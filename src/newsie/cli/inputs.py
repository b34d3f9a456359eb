"""The inputs of `newsie extract`: text files, JSON-lines files and standard input, as UTF-8.

A `.txt` (or any other) file is one document; a `.jsonl` file holds one record a line, each with
a 'text' field (lines split at '\\n' as JSON Lines defines them; a byte-order mark is skipped).

An input that is not valid UTF-8 is skipped whole, with a warning that names it and the byte
offset (and line) of its first bad byte; the other inputs are still extracted and written, and
`ExtractInputs.skipped` lists the ones skipped, for the command's summary and exit status. Files
are checked before extraction starts, in one streaming pass that also counts their documents for
the progress bar, so a bad file contributes no record. Standard input is read once, as it comes:
the JSON-lines records before its first bad line have been extracted when that line is reached.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from newsie.corpus import json_objects

logger = logging.getLogger(__name__)

STANDARD_INPUT = "-"
STANDARD_INPUT_NAME = "<stdin>"
BYTE_ORDER_MARK = "\ufeff"


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """The input files, `--stdin-format` and `--model` of the commands that extract."""
    parser.add_argument(
        "inputs",
        nargs="*",
        default=[STANDARD_INPUT],
        metavar="FILE",
        help=".txt (one document), .jsonl (a 'text' field a line) or - for "
        "standard input (default)",
    )
    parser.add_argument(
        "--stdin-format",
        choices=("text", "jsonl"),
        default="text",
        help="how to read '-': one plain-text document, or JSON lines",
    )
    parser.add_argument("--model", required=True, help="a model folder saved by newsie")


class NotUtf8Error(ValueError):
    """An input's bytes are not UTF-8; names the input, the byte offset and line of the first
    bad byte."""

    def __init__(self, source: str, error: UnicodeDecodeError, offset: int, line: int) -> None:
        self.source, self.offset, self.line = source, offset, line
        bad = error.object[error.start : error.start + 1].hex()
        super().__init__(
            f"{source}: not valid UTF-8: byte 0x{bad} at byte offset {offset} (line {line}): "
            f"{error.reason}; convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)"
        )


def decode_utf8(data: bytes, source: str) -> str:
    """`data` decoded as UTF-8, or NotUtf8Error naming `source` and the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise NotUtf8Error(source, err, err.start, line) from None


def utf8_lines(handle: BinaryIO, source: str) -> Iterator[str]:
    """The lines of a binary stream (split at b'\\n', each kept with its end) decoded as UTF-8,
    read lazily; a bad byte raises NotUtf8Error naming `source` and its byte offset."""
    offset = 0
    for number, raw in enumerate(handle, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise NotUtf8Error(source, err, offset + err.start, number) from None
        offset += len(raw)
        yield line.removeprefix(BYTE_ORDER_MARK) if number == 1 else line


@dataclass
class ExtractInputs:
    """The inputs named on the command line (`-` is standard input, read as `stdin_format`);
    build it with `check`. `skipped`: each input skipped, by name, with why."""

    names: list[str]
    stdin_format: str = "text"
    skipped: dict[str, NotUtf8Error] = field(default_factory=dict)
    document_count: int | None = None  # None when standard input is read: it cannot be counted

    @classmethod
    def check(cls, names: list[str], stdin_format: str = "text") -> ExtractInputs:
        """The inputs, with every file checked now: a missing one raises FileNotFoundError; one
        that is not UTF-8 is skipped (a warning says so) and its documents are not counted."""
        inputs = cls(names, stdin_format)
        count = 0
        for name in names:
            if name == STANDARD_INPUT or name in inputs.skipped:
                continue
            path = Path(name)
            if not path.is_file():
                raise FileNotFoundError(f"input file {path} does not exist")
            try:
                count += _count_documents(path)
            except NotUtf8Error as err:
                inputs._skip(name, err, "skipped")
        inputs.document_count = None if STANDARD_INPUT in names else count
        return inputs

    def records(self) -> Iterator[dict]:
        """Records with a 'text' field (other fields are carried through to the output), input by
        input; an input found not to be UTF-8 ends there and the next one starts."""
        for name in self.names:
            if name in self.skipped:
                continue
            try:
                yield from self._records_of(name)
            except NotUtf8Error as err:
                self._skip(name, err, "skipped the rest of")

    def _records_of(self, name: str) -> Iterator[dict]:
        if name == STANDARD_INPUT:
            yield from _standard_input_records(self.stdin_format)
            return
        path = Path(name)
        if path.suffix == ".jsonl":
            with path.open("rb") as handle:
                yield from _jsonl_records(utf8_lines(handle, name), name)
        else:
            yield {"id": path.name, "text": _file_text(path)}

    def _skip(self, name: str, err: NotUtf8Error, what: str) -> None:
        logger.warning("%s %s", what, err)
        self.skipped[name] = err

    def summary(self) -> str:
        """One line: how many inputs were skipped, and which."""
        names = ", ".join(err.source for err in self.skipped.values())
        return (
            f"{len(self.skipped)} of {len(set(self.names))} inputs were skipped, not being valid "
            f"UTF-8 (see above): {names}; the other inputs were extracted"
        )


def _count_documents(path: Path) -> int:
    """The documents of one file; reading it whole checks that it is UTF-8."""
    if path.suffix != ".jsonl":
        decode_utf8(path.read_bytes(), str(path))
        return 1
    with path.open("rb") as handle:
        return sum(1 for line in utf8_lines(handle, str(path)) if line.strip())


def _file_text(path: Path) -> str:
    # Line ends as Python reads a text file (universal newlines): '\r\n' and '\r' become '\n'.
    text = decode_utf8(path.read_bytes(), str(path))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _standard_input_records(stdin_format: str) -> Iterator[dict]:
    # Read as bytes, to be decoded strictly; a caller that replaced sys.stdin by a text stream
    # (a test, a program calling `main`) has decoded it already.
    binary = getattr(sys.stdin, "buffer", None)
    if stdin_format == "jsonl":
        lines = sys.stdin if binary is None else utf8_lines(binary, STANDARD_INPUT_NAME)
        yield from _jsonl_records(lines, STANDARD_INPUT_NAME)
    elif binary is None:
        yield {"text": sys.stdin.read()}
    else:
        yield {"text": decode_utf8(binary.read(), STANDARD_INPUT_NAME)}


def _jsonl_records(lines: Iterable[str], source: str) -> Iterator[dict]:
    for number, record in json_objects(lines, source):
        if not isinstance(record.get("text"), str):
            raise ValueError(f"{source}:{number}: text: each line needs a string 'text' field")
        yield record

"""Where a command's product goes, and how text from the user's data is made safe to print.

- `visible` and `json_line_safe`: article text, file names and ids reach a terminal; a
  character that does not print (an ESC of a terminal escape sequence, a BEL, a C1 control, a
  bidirectional override, U+2028) is shown as its Python escape in listings and messages, and as
  its JSON `\\uXXXX` escape in JSON lines (lossless there: `json.loads` gives the text back).
- `write_product` and `write_report`: standard output, flushed after each piece, so that a
  closed pipe or a full disk is an `OutputError` where it happens; the command ends with one line
  and status 1 (`OUTPUT_ERROR_STATUS`, Python's own status for a broken pipe), not a traceback.
  Every command writes its product through them, never with `print`.
- `check_writable` and `write_file_atomically`: an output file that cannot be written is found
  before the work starts; a file is replaced only once it is completely written.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from newsie.files import write_atomically

OUTPUT_ERROR_STATUS = 1

Result = TypeVar("Result")


class OutputError(OSError):
    """The command's product could not be written: a closed pipe, a full disk, a path that is not
    writable. Its message is one line that names where."""


def _escape_non_printing(text: str, escape: Callable[[str], str]) -> str:
    if text.isprintable():  # the common case, checked at C speed
        return text
    return "".join(char if char.isprintable() else escape(char) for char in text)


def _python_escape(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the first plane, JSON escapes a UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def visible(text: str) -> str:
    """`text` with each character that does not print (`str.isprintable`: controls, format
    characters such as bidirectional overrides, line and paragraph separators, surrogates,
    spaces other than ' ') replaced by its Python escape (`\\x1b`, `\\u2028`); printable
    characters, letters of every script and emoji included, are kept. Applying it twice changes
    nothing more."""
    return _escape_non_printing(text, _python_escape)


def visible_lines(text: str) -> str:
    """`visible` line by line: the line breaks of a report or a message stay line breaks."""
    return "\n".join(visible(line) for line in text.split("\n"))


def json_line_safe(line: str) -> str:
    """A line of JSON (from `json.dumps(..., ensure_ascii=False)`) with the non-printing characters
    that JSON leaves raw (DEL, C1 controls, U+2028, format characters, lone surrogates) written
    as `\\uXXXX` escapes: the same JSON value, safe on a terminal, one line for every line
    splitter, and encodable as UTF-8. Outside strings, `json.dumps` writes only printable ASCII,
    so every replaced character lies inside a string."""
    return _escape_non_printing(line, _json_escape)


def write_product(text: str) -> None:
    """Write `text` to standard output (as it is now) and flush it, so that a failed write is an
    `OutputError` here and not a traceback when the interpreter exits."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as err:
        _discard_standard_output()
        if isinstance(err, BrokenPipeError):
            raise OutputError(
                "standard output was closed (broken pipe) before everything was written"
            ) from None
        raise OutputError(f"cannot write to standard output: {err.strerror or err}") from None


def write_report(text: str) -> None:
    """Write a report (scores, statistics, error lists that quote the corpus) as one more line or
    lines of standard output, through `visible_lines`."""
    write_product(visible_lines(text) + "\n")


def _discard_standard_output() -> None:
    """Point standard output at the null device, as Python's documentation advises after a broken
    pipe (and so after any failed write): the interpreter flushes what is left in its buffer at
    exit, and that flush would fail again."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture): nothing to do
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def check_writable(path: Path, *, folder: bool = False) -> None:
    """Raise `OutputError` now if `path` (a file, or a `folder`) cannot be written later: it is
    the wrong kind, a read-only file, or the folder that would hold it (or the nearest one that
    exists, when folders are to be made) refuses new files. Leaves nothing behind."""
    if path.exists():
        if path.is_dir() != folder:
            kind, wanted = ("a folder", "a file name") if path.is_dir() else ("a file", "a folder")
            raise OutputError(f"cannot write {path}: it is {kind}; give {wanted}")
        if not folder and not os.access(path, os.W_OK):
            raise OutputError(f"cannot write {path}: permission denied")
        if not folder and not _is_replaceable(path):  # a device or a pipe, written in place
            return
    home = _nearest_existing(path if folder else path.parent)
    if not home.is_dir():
        raise OutputError(f"cannot write {path}: {home} is a file, not a folder")
    try:
        tempfile.TemporaryFile(dir=home).close()
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err} in {home}") from None


def write_file_atomically(path: Path, write: Callable[[Path], Result]) -> Result:
    """`write(partial)` to a new file beside `path`, then rename it onto `path` (folders made as
    needed): a failure midway leaves any previous file whole and no partial one. A device or a
    pipe (`/dev/stdout`) is written in place. A failed write is an `OutputError` naming `path`."""
    if path.exists() and not _is_replaceable(path):
        return _writing(path, lambda: write(path))
    target = Path(os.path.realpath(path))  # through a symbolic link, replace the file it names

    def write_whole() -> Result:
        target.parent.mkdir(parents=True, exist_ok=True)
        return write_atomically(target, write)

    return _writing(path, write_whole)


def _writing(path: Path, write: Callable[[], Result]) -> Result:
    try:
        return write()
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None


def _is_replaceable(path: Path) -> bool:
    """A regular file (or a link to one): renaming a new file onto it is safe."""
    return stat.S_ISREG(path.stat().st_mode)


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path

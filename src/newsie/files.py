"""Replacing a file whole: what newsie writes is the previous file or the new one, never half."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Result = TypeVar("Result")


def write_atomically(path: Path, write: Callable[[Path], Result]) -> Result:
    """`write(partial)` to a new file beside `path`, then rename it onto `path` (keeping the
    previous file's mode): a failure midway leaves any previous file whole and no partial one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        result = write(partial)
        if path.exists():
            shutil.copymode(path, partial)
        os.replace(partial, path)
        return result
    finally:
        partial.unlink(missing_ok=True)

"""`Command`: one `newsie` command, as the command table (`newsie.cli.COMMANDS`) holds it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

# What a command reports as one line (`newsie CMD: error: ...`) rather than a traceback.
USAGE_ERRORS: tuple[type[Exception], ...] = (FileNotFoundError, ValueError)
CORPUS_ERRORS: tuple[type[Exception], ...] = (ValueError, OSError)  # CorpusError is a ValueError
DATA_DIR_HELP = (
    "the data folder stand-off corpora (NAME.standoff.jsonl) take their texts from; default: "
    "$NEWSIE_DATA_DIR, else ../shared/data beside the repository"
)


@dataclass(frozen=True)
class Command:
    """A command's words (`"corpus stats"` is the `stats` command of the `corpus` group), its
    help, the function that adds its arguments to its parser and the one that runs it and returns
    the exit status. An exception of `errors` ends the command with `error_status`."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    errors: tuple[type[Exception], ...] = USAGE_ERRORS
    error_status: int = 2

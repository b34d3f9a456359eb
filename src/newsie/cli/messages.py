"""Where the command line's messages go: the `newsie` logger, one line a message on standard
error. A command's product (JSON lines, listings, reports) goes to standard output instead.

Messages embed the user's file names, ids and corpus text: they are printed through
`newsie.cli.output.visible_lines`, so a control character in them cannot act on the terminal."""

from __future__ import annotations

import logging
import sys

from newsie.cli.output import visible_lines

LOGGER_NAME = "newsie"


class StandardErrorHandler(logging.Handler):
    """Writes to `sys.stderr` as it is when the message comes, not when the handler was made:
    `main` may run many times in one process (tests, scripts) that replace standard error."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(visible_lines(self.format(record)), file=sys.stderr, flush=True)
        except Exception:
            self.handleError(record)


def configure_logging(quiet: bool = False) -> None:
    """Messages of `newsie` and its modules to standard error; only errors and warnings when
    `quiet`. Safe to call once per command run: the handler is added once."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(handler, StandardErrorHandler) for handler in logger.handlers):
        handler = StandardErrorHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)

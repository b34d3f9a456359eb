"""`newsie extract`: spans and relations of text files, JSON lines or standard input, printed as
JSON lines (`--format jsonl`) or a readable listing (`--format text`) on standard output.

Exit status: 0 when every input was extracted and written; 1 when the output could not be written
(a closed pipe, a full disk: one line says so), or when inputs that are not UTF-8 were skipped
(each is named with its first bad byte, `newsie.cli.inputs`; the other inputs' output is complete,
and a summary line ends the run); 2 when an error stopped the command (a missing input file, a
malformed JSON line, a model that does not load).

SIGINT and SIGTERM stop it cleanly: the line being written is finished, the worker processes of
`--n-process` are stopped, and the exit status is 128 + the signal's number (130 for Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator

from tqdm.auto import tqdm

from newsie.allocator import keep_freed_memory
from newsie.cli.command import Command
from newsie.cli.formatting import OUTPUT_FORMATS
from newsie.cli.inputs import ExtractInputs, add_input_arguments
from newsie.cli.output import write_product
from newsie.cli.tables import TABLE_FORMATS, TableOutput, add_table_arguments
from newsie.data import Document

logger = logging.getLogger(__name__)

PROGRESS_MIN_DOCUMENTS = 20
SKIPPED_INPUTS_STATUS = 1


def configure_extract(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument(
        "--format", choices=[*OUTPUT_FORMATS.names(), *TABLE_FORMATS], default="jsonl",
        help="jsonl or text on standard output, or csv or parquet tables in -o DIR",
    )
    add_table_arguments(parser)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="windows per forward pass (default: sized to the device, see Extractor)",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--dtype", default=None, help="float32, bfloat16 or float16")
    parser.add_argument(
        "--quantize", default=None, metavar="METHOD", help="int8: faster on CPU, see docs"
    )
    parser.add_argument(
        "--n-process",
        type=int,
        default=1,
        metavar="N",
        help="worker processes, each with its own copy of the model: for a GPU fed from "
        "several CPU cores (default: 1)",
    )


def run_extract(args: argparse.Namespace) -> int:
    signals = _StopSignals()
    try:
        with signals.installed():
            return _extract(args, signals)
    except _Stopped as stopped:
        logger.warning(
            "newsie extract: stopped by %s; the lines written are whole, the documents after "
            "them were not extracted",
            signal.Signals(stopped.signum).name,
        )
        return 128 + stopped.signum


def _extract(args: argparse.Namespace, signals: _StopSignals) -> int:
    from transformers.utils import logging as transformers_logging

    from newsie.extractor import Extractor

    transformers_logging.disable_progress_bar()  # standard error is for our own progress bar
    tables = TableOutput.from_args(args)  # None unless --format csv or parquet
    inputs = ExtractInputs.check(args.inputs, args.stdin_format)  # before the model loads
    extractor = Extractor.from_pretrained(
        args.model,
        device=args.device,
        batch_size=args.batch_size,
        dtype=args.dtype,
        quantize=args.quantize,
    )
    if extractor.device.type == "cpu":
        keep_freed_memory()  # process-wide glibc tuning for CPU inference, see newsie.allocator
    render = OUTPUT_FORMATS[args.format] if tables is None else None
    pending: deque[dict] = deque()  # the records whose texts are being extracted, in order

    def texts() -> Iterator[str]:
        for record in inputs.records():
            pending.append(record)
            yield record["text"]

    documents = _with_progress(
        extractor.pipe(texts(), n_process=args.n_process), inputs.document_count, args.quiet
    )
    with extractor:  # stops the worker processes of --n-process
        for doc in documents:
            if tables is None:
                with signals.deferred():  # a line is written whole, and reaches the file at once
                    write_product(render(pending.popleft(), doc) + "\n")
            else:
                tables.add(pending.popleft(), doc)
    if tables is not None:
        tables.write()
    if inputs.skipped:
        logger.error("newsie extract: error: %s", inputs.summary())
        return SKIPPED_INPUTS_STATUS
    return 0


class _Stopped(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM (`_StopSignals`). A BaseException, like
    KeyboardInterrupt, so that no `except Exception` on the way takes it for an error."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _StopSignals:
    """While `installed` (in the main thread): SIGINT and SIGTERM raise `_Stopped`, after the
    end of a `deferred` block if one is running; a second signal ends the process at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self._received: int | None = None
        self._deferring = False

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():  # no handlers there
            yield
            return
        previous = {signum: signal.signal(signum, self._handle) for signum in self.SIGNALS}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                if handler is not None:  # None: a handler not set from Python, left alone
                    signal.signal(signum, handler)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        if self._received is not None:
            raise _Stopped(self._received)

    def _handle(self, signum: int, frame) -> None:
        if self._received is not None:  # the clean stop takes too long for the user
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self._received = signum
        if not self._deferring:
            raise _Stopped(signum)


def _with_progress(
    documents: Iterable[Document], total: int | None, quiet: bool
) -> Iterator[Document]:
    """The documents, with a progress bar on standard error (documents, spans found, documents a
    second) unless `quiet` or there are few documents (`total`, None when unknown)."""
    show = not quiet and (total is None or total >= PROGRESS_MIN_DOCUMENTS)
    with tqdm(total=total, disable=not show, file=sys.stderr, unit="doc", desc="extract") as bar:
        spans = 0
        for doc in documents:
            spans += len(doc.spans)
            bar.set_postfix(spans=spans, refresh=False)
            bar.update(1)
            yield doc


COMMAND = Command(
    "extract", "extract spans and relations to JSON lines", configure_extract, run_extract
)

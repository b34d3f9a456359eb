"""`newsie render`: extract from the same inputs as `newsie extract` and write one HTML page that
shows each document's spans, CASUALTY counts and relations (`newsie.render`)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from newsie.cli.command import USAGE_ERRORS, Command
from newsie.cli.extract import _input_records, _with_progress
from newsie.render import render_page

logger = logging.getLogger(__name__)


def configure_render(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        default=["-"],
        metavar="FILE",
        help="as for newsie extract: .txt (one document), .jsonl (a 'text' field a line) or - "
        "for standard input (default)",
    )
    parser.add_argument("--model", required=True, help="a model folder saved by newsie")
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        help="the HTML file to write (default: standard output)",
    )
    parser.add_argument(
        "--stdin-format",
        choices=("text", "jsonl"),
        default="text",
        help="how to read '-': one plain-text document, or JSON lines",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")


def run_render(args: argparse.Namespace) -> int:
    from transformers.utils import logging as transformers_logging

    from newsie.extractor import Extractor

    # Read every input first: a missing file or a bad line stops the command before the model
    # loads, and before anything is written.
    records = list(_input_records(args.inputs, args.stdin_format))
    transformers_logging.disable_progress_bar()
    extractor = Extractor.from_pretrained(args.model, device=args.device)
    with extractor:
        documents = list(_with_progress(extractor.pipe(r["text"] for r in records), args))
    for record, doc in zip(records, documents, strict=True):
        if record.get("id") is not None:
            doc.id = str(record["id"])
    page = render_page(documents, title=_page_title(documents))
    if args.output == "-":
        sys.stdout.write(page)
        return 0
    _write_whole(Path(args.output), page)
    logger.info("wrote %d documents to %s", len(documents), args.output)
    return 0


def _page_title(documents: list) -> str:
    if len(documents) != 1:
        return f"newsie: {len(documents)} documents"
    return f"newsie: {documents[0].id}" if documents[0].id else "newsie"


def _write_whole(path: Path, page: str) -> None:
    """Write `page` to `path` whole: an interrupted write leaves the file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(path)


COMMAND = Command(
    "render",
    "extract and write an HTML page of the spans and relations",
    configure_render,
    run_render,
    errors=(*USAGE_ERRORS, OSError),
)

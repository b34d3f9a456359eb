"""`newsie render`: extract from the same inputs as `newsie extract` and write one HTML page that
shows each document's spans, CASUALTY counts and relations (`newsie.render`)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from newsie.cli.command import USAGE_ERRORS, Command
from newsie.cli.extract import SKIPPED_INPUTS_STATUS, _with_progress
from newsie.cli.inputs import ExtractInputs, add_input_arguments
from newsie.cli.output import check_writable, write_file_atomically, write_product
from newsie.render import render_page

logger = logging.getLogger(__name__)


def configure_render(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)  # as for newsie extract
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        help="the HTML file to write (default: standard output)",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")


def run_render(args: argparse.Namespace) -> int:
    from transformers.utils import logging as transformers_logging

    from newsie.extractor import Extractor

    # Read every input first: a missing file, an unwritable output or an input that is not UTF-8
    # stops the command before the model loads, and before anything is written.
    if args.output != "-":
        check_writable(Path(args.output))
    inputs = ExtractInputs.check(args.inputs, args.stdin_format)
    records = list(inputs.records())
    if inputs.skipped:
        logger.error("newsie render: error: %s; nothing written", inputs.summary())
        return SKIPPED_INPUTS_STATUS
    transformers_logging.disable_progress_bar()
    extractor = Extractor.from_pretrained(args.model, device=args.device)
    with extractor:
        texts = (r["text"] for r in records)
        documents = list(_with_progress(extractor.pipe(texts), len(records), args.quiet))
    for record, doc in zip(records, documents, strict=True):
        if record.get("id") is not None:
            doc.id = str(record["id"])
    page = render_page(documents, title=_page_title(documents))
    if args.output == "-":
        write_product(page)
        return 0
    write_file_atomically(Path(args.output), lambda path: path.write_text(page, encoding="utf-8"))
    logger.info("wrote %d documents to %s", len(documents), args.output)
    return 0


def _page_title(documents: list) -> str:
    if len(documents) != 1:
        return f"newsie: {len(documents)} documents"
    return f"newsie: {documents[0].id}" if documents[0].id else "newsie"


COMMAND = Command(
    "render",
    "extract and write an HTML page of the spans and relations",
    configure_render,
    run_render,
    errors=(*USAGE_ERRORS, OSError),
)

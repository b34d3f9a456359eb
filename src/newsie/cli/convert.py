"""`newsie convert`: a corpus in another format to newsie JSON lines (`newsie.converters`).

newsie convert --from re3d ../shared/data/re3d -o re3d.jsonl
newsie convert --from gum ../shared/data/gum --silver --part holdout -o gum-holdout.jsonl
newsie convert --from conll train.conll -o train.jsonl --map PER=ACTOR --map LOC=LOCATION

The documents go to the output file; how many were written and what was skipped or adjusted
are messages on standard error. A corpus error exits with status 1, and so does an output file
that cannot be written: that is checked before the corpus is read, and the file is replaced only
once it is completely written (`newsie.cli.output`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from newsie.cli.command import CORPUS_ERRORS, Command
from newsie.cli.output import check_writable, write_file_atomically
from newsie.converters import CONVERTERS, convert, load_label_map
from newsie.converters.labels import parse_label_pairs
from newsie.corpus import write_jsonl
from newsie.rules import add_silver_layers
from newsie.sources import PARTS, select_part

logger = logging.getLogger(__name__)


def configure_convert(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="format", required=True, choices=CONVERTERS.names(), help="the corpus format"
    )
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="files or folders of the corpus"
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUT.jsonl",
        help="where to write the newsie JSON-lines corpus",
    )
    parser.add_argument(
        "--silver",
        action="store_true",
        help="add rule-labelled (silver) layers for the types the corpus lacks",
    )
    parser.add_argument(
        "--part",
        choices=PARTS,
        default="all",
        help="keep all documents, or the seeded train or holdout part (a fifth), "
        "as recipes do with `part:`",
    )
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument(
        "--label-map",
        type=Path,
        metavar="FILE.yaml",
        help="YAML mapping of source labels to newsie types",
    )
    labels.add_argument(
        "--map",
        action="append",
        metavar="SRC=DST",
        help="map one source label to a newsie type (repeatable)",
    )


def run_convert(args: argparse.Namespace) -> int:
    """Convert, write the documents and report what was written, skipped and adjusted."""
    check_writable(args.output)
    if args.label_map:
        label_map = load_label_map(args.label_map)
    else:
        label_map = parse_label_pairs(args.map) if args.map else None
    result = convert(args.format, args.paths, label_map)
    documents = result.documents
    if args.silver:
        documents = [add_silver_layers(doc) for doc in documents]
    selected = select_part(documents, args.part)
    count = write_file_atomically(args.output, lambda partial: write_jsonl(selected, partial))
    logger.info("wrote %d documents to %s", count, args.output)
    logger.info("%s", result.report.format())
    return 0


COMMAND = Command(
    "convert",
    "convert re3d, GUM, BRAT, CoNLL, doccano or Label Studio corpora to newsie JSON lines",
    configure_convert,
    run_convert,
    errors=CORPUS_ERRORS,
    error_status=1,
)

"""`newsie corpus stats`: documents, spans and relations per type of newsie JSON-lines corpora
(`newsie.stats`), on standard output. A corpus error exits with status 1."""

from __future__ import annotations

import argparse
from pathlib import Path

from newsie.cli.command import CORPUS_ERRORS, DATA_DIR_HELP, Command
from newsie.cli.output import write_report
from newsie.corpus import read_corpora
from newsie.stats import corpus_stats, format_stats


def configure_corpus_stats(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="newsie JSON-lines corpus files"
    )
    parser.add_argument("--data-dir", default=None, help=DATA_DIR_HELP)


def run_corpus_stats(args: argparse.Namespace) -> int:
    write_report(format_stats(corpus_stats(read_corpora(args.files, data_dir=args.data_dir))))
    return 0


COMMAND = Command(
    "corpus stats",
    "documents, spans and relations per type of corpora",
    configure_corpus_stats,
    run_corpus_stats,
    errors=CORPUS_ERRORS,
    error_status=1,
)

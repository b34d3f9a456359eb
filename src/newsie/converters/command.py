"""Command-line glue for `newsie convert` and `newsie corpus stats` (wired in by newsie.cli).

newsie convert --from re3d ../shared/data/re3d -o re3d.jsonl
newsie convert --from gum ../shared/data/gum --silver --part holdout -o gum-holdout.jsonl
newsie convert --from conll train.conll -o train.jsonl --map PER=ACTOR --map LOC=LOCATION
newsie corpus stats re3d.jsonl gum.jsonl
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsie.converters import CONVERTERS, convert, load_label_map
from newsie.converters.labels import parse_label_pairs
from newsie.corpus import read_corpora, write_jsonl
from newsie.rules import add_silver_layers
from newsie.sources import PARTS, select_part
from newsie.stats import corpus_stats, format_stats


def configure_convert_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="format", required=True, choices=sorted(CONVERTERS), help="the corpus format"
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
    """Convert, write the documents and print the skip report to stderr; 1 on a corpus error."""
    try:
        if args.label_map:
            label_map = load_label_map(args.label_map)
        else:
            label_map = parse_label_pairs(args.map) if args.map else None
        result = convert(args.format, args.paths, label_map)
    except (ValueError, OSError) as err:  # CorpusError is a ValueError
        print(f"newsie convert: error: {err}", file=sys.stderr)
        return 1
    documents = result.documents
    if args.silver:
        documents = [add_silver_layers(doc) for doc in documents]
    count = write_jsonl(select_part(documents, args.part), args.output)
    print(f"wrote {count} documents to {args.output}", file=sys.stderr)
    print(result.report.format(), file=sys.stderr)
    return 0


def configure_stats_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="newsie JSON-lines corpus files"
    )


def run_stats(args: argparse.Namespace) -> int:
    try:
        documents = read_corpora(args.files)
    except (ValueError, OSError) as err:
        print(f"newsie corpus stats: error: {err}", file=sys.stderr)
        return 1
    print(format_stats(corpus_stats(documents)))
    return 0

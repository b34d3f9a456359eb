"""`newsie evaluate`: score a model on gold corpora (the report, seqeval's token-level view and,
with --errors, the most frequent errors), or several systems side by side (--compare). The error
lists quote the corpus: what does not print in them is escaped (`newsie.cli.output`)."""

from __future__ import annotations

import argparse

from newsie.cli.command import DATA_DIR_HELP, Command
from newsie.cli.output import write_report


def configure_evaluate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="a model folder (the system scored unless --compare)")
    parser.add_argument(
        "--data", nargs="+", required=True,
        help="gold JSON-lines corpora (NAME.standoff.jsonl: stand-off, texts from --data-dir)",
    )
    parser.add_argument("--data-dir", default=None, help=DATA_DIR_HELP)
    parser.add_argument(
        "--compare",
        nargs="+",
        metavar="SYSTEM",
        default=None,
        help="systems side by side: newsie:PATH rules spacy:en_core_web_md",
    )
    parser.add_argument(
        "--errors",
        type=int,
        default=0,
        help="also list the N most frequent false positives and misses per type",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="one batch size for every system (default: each system's own)",
    )


def run_evaluate(args: argparse.Namespace) -> int:
    # Imported when the command runs, so other commands start without the scorer's modules.
    from newsie.corpus import read_corpora
    from newsie.evaluation import (
        error_analysis,
        evaluate,
        format_error_analysis,
        format_report,
        seqeval_report,
    )
    from newsie.systems import compare_systems, parse_system_spec, run_system

    gold = read_corpora(args.data, data_dir=args.data_dir)
    if args.compare:
        systems = ([f"newsie:{args.model}"] if args.model else []) + args.compare
        write_report(compare_systems(gold, systems, batch_size=args.batch_size, errors=args.errors))
        return 0
    if not args.model:
        raise ValueError("give --model PATH, or --compare SYSTEM ...")
    predicted = run_system(parse_system_spec(f"newsie:{args.model}"), gold, args.batch_size)
    write_report(format_report(evaluate(gold, predicted)))
    write_report("\nseqeval (token level, one BIO sequence per type):")
    write_report(seqeval_report(gold, predicted))
    if args.errors:
        write_report(format_error_analysis(error_analysis(gold, predicted, top=args.errors)))
    return 0


COMMAND = Command(
    "evaluate",
    "score a model (or several systems) on a gold corpus",
    configure_evaluate,
    run_evaluate,
)

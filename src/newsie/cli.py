"""The `newsie` command line: extract, train, evaluate, convert, corpus stats.

Each command is registered with the function that adds its arguments and the one that runs it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from newsie.converters.command import (
    configure_convert_parser,
    configure_stats_parser,
    run_convert,
    run_stats,
)


@dataclass
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def register_command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None]):
    def decorate(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = Command(name, help, configure, run)
        return run

    return decorate


# --- extract -----------------------------------------------------------------------------------

PROGRESS_MIN_DOCUMENTS = 20


def _configure_extract(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        default=["-"],
        metavar="FILE",
        help=".txt (one document), .jsonl (a 'text' field a line) or - for "
        "standard input (default)",
    )
    parser.add_argument("--model", required=True, help="a model folder saved by newsie")
    parser.add_argument("--format", choices=("jsonl", "text"), default="jsonl")
    parser.add_argument(
        "--stdin-format",
        choices=("text", "jsonl"),
        default="text",
        help="how to read '-': one plain-text document, or JSON lines",
    )
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
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


@register_command("extract", "extract spans and relations to JSON lines", _configure_extract)
def _run_extract(args: argparse.Namespace) -> int:
    from newsie.extractor import Extractor

    extractor = Extractor.from_pretrained(
        args.model,
        device=args.device,
        batch_size=args.batch_size,
        dtype=args.dtype,
        quantize=args.quantize,
    )
    pending: deque[dict] = deque()

    def texts() -> Iterator[str]:
        for record in _input_records(args.inputs, args.stdin_format):
            pending.append(record)
            yield record["text"]

    total = _count_documents(args.inputs)
    show = not args.quiet and (total is None or total >= PROGRESS_MIN_DOCUMENTS)
    documents = tqdm(
        extractor.pipe(texts(), n_process=args.n_process),
        total=total,
        disable=not show,
        file=sys.stderr,
        unit="doc",
        desc="extract",
    )
    with extractor:  # stops the worker processes of --n-process
        for doc in documents:
            record = pending.popleft()
            out = {**{k: v for k, v in record.items() if k != "text"}, **doc.to_dict()}
            if args.format == "jsonl":
                print(json.dumps(out, ensure_ascii=False))
            else:
                print(format_document(doc, title=str(record.get("id", ""))))
    return 0


def _input_records(inputs: list[str], stdin_format: str) -> Iterator[dict]:
    """Records with a 'text' field (other fields are carried through to the output)."""
    for name in inputs:
        if name == "-":
            if stdin_format == "jsonl":
                yield from _jsonl_records(sys.stdin, "<stdin>")
            else:
                yield {"text": sys.stdin.read()}
            continue
        path = Path(name)
        if not path.is_file():
            raise FileNotFoundError(f"input file {path} does not exist")
        if path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as handle:
                yield from _jsonl_records(handle, str(path))
        else:
            yield {"id": path.name, "text": path.read_text(encoding="utf-8")}


def _count_documents(inputs: list[str]) -> int | None:
    """For the progress bar; None when standard input is read (it cannot be counted ahead)."""
    if "-" in inputs:
        return None
    total = 0
    for name in inputs:
        if name.endswith(".jsonl") and Path(name).is_file():
            with open(name, encoding="utf-8") as handle:
                total += sum(1 for line in handle if line.strip())
        else:
            total += 1
    return total


def _jsonl_records(lines, source: str) -> Iterator[dict]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{source}:{number}: malformed JSON: {err.msg}") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ValueError(f"{source}:{number}: text: each line needs a string 'text' field")
        yield record


def format_document(doc, title: str = "") -> str:
    """A readable listing of a Document's spans and relations."""
    lines = [f"== {title}"] if title else []
    for span in doc.spans:
        extra = " ".join(f"{k}={v}" for k, v in span.attrs.items())
        lines.append(
            f"{span.label:<9} {_shorten(span.text):<48} [{span.start}:{span.end}]"
            f"{'' if span.score is None else f' {span.score:.2f}'} {extra}".rstrip()
        )
    for rel in doc.relations:
        lines.append(
            f"{rel.label:<11} {_shorten(rel.head.text, 40)!r} -> {rel.tail.text!r}"
            f"{'' if rel.score is None else f' {rel.score:.2f}'}"
        )
    return "\n".join(lines) + "\n"


def _shorten(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


# --- train -------------------------------------------------------------------------------------


def _configure_train(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="a YAML recipe, e.g. configs/default.yaml")
    parser.add_argument("--output-dir", default=None, help="replaces training.output_dir")
    parser.add_argument(
        "--data-dir", default=None, help="the folder the recipe's corpus paths are relative to"
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="section.key=value",
        help="e.g. training.epochs=3 model.use_casing=true",
    )


@register_command("train", "train or fine-tune a model from a YAML recipe", _configure_train)
def _run_train(args: argparse.Namespace) -> int:
    from newsie.training import load_recipe, train

    recipe = load_recipe(
        args.config, args.overrides, data_dir=args.data_dir, output_dir=args.output_dir
    )
    run = train(recipe)
    print(f"saved model to {run.model_dir}")
    print(json.dumps({k: round(v, 4) for k, v in run.metrics.items()}, indent=2))
    return 0


# --- evaluate ----------------------------------------------------------------------------------


def _configure_evaluate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="a model folder (the system scored unless --compare)")
    parser.add_argument("--data", nargs="+", required=True, help="gold JSON-lines corpora")
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


@register_command(
    "evaluate", "score a model (or several systems) on a gold corpus", _configure_evaluate
)
def _run_evaluate(args: argparse.Namespace) -> int:
    from newsie.corpus import read_corpora
    from newsie.evaluation import (
        error_analysis,
        evaluate,
        format_error_analysis,
        format_report,
        seqeval_report,
    )
    from newsie.systems import compare_systems, parse_system_spec, run_system

    gold = read_corpora(args.data)
    if args.compare:
        systems = ([f"newsie:{args.model}"] if args.model else []) + args.compare
        print(compare_systems(gold, systems, batch_size=args.batch_size, errors=args.errors))
        return 0
    if not args.model:
        raise ValueError("give --model PATH, or --compare SYSTEM ...")
    predicted = run_system(parse_system_spec(f"newsie:{args.model}"), gold, args.batch_size)
    print(format_report(evaluate(gold, predicted)))
    print("\nseqeval (token level, one BIO sequence per type):")
    print(seqeval_report(gold, predicted))
    if args.errors:
        print(format_error_analysis(error_analysis(gold, predicted, top=args.errors)))
    return 0


# --- entry point -------------------------------------------------------------------------------


register_command(
    "convert",
    "convert re3d, GUM, BRAT, CoNLL, doccano or Label Studio corpora to newsie JSON lines",
    configure_convert_parser,
)(run_convert)
register_command(
    "corpus stats", "documents, spans and relations per type of corpora", configure_stats_parser
)(run_stats)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsie", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}  # "corpus stats" -> group "corpus"
    for command in COMMANDS.values():
        *group, leaf = command.name.split()
        target = commands
        if group:
            if group[0] not in groups:
                groups[group[0]] = commands.add_parser(
                    group[0], help=f"{group[0]} tools"
                ).add_subparsers(dest=f"{group[0]}_command", required=True, metavar="COMMAND")
            target = groups[group[0]]
        sub = target.add_parser(leaf, help=command.help)
        command.configure(sub)
        sub.set_defaults(handler=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "extract":  # stdout is the output: keep stderr for our own progress bar
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    try:
        return args.handler(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"newsie {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

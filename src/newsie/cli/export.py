"""`newsie export`: documents out to an annotation tool, for people to correct (`newsie.exporters`).

newsie export --to labelstudio --model models/newsie-default article.txt news.jsonl -o review/
newsie export --to labelstudio --predictions predictions.jsonl -o review/
newsie export --to brat --predictions corpus/newsie-news/dev.jsonl -o brat-dev/

With --model, FILE... are texts: a .jsonl file holds newsie JSON lines (a 'text' field a line,
its 'id' kept), any other file is one document named after the file; newsie extracts their spans
and exports those. With --predictions, the documents of a newsie JSON-lines file (what
`newsie extract` writes, or a corpus) are exported as they are. What annotators correct comes
back with `newsie convert --from FORMAT DIR`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from pathlib import Path

from newsie.cli.command import CORPUS_ERRORS, Command
from newsie.corpus import iter_jsonl, read_jsonl
from newsie.data import Document
from newsie.exporters import EXPORTERS, ExportOptions, export

logger = logging.getLogger(__name__)


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", required=True, choices=EXPORTERS.names(), help="the tool's format")
    parser.add_argument("inputs", nargs="*", type=Path, metavar="FILE",
                        help="with --model: .txt (one document) or .jsonl (a 'text' field a line)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="a model folder saved by newsie: extract FILE... with it")
    source.add_argument("--predictions", type=Path, metavar="P.jsonl",
                        help="export these newsie JSON-lines documents as they are")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="DIR",
                        help="the folder to write (made if missing)")
    parser.add_argument("--device", default="auto", help="with --model: auto, cpu, cuda or cuda:N")


def run_export(args: argparse.Namespace) -> int:
    """Read or extract the documents, write them in the tool's format, say what was written."""
    if args.predictions is not None:
        if args.inputs:
            raise ValueError("give FILE... with --model (to extract them), or --predictions alone")
        documents, source = read_jsonl(args.predictions), args.predictions.name
    else:
        if not args.inputs:
            raise ValueError("--model needs the FILE... to extract")
        documents, source = _extract(args.model, args.inputs, args.device), Path(args.model).name
    written = export(args.to, documents, args.output, ExportOptions(source=source))
    logger.info("exported %d documents to %s (%d files)", len(documents), args.output,
                len(written))
    return 0


def _extract(model: str, paths: list[Path], device: str) -> list[Document]:
    from transformers.utils import logging as transformers_logging

    from newsie.extractor import Extractor

    transformers_logging.disable_progress_bar()  # standard error is for newsie's messages
    inputs = list(_input_documents(paths))  # read all first: a bad file fails before the model
    with Extractor.from_pretrained(model, device=device) as extractor:
        predicted = list(extractor.pipe(doc.text for doc in inputs))
    for given, doc in zip(inputs, predicted, strict=True):
        doc.id = given.id
    return predicted


def _input_documents(paths: list[Path]) -> Iterator[Document]:
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"input file {path} does not exist")
        if path.suffix == ".jsonl":
            yield from iter_jsonl(path)
        else:
            yield Document(text=path.read_text(encoding="utf-8"), id=path.name)


COMMAND = Command(
    "export",
    "export documents (extracted, or from JSON lines) to Label Studio, doccano or brat",
    configure_export,
    run_export,
    errors=CORPUS_ERRORS,
    error_status=1,
)

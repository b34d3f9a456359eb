"""Pseudo-label real news nobody annotated: a model's confident predictions as silver training data.

    python scripts/pseudo_label.py --model models/newsie-default --source wcep --limit 1500 \
        -o corpus/realnews/silver/wcep-silver.standoff.jsonl

Draws `--limit` items of a dataset of the data folder (`wikinews` or `wcep`) at random, leaving
out every item of `corpus/realnews/selection.jsonl` (the annotated ones, test split included),
extracts with the model, and keeps the documents whose every span scored at least `--min-score`:
one unsure span would teach its error, and a document without it would teach that the span is
not there. The output is a stand-off file (no text; see `newsie.standoff`), usable in a recipe's
`data.train` like a gold one. docs/evaluation.md says what it did to the default model.
"""

from __future__ import annotations

import argparse
import logging
import random
from pathlib import Path

from newsie.corpus import json_objects
from newsie.extractor import Extractor
from newsie.standoff import (
    TEXT_SOURCES,
    resolve_data_dir,
    source_texts,
    standoff_record,
    write_standoff,
)

SELECTION = Path("corpus/realnews/selection.jsonl")

logger = logging.getLogger("newsie.pseudo_label")


def unannotated_ids(texts: dict[str, str], source: str, selection: Path) -> list[str]:
    """The dataset's ids that the real-news corpus has not selected, in a fixed order."""
    with selection.open(encoding="utf-8") as handle:
        rows = [row for _, row in json_objects(handle, str(selection))]
    taken = {row["id"] for row in rows if row["source"] == source}
    return sorted(set(texts) - taken)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    top.add_argument("--model", required=True, help="the model folder that labels")
    top.add_argument("--source", required=True, choices=sorted(TEXT_SOURCES.names()))
    top.add_argument("--limit", type=int, default=1000, help="items drawn (default 1000)")
    top.add_argument("--min-score", type=float, default=0.9,
                     help="a document is kept when every span scored at least this (default 0.9)")
    top.add_argument("--seed", type=int, default=13, help="the draw's seed")
    top.add_argument("--data-dir", default=None, help="the data folder (default: "
                     "$NEWSIE_DATA_DIR, else ../shared/data beside the repository)")
    top.add_argument("--selection", type=Path, default=SELECTION,
                     help="the items to leave out (default: the real-news corpus's selection)")
    top.add_argument("-o", "--output", type=Path, required=True, help="the stand-off file")
    return top


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parser().parse_args()
    texts = source_texts(resolve_data_dir(args.data_dir), args.source)
    candidates = unannotated_ids(texts, args.source, args.selection)
    drawn = random.Random(args.seed).sample(candidates, min(args.limit, len(candidates)))
    logger.info("%s: %d of %d unannotated items drawn", args.source, len(drawn), len(candidates))
    extractor = Extractor.from_pretrained(args.model)
    records = []
    for item_id, document in zip(drawn, extractor.pipe([texts[i] for i in drawn]), strict=True):
        if all(span.score is not None and span.score >= args.min_score for span in document.spans):
            document.id = item_id
            document.meta["silver"] = str(args.model)
            records.append(standoff_record(document, args.source))
    written = write_standoff(records, args.output)
    logger.info("%s: %d documents kept (every span scored >= %s)", args.output, written,
                args.min_score)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

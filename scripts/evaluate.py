"""Compare systems on annotated corpora: one markdown table, a row per system.

    python scripts/evaluate.py --data dev.jsonl --systems newsie:MODEL spacy:en_core_web_md rules
    python scripts/evaluate.py --data dev.jsonl --systems rules --errors 10 --output table.md

Cells show strict and relaxed F1 per span type, relation micro F1 and CASUALTY count accuracy;
an em dash marks what a system cannot produce. The logic is `newsie.systems.compare_systems`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from newsie.corpus import read_corpora
from newsie.systems import SYSTEMS, compare_systems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True,
                        help="gold corpus files (JSON lines)")
    parser.add_argument("--systems", nargs="+", required=True,
                        help=f"system specs, NAME or NAME:ARGUMENT; names: {sorted(SYSTEMS)}")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    parser.add_argument("--errors", type=int, default=0, metavar="N",
                        help="list the N most frequent errors per type of the first system")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="one batch size for every system (default: each system's own)",
    )
    args = parser.parse_args()

    gold = read_corpora(args.data)
    table = compare_systems(gold, args.systems, batch_size=args.batch_size, errors=args.errors)
    print(table)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

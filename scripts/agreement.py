"""Inter-annotator agreement between two annotators' corpus files (stand-off or JSON lines).

    python scripts/agreement.py --first corpus/realnews/batches/*.standoff.jsonl \
        --second corpus/realnews/double/*.standoff.jsonl [--data-dir ../shared/data]

Documents are paired by id. Prints span F1 per type (strict and relaxed matching, as the scorer
matches), relation F1 per label and how many paired documents agree on `doc_counts`
(`newsie.evaluation.agreement`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from newsie.corpus import read_corpora
from newsie.evaluation.agreement import agreement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=Path, nargs="+", required=True,
                        help="the first annotator's corpus files")
    parser.add_argument("--second", type=Path, nargs="+", required=True,
                        help="the second annotator's corpus files")
    parser.add_argument("--data-dir", default=None, help="the data folder (default: "
                        "$NEWSIE_DATA_DIR, else ../shared/data beside the repository)")
    args = parser.parse_args()
    first = read_corpora(args.first, data_dir=args.data_dir)
    second = read_corpora(args.second, data_dir=args.data_dir)
    print(agreement(first, second).format())


if __name__ == "__main__":
    main()

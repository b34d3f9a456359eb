"""Compile the hand-written corpus sources (corpus/sources/*.yaml) into train/dev/test JSON lines.

python scripts/build_corpus.py            # writes corpus/newsie-news/{train,dev,test}.jsonl
python scripts/build_corpus.py --check    # only compiles and validates, writes nothing
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from newsie.corpus import write_jsonl
from newsie.markup import compile_source, split_documents

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=ROOT / "corpus" / "sources")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "newsie-news")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--check", action="store_true", help="validate only; write nothing")
    args = parser.parse_args()

    documents = []
    for path in sorted(args.sources.glob("*.yaml")):
        docs = compile_source(path)
        print(f"{path.name}: {len(docs)} documents")
        documents += docs
    ids = Counter(doc.id for doc in documents)
    repeated = [doc_id for doc_id, n in ids.items() if n > 1]
    if repeated:
        raise SystemExit(f"document ids used more than once: {repeated}")
    spans = Counter(s.label for d in documents for s in d.spans)
    relations = Counter(r.label for d in documents for r in d.relations)
    print(f"total: {len(documents)} documents, spans {dict(spans)}, relations {dict(relations)}")
    if args.check:
        return
    for split, docs in split_documents(documents, seed=args.seed).items():
        n = write_jsonl(sorted(docs, key=lambda d: d.id), args.out / f"{split}.jsonl")
        print(f"wrote {n} documents to {args.out / f'{split}.jsonl'}")


if __name__ == "__main__":
    main()

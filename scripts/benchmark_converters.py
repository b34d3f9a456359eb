"""Conversion speed of the corpus converters on one large generated document per format.

    python scripts/benchmark_converters.py                  # 10 MB of CoNLL, 10 MB of brat text
    python scripts/benchmark_converters.py --mb 2 --formats conll

Each format gets one document of about --mb megabytes (CoNLL: the whole file, one document
without -DOCSTART-; brat: the .txt, the .ann beside it adds its own size), with an annotated span
every few words, nested and coordinated spans among them, and relations in brat. It prints the
seconds `newsie.converters.convert` took (reading, label mapping, overlap resolution and the
corpus check of every document) and the input's megabytes per second. A converter whose time
grows with the square of the document (issue 18: 8 min 41 s for 7.8 MB of CoNLL) shows here.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from newsie.converters import convert

WORDS = ["the", "rebels", "shelled", "a", "town", "near", "river", "on", "Monday", "said", "and",
         "police", "officials", "were", "killed", "in", "fighting", "north", "of", "capital"]
NAMES = ["Omar", "Haddad", "Amina", "Bello", "Homs", "Abuja", "Lagos", "Kyiv", "Sergei", "Lavrov"]
LABELS = {"PER": "ACTOR", "LOC": "LOCATION", "SaidBy": "SPEAKER", "QUO": "QUOTE"}


def conll_file(folder: Path, size: int, rng: random.Random) -> Path:
    """One CoNLL document of about `size` bytes: sentences of 20 tokens, names tagged."""
    lines, written = [], 0
    while written < size:
        for _ in range(20):
            if rng.random() < 0.25:
                label = rng.choice(["PER", "LOC"])
                tokens = [f"{rng.choice(NAMES)} {'I' if k else 'B'}-{label}"
                          for k in range(rng.randint(1, 3))]
            else:
                tokens = [f"{rng.choice(WORDS)} O"]
            lines += tokens
            written += sum(len(t) + 1 for t in tokens)
        lines.append("")
    path = folder / "big.conll"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def brat_pair(folder: Path, size: int, rng: random.Random) -> Path:
    """One brat document of about `size` bytes, text and annotations together: names (some
    coordinated, some nested in a longer mention) and quotes with a speaker relation."""
    pieces: list[str] = []
    ann: list[str] = []
    position = written = 0  # characters of text; of text and annotations (ASCII: bytes too)

    def annotate(line: str) -> None:
        nonlocal written
        ann.append(line)
        written += len(line) + 1

    def add(piece: str, label: str | None = None) -> tuple[int, int]:
        nonlocal position, written
        start = position
        pieces.append(piece + " ")
        position += len(piece) + 1
        written += len(piece) + 1
        if label:
            annotate(f"T{len(ann) + 1}\t{label} {start} {start + len(piece)}\t{piece}")
        return start, start + len(piece)

    while written < size:
        roll = rng.random()
        if roll < 0.1:  # a coordination: "Omar Haddad and Amina Bello", and each name
            first, second = f"{rng.choice(NAMES)} {rng.choice(NAMES)}", rng.choice(NAMES)
            start, _ = add(first, "PER")
            add("and")
            _, end = add(second, "PER")
            annotate(f"T{len(ann) + 1}\tPER {start} {end}\t{first} and {second}")
        elif roll < 0.15:  # a quote and its speaker
            quote = " ".join(rng.choice(WORDS) for _ in range(6))
            quote_id = f"T{len(ann) + 1}"
            add(quote, "QUO")
            add("said")
            add(rng.choice(NAMES), "PER")
            annotate(f"R{len(ann) + 1}\tSaidBy Arg1:{quote_id} Arg2:T{len(ann)}")
        elif roll < 0.3:
            add(rng.choice(NAMES), rng.choice(["PER", "LOC"]))
        else:
            add(rng.choice(WORDS))
    (folder / "big.txt").write_text("".join(pieces), encoding="utf-8", newline="")
    (folder / "big.ann").write_text("\n".join(ann) + "\n", encoding="utf-8", newline="")
    return folder / "big.ann"


def run(name: str, paths: list[Path], megabytes: float) -> None:
    started = time.perf_counter()
    result = convert(name, paths, LABELS)
    seconds = time.perf_counter() - started
    spans = sum(len(d.spans) for d in result.documents)
    print(f"{name:6s} {megabytes:6.1f} MB  {seconds:7.2f} s  {megabytes / seconds:6.2f} MB/s  "
          f"{spans} spans, skipped {sum(result.report.skipped.values())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="megabytes per document")
    parser.add_argument("--formats", nargs="+", default=["conll", "brat"],
                        choices=["conll", "brat"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "conll" in args.formats:
            path = conll_file(folder, size, random.Random(args.seed))
            run("conll", [path], path.stat().st_size / 1e6)
        if "brat" in args.formats:
            brat = folder / "brat"
            brat.mkdir()
            ann = brat_pair(brat, size, random.Random(args.seed))
            run("brat", [ann], (ann.stat().st_size + ann.with_suffix(".txt").stat().st_size) / 1e6)


if __name__ == "__main__":
    main()

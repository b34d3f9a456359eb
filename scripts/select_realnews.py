"""Choose the documents of newsie-wikinews and the WCEP set to annotate: fixed, seeded, documented.

    python scripts/select_realnews.py [--data-dir DIR] [--output corpus/realnews/selection.jsonl]

Wikinews (`wikinews/`): 480 articles of 150-700 words (annotation stays feasible), no "Wikinews
Shorts" digests. Each article is tagged `casualties` (a count phrase the rules read as killed or
injured, `newsie.text.casualty`) and `quotes` (a quotation of 3 words or more). 200 are drawn from
the casualty articles, 200 from the quoting ones without casualties, 80 from the rest; within each
pool, round-robin over (year, category) strata, so every year and both categories are present.
Splits by article, per pool in the same proportions: 100 test, 60 dev, 320 train.

WCEP (`wcep/`): 1,200 items of 15 words or more (no "Recent deaths" lists), 900 with casualties and
300 quoting or other, round-robin over years; splits 240 test, 120 dev, 840 train.

Batches (the unit an annotator takes): 20 articles or 60 WCEP items, in drawing order; in every
batch each 10th document (2 of 20, 6 of 60) is `double`: a second annotator annotates it
independently. Only ids, hashes and these tags are written, never text.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

from newsie.standoff import TEXT_SOURCES, resolve_data_dir, text_sha256
from newsie.text.casualty import casualty_attributes, casualty_phrases
from newsie.text.quotes import quotation_regions

SEED = "newsie-realnews-1"
WIKINEWS = {"words": (150, 700), "pools": {"casualties": 200, "quotes": 200, "other": 80},
            "splits": {"test": 100, "dev": 60, "train": 320}, "batch": 20}
WCEP = {"words": (15, 10_000), "pools": {"casualties": 900, "quotes": 150, "other": 150},
        "splits": {"test": 240, "dev": 120, "train": 840}, "batch": 60}
DOUBLE_EVERY = 10
WORD = re.compile(r"\S+")


def seeded_key(item_id: str) -> str:
    return hashlib.sha256(f"{SEED}:{item_id}".encode()).hexdigest()


def read_items(data_dir: Path, source: str) -> list[dict]:
    with gzip.open(data_dir / TEXT_SOURCES[source].path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def describe(item: dict, source: str) -> dict:
    text = item["text"]
    casualties = any(
        casualty_attributes(text, s, e)["status"] != "unknown" for s, e in casualty_phrases(text)
    )
    quotes = any(len(WORD.findall(text[s:e])) >= 3 for s, e in quotation_regions(text))
    return {
        "source": source, "id": item["id"], "sha256": text_sha256(text),
        "words": len(WORD.findall(text)), "year": (item.get("date") or "????")[:4],
        "category": item.get("wikinews_category") or item.get("category"),
        "casualties": casualties, "quotes": quotes,
        "pool": "casualties" if casualties else "quotes" if quotes else "other",
    }


def round_robin(rows: list[dict], count: int) -> list[dict]:
    """`count` rows, taken in turn from each (year, category) stratum in seeded order."""
    strata: dict[tuple, list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: seeded_key(r["id"])):
        strata[(row["year"], row["category"] or "")].append(row)
    queues = [strata[key] for key in sorted(strata)]
    chosen: list[dict] = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} documents for a pool of {count}")
    return chosen


def select(rows: list[dict], plan: dict, source: str) -> list[dict]:
    low, high = plan["words"]
    eligible = [r for r in rows if low <= r["words"] <= high]
    total = sum(plan["pools"].values())
    selected = []
    for pool, count in plan["pools"].items():
        chosen = round_robin([r for r in eligible if r["pool"] == pool], count)
        # Splits per pool, in the plan's proportions, so each split has the same mix.
        bounds, at = [], 0
        for split, size in plan["splits"].items():
            at += size * count // total
            bounds.append((at, split))
        for k, row in enumerate(sorted(chosen, key=lambda r: seeded_key("split:" + r["id"]))):
            row["split"] = next((s for b, s in bounds if k < b), "train")
            selected.append(row)
    selected.sort(key=lambda r: seeded_key("order:" + r["id"]))
    for k, row in enumerate(selected):
        row["batch"] = f"{source}-{k // plan['batch'] + 1:02d}"
        row["double"] = k % DOUBLE_EVERY == DOUBLE_EVERY - 1
        del row["pool"]
    return selected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="the data folder (default: "
                        "$NEWSIE_DATA_DIR, else ../shared/data beside the repository)")
    parser.add_argument("--output", type=Path, default=Path("corpus/realnews/selection.jsonl"))
    args = parser.parse_args()
    data_dir = resolve_data_dir(args.data_dir)
    rows = []
    for source, plan in (("wikinews", WIKINEWS), ("wcep", WCEP)):
        items = read_items(data_dir, source)
        if source == "wikinews":
            items = [i for i in items if not i["title"].startswith("Wikinews Shorts")]
        else:
            items = [i for i in items if not i["text"].startswith("Recent ")]
        rows += select([describe(item, source) for item in items], plan, source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} documents to {args.output}")


if __name__ == "__main__":
    main()

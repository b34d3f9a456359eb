"""Check a built corpus's v2 invariants straight from its JSON lines, without newsie's reader.

python scripts/check_corpus.py corpus/newsie-news/*.jsonl

For every document: each span's text is text[start:end]; doc_counts equal the sums over
casualty_events; each CASUALTY is in at most one event; each ACTOR span is in exactly one actor
cluster, whose other mentions are pronouns. Prints the totals; exits 1 naming each fault.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from newsie.text.lexicon import PRONOUNS

STATUSES = ("killed", "injured")


def document_faults(doc: dict) -> list[str]:
    """What breaks the v2 invariants in one document's JSON form."""
    text, faults = doc["text"], []
    spans = {span["id"]: span for span in doc["spans"]}
    for span in doc["spans"]:
        if text[span["start"] : span["end"]] != span["text"]:
            faults.append(f"span {span['id']} {span['text']!r} != text[{span['start']}:"
                          f"{span['end']}] {text[span['start']:span['end']]!r}")
    events = doc.get("casualty_events", [])
    for status in STATUSES:
        summed = sum(event[status] for event in events)
        if doc["doc_counts"][status] != summed:
            faults.append(f"doc_counts {status} {doc['doc_counts'][status]} != events {summed}")
    in_events = Counter(m for event in events for m in event["mentions"])
    faults += [f"CASUALTY {m} in {n} events" for m, n in in_events.items() if n > 1]
    faults += [f"event mention {m} is not a CASUALTY" for m in in_events
               if spans.get(m, {}).get("label") != "CASUALTY"]
    clustered: Counter[str] = Counter()
    for cluster in doc.get("actors", []):
        for mention in cluster["mentions"]:
            if isinstance(mention, str):
                clustered[mention] += 1
            elif text[mention["start"] : mention["end"]].lower() not in PRONOUNS:
                faults.append(f"cluster {cluster['name']!r} holds a non-pronoun {mention}")
    actors = [s["id"] for s in doc["spans"] if s["label"] == "ACTOR"]
    faults += [f"ACTOR {a} in {clustered[a]} clusters" for a in actors if clustered[a] != 1]
    return faults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args()
    totals: Counter[str] = Counter()
    failed = False
    for path in args.paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            doc = json.loads(line)
            for fault in document_faults(doc):
                failed = True
                print(f"{path}:{number}: {doc.get('id')}: {fault}", file=sys.stderr)
            totals["documents"] += 1
            totals["spans"] += len(doc["spans"])
            totals["events"] += len(doc.get("casualty_events", []))
            totals["clusters"] += len(doc.get("actors", []))
            totals["pronoun mentions"] += sum(isinstance(m, dict) for c in doc.get("actors", [])
                                              for m in c["mentions"])
            for status in STATUSES:
                totals[status] += doc["doc_counts"][status]
    print(", ".join(f"{key} {value}" for key, value in totals.items()))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""Compile the hand-written corpus sources (corpus/sources/*.yaml) into train/dev/test JSON lines.

python scripts/build_corpus.py            # writes corpus/newsie-news/{train,dev,test}.jsonl
python scripts/build_corpus.py --check    # only compiles and validates, writes nothing

Besides `text` and `relations` (see `newsie.markup`), a source document states its document-level
annotation (schema v2, docs/annotation-guidelines.md "Document level") by span id:

    events:                  # CASUALTY mentions of the same victims, one event a line
      - c1 c3                # (repeats and subsets); a CASUALTY listed nowhere is an event alone
      - c5 c6 killed=1 injured=1   # counts stated where the mentions' own would be wrong
    aggregates: c4           # CASUALTY mentions that sum a conflict or period: in no event
    actors:                  # ACTOR mentions of one actor, one cluster a line; an ACTOR listed
      - a2 a5 he>q1          # nowhere is a cluster alone; `he>q1` is the first word "he" after
                             # span q1 (`she<q2`: the last "she" before q2), a pronoun mention
    doc_counts: {killed: 9, injured: 14}

`doc_counts` is required and must equal the sums over the events (each event counts its most
inclusive mention with a count, by status): the two are written independently so that each checks
the other. Events take their PLACE and PERPETRATOR from the relations of their mentions.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from newsie.corpus import write_jsonl
from newsie.data import CorpusError, Document
from newsie.markup import compile_source, split_documents
from newsie.text.lexicon import PRONOUNS

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_LEVEL_KEYS = ("events", "aggregates", "actors", "doc_counts")
STATUSES = ("killed", "injured")
_PRONOUN_REF = re.compile(r"([A-Za-z']+)([<>])([A-Za-z0-9_-]+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=ROOT / "corpus" / "sources")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "newsie-news")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--check", action="store_true", help="validate only; write nothing")
    args = parser.parse_args()

    try:
        paths = sorted(args.sources.glob("*.yaml"))
        documents = [doc for path in paths for doc in compile_file(path)]
    except CorpusError as err:
        raise SystemExit(f"error: {err}") from None
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


def compile_file(path: Path) -> list[Document]:
    """One source file's documents with their document-level fields (schema v2)."""
    documents = compile_source(path)
    entries = _document_level_entries(path)
    compiled = []
    for doc in documents:
        line, entry = entries[doc.id]
        data = doc.to_dict()
        data.update(document_level(entry, data, str(path), line))
        compiled.append(Document.from_dict(data, source=str(path), line=line))
    print(f"{path.name}: {len(compiled)} documents")
    return compiled


def _document_level_entries(path: Path) -> dict[str, tuple[int, dict[str, Any]]]:
    """Each document's line and document-level keys, by document id."""
    source = path.read_text(encoding="utf-8")
    nodes = yaml.compose(source).value  # compile_source has checked that it is a list
    return {str(entry["id"]): (node.start_mark.line + 1, entry)
            for node, entry in zip(nodes, yaml.safe_load(source), strict=True)}


def document_level(
    entry: dict[str, Any], data: dict[str, Any], source: str, line: int
) -> dict[str, Any]:
    """The JSON fields `casualty_events`, `doc_counts` and `actors` of one source document, whose
    compiled JSON form (`data`: text, spans, relations) they refer to."""

    def fail(message: str, field: str | None) -> CorpusError:
        return CorpusError(message, source=source, line=line, field=field)

    unknown = set(entry) - set(DOCUMENT_LEVEL_KEYS) - {"id", "text", "relations", "topic",
                                                       "style", "annotated"}
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}; known: {list(DOCUMENT_LEVEL_KEYS)}", None)
    spans = {span["id"]: span for span in data["spans"]}
    events = _events(entry, spans, data["relations"], fail)
    declared = entry.get("doc_counts")
    if not isinstance(declared, dict) or sorted(declared) != sorted(STATUSES):
        raise fail(f"must be {{killed: K, injured: I}}, got {declared!r}", "doc_counts")
    for status in STATUSES:
        summed = sum(event[status] for event in events)
        if declared[status] != summed:
            raise fail(f"{status} is {declared[status]} but the events sum to {summed}",
                       "doc_counts")
    return {
        "doc_counts": {status: declared[status] for status in STATUSES},
        "casualty_events": events,
        "actors": _actors(entry, spans, data["text"], fail),
    }


def _id_lists(raw: Any, field: str, fail) -> list[list[str]]:
    """`raw` as lists of ids: a list of strings of space-separated ids, or one such string."""
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise fail(f"must be a list of strings of ids, got {raw!r}", field)
    return [item.split() for item in items]


def _claim(ids: list[str], field: str, label: str, spans: dict, owner: dict, fail) -> None:
    """Check that each id names a `label` span not already in a group; record it in `owner`."""
    for span_id in ids:
        if span_id not in spans or spans[span_id]["label"] != label:
            raise fail(f"{span_id!r} is not the id of a {label} span", field)
        if span_id in owner:
            raise fail(f"{span_id!r} is already in {owner[span_id]}", field)
        owner[span_id] = field


def _events(entry: dict, spans: dict, relations: list[dict], fail) -> list[dict[str, Any]]:
    owner: dict[str, str] = {}
    for ids in _id_lists(entry.get("aggregates"), "aggregates", fail):
        _claim(ids, "aggregates", "CASUALTY", spans, owner, fail)
    groups = []
    for k, tokens in enumerate(_id_lists(entry.get("events"), "events", fail)):
        ids = [token for token in tokens if "=" not in token]
        _claim(ids, f"events[{k}]", "CASUALTY", spans, owner, fail)
        groups.append((ids, _overrides(tokens, f"events[{k}]", fail)))
    groups += [([span_id], {}) for span_id, span in spans.items()
               if span["label"] == "CASUALTY" and span_id not in owner]
    tails = {(rel["label"], rel["head"]): rel["tail"] for rel in relations}
    events = []
    for ids, overrides in sorted(groups, key=lambda g: min(spans[i]["start"] for i in g[0])):
        attrs = [spans[i].get("attrs", {}) for i in ids]
        event: dict[str, Any] = {"mentions": sorted(ids, key=lambda i: spans[i]["start"])}
        for status in STATUSES:
            counts = [a["count"] for a in attrs if a.get("status") == status and a.get("count")]
            event[status] = overrides.get(status, max(counts, default=0))
        widest = sorted(ids, key=lambda i: -(spans[i].get("attrs", {}).get("count") or 0))
        for relation, key in (("PLACE", "place"), ("PERPETRATOR", "perpetrator")):
            event[key] = next((tails[relation, i] for i in widest if (relation, i) in tails),
                              None)
        events.append(event)
    return events


def _overrides(tokens: list[str], field: str, fail) -> dict[str, int]:
    """`killed=N` / `injured=N` in an event line: its counts where the most inclusive mention
    does not give them ("two teenagers were stabbed ... one of the boys died": killed 1,
    injured 1, where the mentions alone would say injured 2)."""
    overrides = {}
    for token in (t for t in tokens if "=" in t):
        status, _, value = token.partition("=")
        if status not in STATUSES or not value.isdigit():
            raise fail(f"{token!r} is not killed=N or injured=N", field)
        overrides[status] = int(value)
    return overrides


def _actors(entry: dict, spans: dict, text: str, fail) -> list[dict[str, Any]]:
    owner: dict[str, str] = {}
    clusters = []
    for k, refs in enumerate(_id_lists(entry.get("actors"), "actors", fail)):
        field = f"actors[{k}]"
        pronouns = [ref for ref in refs if _PRONOUN_REF.fullmatch(ref)]
        ids = [ref for ref in refs if ref not in pronouns]
        _claim(ids, field, "ACTOR", spans, owner, fail)
        if not ids:
            raise fail("a cluster needs at least one ACTOR span", field)
        clusters.append([spans[i] for i in ids] + [_pronoun(p, spans, text, field, fail)
                                                   for p in pronouns])
    clusters += [[span] for span_id, span in spans.items()
                 if span["label"] == "ACTOR" and span_id not in owner]
    clusters.sort(key=lambda mentions: min(m["start"] for m in mentions))
    return [{"name": _canonical_name(mentions, text),
             "mentions": [m.get("id") or {"start": m["start"], "end": m["end"]}
                          for m in sorted(mentions, key=lambda m: m["start"])]}
            for mentions in clusters]


def _pronoun(ref: str, spans: dict, text: str, field: str, fail) -> dict[str, Any]:
    """The offsets of `word>span` (first `word` after the span) or `word<span` (last before)."""
    word, direction, span_id = _PRONOUN_REF.fullmatch(ref).groups()
    if word.lower() not in PRONOUNS:
        raise fail(f"{ref!r}: {word!r} is not a pronoun", field)
    if span_id not in spans:
        raise fail(f"{ref!r}: no span has id {span_id!r}", field)
    anchor = spans[span_id]
    found = [m for m in re.finditer(rf"\b{re.escape(word)}\b", text)
             if (m.start() >= anchor["end"] if direction == ">" else m.end() <= anchor["start"])]
    if not found:
        raise fail(f"{ref!r}: no word {word!r} {'after' if direction == '>' else 'before'} "
                   f"{span_id}", field)
    match = found[0] if direction == ">" else found[-1]
    return {"start": match.start(), "end": match.end(), "text": word}


def _canonical_name(mentions: list[dict], text: str) -> str:
    """The longest named mention: one with a capitalised word that does not merely open a
    sentence; a cluster of common nouns ("gunmen", "the attackers") takes its longest."""
    spans = [m for m in mentions if "id" in m]
    named = [m for m in spans if _is_named(m, text)]
    return max(named or spans, key=lambda m: (len(m["text"]), -m["start"]))["text"]


def _is_named(span: dict, text: str) -> bool:
    words = span["text"].split()
    before = text[: span["start"]].rstrip(" \"'“‘([")
    opens_sentence = not before or before[-1] in ".!?:\n"
    return any(w[:1].isupper() for w in words[1:]) or (words[0][:1].isupper()
                                                      and not opens_sentence)


if __name__ == "__main__":
    main()

"""Inline markup for writing annotated documents by hand, compiled to `Document`s.

A source file is YAML: a list of documents, each with an `id`, a `text` written in markup, and
optional `relations`, `topic`, `style` and `annotated`:

    - id: conflict-001
      topic: armed-conflict
      style: wire
      text: |
        [Rebels]{a1:ACTOR} shelled [Homs]{l1:LOCATION}, killing
        [at least 12 people]{c1:CASUALTY count=12 qualifier=at_least status=killed}.
        "[We will not stop]{q1:QUOTE}," said [Ahmed Saleh]{a2:ACTOR}.
      relations:
        - SPEAKER q1 a2
        - PLACE c1 l1
        - PERPETRATOR c1 a1

`[words]{id:LABEL key=value ...}` marks a span; spans nest:
`"[We will go to [Moscow]{l2:LOCATION}]{q1:QUOTE}"`.
A literal `[`, `]`, `{`, `}` or backslash in the text is written with a backslash before it.
Attribute values are integers, `null`, or bare words. Offsets are computed, never typed.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from newsie.data import CorpusError, Document
from newsie.schema import DEFAULT_SCHEMA, LabelSchema

_HEADER = re.compile(r"([A-Za-z0-9_-]+):([A-Z_]+)((?:\s+[a-z_]+=[^\s}]+)*)\s*$")
_ESCAPABLE = set("[]{}\\")


def parse_markup(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and the span dicts (`id`, `label`, `start`, `end`, `attrs`)."""
    out: list[str] = []
    length = 0
    open_starts: list[int] = []
    spans: list[dict[str, Any]] = []
    i = 0
    while i < len(markup):
        char = markup[i]
        if char == "\\" and i + 1 < len(markup) and markup[i + 1] in _ESCAPABLE:
            out.append(markup[i + 1])
            length += 1
            i += 2
        elif char == "[":
            open_starts.append(length)
            i += 1
        elif char == "]":
            if not open_starts:
                raise ValueError(f"']' at markup offset {i} closes no '['")
            if not markup.startswith("]{", i):
                raise ValueError(f"']' at markup offset {i} must be followed by '{{id:LABEL}}'")
            close = markup.find("}", i)
            if close < 0:
                raise ValueError(f"span header at markup offset {i} has no closing '}}'")
            header = markup[i + 2 : close]
            match = _HEADER.match(header)
            if not match:
                raise ValueError(f"span header {{{header}}} is not 'id:LABEL key=value ...'")
            span_id, label, attr_text = match.groups()
            spans.append(
                {
                    "id": span_id,
                    "label": label,
                    "start": open_starts.pop(),
                    "end": length,
                    "attrs": _parse_attrs(attr_text),
                }
            )
            i = close + 1
        elif char in "{}":
            raise ValueError(f"unescaped {char!r} at markup offset {i}")
        else:
            out.append(char)
            length += 1
            i += 1
    if open_starts:
        raise ValueError(f"{len(open_starts)} '[' left open")
    return "".join(out), spans


def _parse_attrs(attr_text: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for pair in attr_text.split():
        key, value = pair.split("=", 1)
        attrs[key] = None if value == "null" else int(value) if value.isdigit() else value
    return attrs


class _LineLoader(yaml.SafeLoader):
    """Records the source line of every mapping so errors can point at a document."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def compile_source(path: str | Path, schema: LabelSchema = DEFAULT_SCHEMA) -> list[Document]:
    """Compile one markup source file into validated documents."""
    path = Path(path)
    entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    if not isinstance(entries, list):
        raise CorpusError("expected a YAML list of documents", source=str(path))
    documents = []
    for entry in entries:
        line = entry.pop("__line__", None) if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or "text" not in entry or "id" not in entry:
            raise CorpusError("each document needs 'id' and 'text'", source=str(path), line=line)
        try:
            text, spans = parse_markup(entry["text"].rstrip("\n"))
        except ValueError as err:
            raise CorpusError(str(err), source=str(path), line=line, field="text") from None
        relations = []
        for k, rel in enumerate(entry.get("relations") or []):
            parts = str(rel).split()
            if len(parts) != 3:
                raise CorpusError(
                    f"{rel!r} is not 'LABEL head_id tail_id'",
                    source=str(path),
                    line=line,
                    field=f"relations[{k}]",
                )
            relations.append({"label": parts[0], "head": parts[1], "tail": parts[2]})
        data = {"id": str(entry["id"]), "text": text, "spans": spans, "relations": relations}
        if "annotated" in entry:
            data["annotated"] = entry["annotated"]
        for key in ("topic", "style"):
            if key in entry:
                data[key] = entry[key]
        data["source"] = "newsie-news"
        documents.append(Document.from_dict(data, schema, source=str(path), line=line))
    return documents


def split_documents(
    documents: list[Document], seed: int = 13, fractions: tuple[float, float] = (0.15, 0.15)
) -> dict[str, list[Document]]:
    """Split into train/dev/test by a seeded shuffle within each topic, so each split has all."""
    by_topic: dict[str, list[Document]] = defaultdict(list)
    for doc in documents:
        by_topic[str(doc.meta.get("topic", ""))].append(doc)
    rng = random.Random(seed)
    splits: dict[str, list[Document]] = {"train": [], "dev": [], "test": []}
    for topic in sorted(by_topic):
        docs = sorted(by_topic[topic], key=lambda d: d.id or "")
        rng.shuffle(docs)
        n_dev = round(len(docs) * fractions[0])
        n_test = round(len(docs) * fractions[1])
        splits["dev"] += docs[:n_dev]
        splits["test"] += docs[n_dev : n_dev + n_test]
        splits["train"] += docs[n_dev + n_test :]
    return splits

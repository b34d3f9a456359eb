"""The exporter registry and what every exporter shares.

An exporter is a function `(documents, folder, options) -> written files` registered under a
format name (`newsie export --to NAME`). It writes the documents' spans and relations in the
annotation tool's format into `folder`, in a form that `newsie convert --from NAME folder` reads
back unchanged, and never changes a span on the way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsie.data import Document
from newsie.registry import Registry
from newsie.schema import DEFAULT_SCHEMA, LabelSchema


@dataclass(frozen=True)
class ExportOptions:
    """What an export may say besides the documents: the `schema` the tool's configuration is
    built from, and `source`, what made the spans (a model's name, a file's), for tools that
    record it (Label Studio's `model_version`)."""

    schema: LabelSchema = DEFAULT_SCHEMA
    source: str = "newsie"


Exporter = Callable[[Sequence[Document], Path, ExportOptions], list[Path]]

EXPORTERS: Registry[Exporter] = Registry("export format")


def register_exporter(name: str) -> Callable[[Exporter], Exporter]:
    """Register an exporter under a format name (`newsie export --to NAME`)."""
    return EXPORTERS.register(name)


def document_ids(documents: Sequence[Document]) -> list[str]:
    """Each document's id, or `doc-N` (its position from 1) where it has none; a repeated id
    raises, since the tools key their files and tasks by it."""
    ids = [doc.id if doc.id is not None else f"doc-{i}" for i, doc in enumerate(documents, 1)]
    seen: dict[str, int] = {}
    for position, doc_id in enumerate(ids, 1):
        if doc_id in seen:
            raise ValueError(f"document id {doc_id!r} is used by documents {seen[doc_id]} and "
                             f"{position}; give each document its own id")
        seen[doc_id] = position
    return ids


_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def file_stems(doc_ids: Sequence[str]) -> list[str]:
    """File names for documents, from their ids: characters other than letters, digits, '.',
    '_' and '-' become '_'. Two ids that end up with one name raise rather than overwrite."""
    stems = [_UNSAFE_IN_FILE_NAME.sub("_", doc_id).lstrip(".") or "_" for doc_id in doc_ids]
    owner: dict[str, str] = {}
    for doc_id, stem in zip(doc_ids, stems, strict=True):
        if owner.setdefault(stem, doc_id) != doc_id:
            raise ValueError(f"document ids {owner[stem]!r} and {doc_id!r} both become the file "
                             f"name {stem!r}; give the documents ids that differ in letters, "
                             "digits, '.', '_' or '-'")
    return stems

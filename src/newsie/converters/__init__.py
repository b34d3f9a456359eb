"""Adapters that turn existing corpora into newsie documents, one module per format.

    from newsie.converters import convert
    result = convert("re3d", ["../shared/data/re3d"])
    result.documents       # list[Document], each with `annotated` and meta["source"]
    result.report.skipped  # Counter: why spans, relations or rows were not converted

Formats are registered in `CONVERTERS` by `@register_converter("name")`; importing this package
imports every format module so that the registry is complete.
"""

from __future__ import annotations

from pathlib import Path

from newsie.converters import (  # noqa: F401
    brat,
    conll,
    doccano,
    ecbplus,
    gum,
    labelstudio,
    meantime,
    re3d,
)
from newsie.converters.base import (
    CONVERTERS,
    ConversionReport,
    ConversionResult,
    register_converter,
)
from newsie.converters.labels import load_label_map
from newsie.data import Document

__all__ = ["CONVERTERS", "ConversionReport", "ConversionResult", "convert", "load_label_map",
           "register_converter"]


def convert(
    format: str, paths: list[str | Path], label_map: dict[str, str] | None = None
) -> ConversionResult:
    """Convert the corpus at `paths` from `format`; `label_map` maps source labels to newsie
    types (None: the format's own mapping, or for generic formats, labels named as newsie types)."""
    converter = CONVERTERS[format]  # an unknown format: a ValueError naming the known ones
    report = ConversionReport()
    documents = converter([Path(p) for p in paths], label_map, report)
    for doc in documents:
        # Guards the corpus contract (offsets, same-type overlaps, relation ends) for every format.
        Document.from_dict(doc.to_dict(), source=f"{format} document {doc.id}")
    return ConversionResult(documents=documents, report=report)

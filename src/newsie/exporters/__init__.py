"""Documents out to the annotation tools newsie's converters read back, one module per format.

    from newsie.exporters import export
    export("labelstudio", documents, "review/")   # labeling-config.xml and tasks.json
    export("doccano", documents, "review/")       # documents.jsonl
    export("brat", documents, "review/")          # NAME.txt, NAME.ann, annotation.conf

What annotators correct comes back through `newsie.converters.convert(FORMAT, ["review/"])`
(`newsie convert --from FORMAT`). Formats are registered in `EXPORTERS` by
`@register_exporter("name")`; importing this package imports every format module.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from newsie.data import Document
from newsie.exporters import brat, doccano, labelstudio  # noqa: F401
from newsie.exporters.base import EXPORTERS, ExportOptions, register_exporter

__all__ = ["EXPORTERS", "ExportOptions", "export", "register_exporter"]


def export(
    format: str, documents: Sequence[Document], folder: str | Path,
    options: ExportOptions | None = None,
) -> list[Path]:
    """Write `documents` in `format` into `folder` (made if missing); the files written."""
    exporter = EXPORTERS[format]  # an unknown format: a ValueError naming the known ones
    return exporter(list(documents), Path(folder), options or ExportOptions())

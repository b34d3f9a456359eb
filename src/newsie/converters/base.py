"""The converter registry and what every conversion returns: documents plus a report.

A converter is a function `(paths, label_map, report) -> list[Document]` registered under a format
name. It records in `report` every span or relation it could not convert and every boundary it
changed, so that nothing is dropped or altered silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsie.data import Document
from newsie.registry import Registry


@dataclass
class ConversionReport:
    """Why spans or rows were not converted (`skipped`) and what was changed (`adjusted`)."""

    skipped: Counter[str] = field(default_factory=Counter)
    adjusted: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, count: int = 1) -> None:
        if count:
            self.skipped[reason] += count

    def adjust(self, reason: str, count: int = 1) -> None:
        self.adjusted[reason] += count

    def format(self) -> str:
        lines = [f"skipped: {sum(self.skipped.values())}"]
        lines += [f"  {n:6d}  {reason}" for reason, n in sorted(self.skipped.items())]
        lines.append(f"adjusted: {sum(self.adjusted.values())}")
        lines += [f"  {n:6d}  {reason}" for reason, n in sorted(self.adjusted.items())]
        return "\n".join(lines)


@dataclass
class ConversionResult:
    documents: list[Document]
    report: ConversionReport


Converter = Callable[[list[Path], "dict[str, str] | None", ConversionReport], list[Document]]

CONVERTERS: Registry[Converter] = Registry("corpus format")


def register_converter(name: str) -> Callable[[Converter], Converter]:
    """Register a converter under a format name (`newsie convert --from NAME`)."""
    return CONVERTERS.register(name)

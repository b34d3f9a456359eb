"""The package's layers (docs/architecture.md): no module imports one from a layer above its own,
and prediction never imports the rule baseline. Read from the source, imports inside functions
included, so a lazy import cannot hide a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Bottom to top; a module may import from its own layer and the ones below. A name matches a
# module and everything under it ("newsie.text" covers newsie.text.boundaries).
LAYERS = [
    ["newsie.registry", "newsie.schema", "newsie.allocator", "newsie.files", "newsie.text"],
    ["newsie.data", "newsie.corpus", "newsie.markup", "newsie.stats", "newsie.render",
     "newsie.tables", "newsie.document", "newsie.standoff"],
    ["newsie.rules", "newsie.converters", "newsie.exporters", "newsie.evaluation",
     "newsie.sources", "newsie.workbench"],
    ["newsie.windows", "newsie.encoders", "newsie.models", "newsie.quantization"],
    ["newsie.inference", "newsie.parallel", "newsie.extractor"],
    ["newsie.training", "newsie.systems"],
    ["newsie.cli", "newsie.benchmarks", "newsie.integrations"],
]
# Layers are not enough here: prediction sits above the corpus tools but must not lean on them.
FORBIDDEN = {
    "newsie.inference": ["newsie.rules", "newsie.converters", "newsie.exporters",
                         "newsie.evaluation", "newsie.sources"],
    "newsie.extractor": ["newsie.rules", "newsie.converters", "newsie.exporters",
                         "newsie.evaluation", "newsie.sources"],
    "newsie.parallel": ["newsie.rules", "newsie.converters", "newsie.exporters",
                        "newsie.evaluation"],
    "newsie.models": ["newsie.rules", "newsie.converters", "newsie.exporters",
                      "newsie.evaluation"],
    "newsie.windows": ["newsie.rules", "newsie.converters", "newsie.exporters",
                       "newsie.evaluation"],
    "newsie.evaluation": ["newsie.cli"],
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def owner(name: str, table) -> str | None:
    """The longest prefix of `name` in `table` (a module or a package above it)."""
    best = None
    for prefix in table:
        if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > len(best or ""):
            best = prefix
    return best


def layer_of(name: str) -> int | None:
    found = owner(name, [p for layer in LAYERS for p in layer])
    return None if found is None else next(i for i, names in enumerate(LAYERS) if found in names)


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from newsie.text import overlaps` imports a module: count the submodule
            names |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
    return {n for n in names if n.startswith("newsie.")}


MODULES = sorted(p for p in (SRC / "newsie").rglob("*.py") if module_name(p) != "newsie")


def test_every_module_has_a_layer():
    assert [module_name(p) for p in MODULES if layer_of(module_name(p)) is None] == []


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_import_from_a_layer_above(path):
    name = module_name(path)
    own = layer_of(name)
    upward = sorted(m for m in imported_modules(path)
                    if layer_of(m) is not None and layer_of(m) > own)
    assert upward == [], f"{name} (layer {own}) imports from above: {upward}"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_forbidden_import(path):
    name = module_name(path)
    rule = owner(name, FORBIDDEN)
    if rule is None:
        return
    bad = sorted(m for m in imported_modules(path) if owner(m, FORBIDDEN[rule]))
    assert bad == [], f"{name} must not import {bad}"


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from newsie.rules import find_quotes\n    import newsie.cli\n")
    assert imported_modules(module) == {"newsie.rules", "newsie.rules.find_quotes", "newsie.cli"}
    assert layer_of("newsie.rules.find_quotes") == layer_of("newsie.rules") < layer_of("newsie.cli")

"""Label maps: which source label becomes which newsie span or relation type.

A label map file is YAML, one `SOURCE: TARGET` pair a line:

    PER: ACTOR
    ORG: ACTOR
    LOC: LOCATION
    said-by: SPEAKER

Source labels missing from the map are skipped and counted in the conversion report. A document
annotates exactly the newsie types its label map targets.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from newsie.data import Annotated, CorpusError
from newsie.schema import DEFAULT_SCHEMA, LabelSchema


def load_label_map(path: str | Path, schema: LabelSchema = DEFAULT_SCHEMA) -> dict[str, str]:
    """Read a YAML `{SOURCE: TARGET}` map; errors name the file, line and label."""
    path = Path(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise CorpusError(f"malformed YAML: {getattr(err, 'problem', err)}", source=str(path),
                          line=mark.line + 1 if mark else None) from None
    if not isinstance(root, yaml.MappingNode):
        raise CorpusError("a label map is a YAML mapping of SOURCE: TARGET", source=str(path),
                          line=root.start_mark.line + 1 if root else None)
    label_map = {}
    for key, value in root.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or not isinstance(value, yaml.ScalarNode):
            raise CorpusError("each entry must be SOURCE: TARGET", source=str(path), line=line)
        label_map[key.value] = value.value
        check_target(key.value, value.value, schema, source=str(path), line=line)
    return label_map


def parse_label_pairs(pairs: list[str], schema: LabelSchema = DEFAULT_SCHEMA) -> dict[str, str]:
    """A label map from `SRC=DST` strings (the command line's `--map`)."""
    label_map = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source or not target:
            raise ValueError(f"--map {pair!r}: expected SOURCE=TARGET")
        check_target(source, target, schema)
        label_map[source] = target
    return label_map


def check_target(
    source_label: str, target: str, schema: LabelSchema = DEFAULT_SCHEMA, **where
) -> None:
    known = list(schema.span_types) + list(schema.relation_names)
    if target not in known:
        raise CorpusError(f"maps {source_label!r} to {target!r}, which is not a newsie type; "
                          f"known: {known}", **where)


def identity_map(schema: LabelSchema = DEFAULT_SCHEMA) -> dict[str, str]:
    """The map used when none is given: labels that already are newsie types keep their name."""
    return {name: name for name in list(schema.span_types) + list(schema.relation_names)}


def annotated_for(label_map: dict[str, str], schema: LabelSchema = DEFAULT_SCHEMA) -> Annotated:
    """The types a document converted with `label_map` annotates, in schema order."""
    targets = set(label_map.values())
    return Annotated(spans=tuple(t for t in schema.span_types if t in targets),
                     relations=tuple(t for t in schema.relation_names if t in targets))

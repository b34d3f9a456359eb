"""The label schema: which span types exist and which relations may join them.

Schema v1 is defined in the annotation guidelines; a model folder stores its schema so that a
model trained on another schema refuses to load against mismatched heads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RelationType:
    """A directed relation type with the span types allowed at each end."""

    name: str
    head: str
    tail: str


@dataclass(frozen=True)
class LabelSchema:
    span_types: tuple[str, ...]
    relation_types: tuple[RelationType, ...]

    def __post_init__(self) -> None:
        if len(set(self.span_types)) != len(self.span_types):
            raise ValueError(f"span types repeat: {list(self.span_types)}")
        for rel in self.relation_types:
            for end in (rel.head, rel.tail):
                if end not in self.span_types:
                    raise ValueError(
                        f"relation {rel.name} names span type {end!r}, which is not one of "
                        f"{list(self.span_types)}"
                    )

    @property
    def relation_names(self) -> tuple[str, ...]:
        return tuple(rel.name for rel in self.relation_types)

    def relation_type(self, name: str) -> RelationType:
        for rel in self.relation_types:
            if rel.name == name:
                return rel
        raise KeyError(f"unknown relation type {name!r}; known: {list(self.relation_names)}")

    def relations_between(self, head_label: str, tail_label: str) -> list[RelationType]:
        return [r for r in self.relation_types if r.head == head_label and r.tail == tail_label]

    def to_dict(self) -> dict:
        return {
            "span_types": list(self.span_types),
            "relation_types": [
                {"name": r.name, "head": r.head, "tail": r.tail} for r in self.relation_types
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> LabelSchema:
        return cls(
            span_types=tuple(data["span_types"]),
            relation_types=tuple(RelationType(**r) for r in data["relation_types"]),
        )


DEFAULT_SCHEMA = LabelSchema(
    span_types=("ACTOR", "CASUALTY", "LOCATION", "QUOTE"),
    relation_types=(
        RelationType("SPEAKER", head="QUOTE", tail="ACTOR"),
        RelationType("PLACE", head="CASUALTY", tail="LOCATION"),
        RelationType("PERPETRATOR", head="CASUALTY", tail="ACTOR"),
    ),
)

CASUALTY_QUALIFIERS = ("exact", "at_least", "at_most", "approximately")
CASUALTY_STATUSES = ("killed", "injured", "unknown")

"""The rule registries and what every rule module shares.

`SPAN_FINDERS` maps a span type to a function finding spans of that type in a text, and
`RELATION_LINKERS` a relation type to a function(text, head spans, tail spans) returning
relations; the rule modules register into them with the `span_finder` and `relation_linker`
decorators, and iteration follows registration order, the order the rules run in. Also here:
`SILVER_SPAN_TYPES`, the span constructor the finders share and the reporting-verb pattern that
both the quote finder and the speaker linker look for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from newsie.data import Relation, Span
from newsie.registry import Registry
from newsie.text.lexicon import REPORTING_VERBS, alternation

SpanFinder = Callable[[str], list[Span]]
RelationLinker = Callable[[str, Sequence[Span], Sequence[Span]], list[Relation]]

SPAN_FINDERS: Registry[SpanFinder] = Registry("span finder")
"""Span type -> function finding spans of that type in a text."""
RELATION_LINKERS: Registry[RelationLinker] = Registry("relation linker")
"""Relation type -> function(text, head spans, tail spans) returning relations."""

SILVER_SPAN_TYPES = ("QUOTE", "CASUALTY")
"""The span types whose rules are precise enough for training data; ACTOR and LOCATION rules only
serve the baseline."""

span_finder = SPAN_FINDERS.register
relation_linker = RELATION_LINKERS.register

_REPORTING_RE = re.compile(rf"\b(?:{alternation(REPORTING_VERBS)})\b", re.IGNORECASE)


def _make_span(text: str, label: str, start: int, end: int, **attrs) -> Span:
    return Span(label=label, start=start, end=end, text=text[start:end], attrs=dict(attrs))

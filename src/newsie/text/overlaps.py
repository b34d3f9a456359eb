"""Spans of one type never overlap (guidelines): the one policy that decides which stays.

`resolve_overlaps(items, mode)` sweeps the items of each type in text order and compares each
with the last one kept of its type. The mode says what happens on an overlap:

- `OUTERMOST`: longer spans first at each start; the first kept wins, so a span inside or
  crossing an earlier one is dropped (corpus conversion, the rule baseline);
- `LIKELIEST`: shorter spans first at each start; the likelier of the two stays (a model's
  predictions after trimming and snapping, where a span can stretch over its neighbour);
- `REFUSE`: any overlap raises `OverlapError` (reading a corpus, where an overlap is an error).

Items are anything; `bounds(item)` gives its `(type, start, end)` and, for `LIKELIEST`,
`score(item)` its probability. `on_drop(dropped, kept)` hears of every item that gives way.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")
Bounds = Callable[[T], tuple[Hashable, int, int]]

OUTERMOST = "outermost"
LIKELIEST = "likeliest"
REFUSE = "refuse"
MODES = (OUTERMOST, LIKELIEST, REFUSE)


class OverlapError(ValueError):
    """Two items of one type overlap where the mode refuses overlaps."""

    def __init__(self, earlier: object, later: object) -> None:
        super().__init__(f"{later!r} overlaps {earlier!r}")
        self.earlier, self.later = earlier, later


def span_bounds(span) -> tuple[Hashable, int, int]:
    """`bounds` for anything with `label`, `start` and `end` (spans, corpus candidates)."""
    return span.label, span.start, span.end


def resolve_overlaps(
    items: Iterable[T],
    mode: str,
    bounds: Bounds = span_bounds,
    score: Callable[[T], float] | None = None,
    on_drop: Callable[[T, T], None] | None = None,
) -> list[T]:
    """The items that stay under `mode`, sorted by (type, start); see the module docstring."""
    if mode not in MODES:
        raise ValueError(f"unknown overlap mode {mode!r}; known: {', '.join(MODES)}")
    if mode == LIKELIEST and score is None:
        raise ValueError("the likeliest mode needs a score function")
    longest_first = mode != LIKELIEST

    def order(item: T) -> tuple:
        kind, start, end = bounds(item)
        return kind, start, -end if longest_first else end

    kept: list[T] = []
    for item in sorted(items, key=order):
        kind, start, _ = bounds(item)
        last = kept[-1] if kept else None
        if last is None or bounds(last)[0] != kind or bounds(last)[2] <= start:
            kept.append(item)
        elif mode == REFUSE:
            raise OverlapError(last, item)
        elif mode == LIKELIEST and score(item) > score(last):
            kept[-1] = item
            if on_drop is not None:
                on_drop(last, item)
        elif on_drop is not None:
            on_drop(item, last)
    return kept

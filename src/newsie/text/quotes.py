"""Quotations in text: which quotation marks pair up, and what lies between them.

`quotations` pairs the marks of each family (double marks first, then single ones, which are
also apostrophes and so pair only beside punctuation) and hands every candidate to a caller's
test: `quotation_regions` keeps them all (the boundaries a predicted QUOTE snaps to), the rule
baseline keeps those that read as speech (`newsie.rules`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from newsie.text.lexicon import (
    DOUBLE_CLOSING_MARKS,
    DOUBLE_OPENING_MARKS,
    SINGLE_CLOSING_MARKS,
    SINGLE_OPENING_MARKS,
)

# (opening marks, closing marks, strict): a straight or curly single quote is also an apostrophe,
# so it closes a quotation only beside punctuation ("'We will go,' he said"; "of 'interfering'.").
QUOTE_FAMILIES = (
    (DOUBLE_OPENING_MARKS, DOUBLE_CLOSING_MARKS, False),
    (SINGLE_OPENING_MARKS, SINGLE_CLOSING_MARKS, True),
)
_OPEN_AFTER = "([{—–-:/"
_CLOSE_BEFORE = ".,;:!?)]}—–-'’\"”»"
DOUBLE_MARKS_AND_SPACE = " \t\n" + DOUBLE_OPENING_MARKS + DOUBLE_CLOSING_MARKS
MARKS_AND_SPACE = DOUBLE_MARKS_AND_SPACE + SINGLE_OPENING_MARKS + SINGLE_CLOSING_MARKS

Accept = Callable[[int, int, bool, "int | None"], bool]
"""accept(start, end, closed, previous_end): whether a candidate is a quotation; previous_end is
where the last accepted quotation of the same family ended (None before the first)."""


def quotations(text: str, accept: Accept) -> list[tuple[int, int]]:
    """(start, end) of the accepted quotations, marks and edge whitespace excluded, sorted.

    Marks inside a quotation already accepted (of an earlier family) pair no further: the single
    quotes inside a double-quoted speech are not quotations of their own.
    """
    found: list[tuple[int, int]] = []
    for opens, closes, strict in QUOTE_FAMILIES:
        blocked = sorted((lo - 1, hi + 1) for lo, hi in found)
        previous_end: int | None = None
        for start, end, closed in _pair_marks(text, opens, closes, strict, blocked):
            content = text[start:end]
            start += len(content) - len(content.lstrip(DOUBLE_MARKS_AND_SPACE))
            end -= len(content) - len(content.rstrip(DOUBLE_MARKS_AND_SPACE))
            if start < end and accept(start, end, closed, previous_end):
                found.append((start, end))
                previous_end = end
    return sorted(found)


def quotation_regions(text: str) -> list[tuple[int, int]]:
    """Everything between paired quotation marks, speech or not: the boundaries a QUOTE span
    snaps to once a model has decided it is speech."""
    return quotations(text, lambda *_: True)


def _can_open(text: str, i: int, j: int, opens: str, strict: bool) -> bool:
    """Whether the mark text[i:j] may open a quotation."""
    if text[i] not in opens or j >= len(text) or (strict and text[j].isspace()):
        return False
    return i == 0 or text[i - 1].isspace() or text[i - 1] in _OPEN_AFTER


def _can_close(text: str, i: int, j: int, closes: str, strict: bool) -> bool:
    """Whether the mark text[i:j] may close a quotation. Double marks may stand between spaces,
    as in tokenised text ('studies " the amazing adaptations " .'); single ones may not."""
    if text[i] not in closes or i == 0 or (strict and text[i - 1].isspace()):
        return False
    after = text[j] if j < len(text) else "\n"
    if not (after.isspace() or after in _CLOSE_BEFORE):
        return False
    return not strict or text[i - 1] in ",.!?" or after in ",.;:!?)\n"


def _pair_marks(
    text: str, opens: str, closes: str, strict: bool, blocked: list[tuple[int, int]]
) -> list[tuple[int, int, bool]]:
    """(start, end, closed) between paired marks, marks inside `blocked` ranges ignored.

    A doubled straight mark ('""iron fist""', as CSV-escaped text has it) counts as one mark. A
    quotation left open at the end of a paragraph, with the next paragraph opening a new one, is
    the multi-paragraph convention: its span runs to the end of its own paragraph, and it is not
    closed.
    """
    starts = [lo for lo, _ in blocked]
    marks = re.escape(opens + closes)
    pairs = []
    opened: int | None = None
    for match in re.finditer(f'""|[{marks}]' if '"' in opens else f"[{marks}]", text):
        i, j = match.span()
        k = bisect_right(starts, i) - 1
        if k >= 0 and i < blocked[k][1]:
            continue
        if opened is not None and _can_close(text, i, j, closes, strict):
            pairs.append((opened, i, True))
            opened = None
        elif _can_open(text, i, j, opens, strict):
            line_end = text.find("\n", opened) if opened is not None else -1
            if 0 <= line_end < i and not text[line_end:i].strip():
                pairs.append((opened, line_end, False))
            opened = j
    return pairs

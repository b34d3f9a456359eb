"""Sentences and clauses around a span: how far the text rules look for context.

`sentence_window` cuts a span's context at sentence breaks (abbreviations and initials do not
break); `CLAUSE_BREAK` finds what separates clauses inside one.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left

CLAUSE_BREAK = re.compile(
    r"[;:\"“”]|\b(?:and|but|while|whereas|when|after|before|as|because|although|though|who|"
    r"which|that|where|said|says|say)\b", re.IGNORECASE)
"""What separates clauses: a cue across one ("Two died and [three others] were hurt") is
weaker evidence than a cue in the span's own clause."""


# A sentence ends at . ! or ? (and any closing quote) before a capital or digit, or at a line
# break; common abbreviations and initials ("Mr. Smith", "U.S. Army", "George W. Bush") do not.
# The one positive look-behind comes first: most positions fail on it at once.
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bGen\.)(?<!\bCol\.)"
    r"(?<!\bLt\.)(?<![A-Z]\.[A-Z]\.)(?<!\b[A-Z]\.)[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])"
    r"|\n"
)
# How far past a break's end the pattern looks: an opening mark and a capital.
_LOOKAHEAD = 2


class SentenceBreaks:
    """Every sentence break of one text, found once (`sentence_breaks`), for the many windows
    that the text rules cut around the spans of a document."""

    def __init__(self, text: str) -> None:
        found = [match.span() for match in _SENTENCE_BREAK.finditer(text)]
        self.starts = [start for start, _ in found]
        self.ends = [end for _, end in found]

    def straddles(self, position: int) -> bool:
        """Whether a break begins before `position` and ends after it."""
        k = bisect_left(self.starts, position) - 1
        return k >= 0 and self.ends[k] > position

    def last_before(self, lo: int, start: int) -> int | None:
        """The end of the last break in text[lo:start], as a search of only text[lo:start + 2]
        finds it; None where that search could differ from the whole text's: a break around lo
        or start (the search would begin, or end, inside it)."""
        k = bisect_left(self.starts, start + _LOOKAHEAD) - 1
        if self.straddles(lo) or (k >= 0 and self.ends[k] > start):
            return None
        if k < 0 or self.starts[k] < lo:
            return lo
        return self.ends[k]

    def first_after(self, end: int, hi: int) -> int | None:
        """The start of the first break in text[end:hi], as a search of only that text finds
        it (hi where there is none); None where that search could differ from the whole text's:
        a break around end, or one whose end or look-ahead lies past hi."""
        if self.straddles(end):
            return None
        k = bisect_left(self.starts, end)
        if k == len(self.starts) or self.starts[k] >= hi:
            return hi
        return self.starts[k] if self.ends[k] + _LOOKAHEAD <= hi else None


@functools.lru_cache(maxsize=4)
def sentence_breaks(text: str) -> SentenceBreaks:
    """The text's breaks, kept for the last few texts: the rules ask about one document's spans
    one after another."""
    return SentenceBreaks(text)


def sentence_window(text: str, start: int, end: int, max_chars: int = 120) -> tuple[int, int]:
    """(lo, hi): up to max_chars either side of text[start:end], cut at sentence breaks."""
    lo, hi = max(0, start - max_chars), min(len(text), end + max_chars)
    breaks = sentence_breaks(text)
    new_lo, new_hi = breaks.last_before(lo, start), breaks.first_after(end, hi)
    return (_searched_lo(text, lo, start) if new_lo is None else new_lo,
            _searched_hi(text, end, hi) if new_hi is None else new_hi)


def _searched_lo(text: str, lo: int, start: int) -> int:
    # The break's lookahead needs the first characters of the span itself.
    breaks_before = [m for m in _SENTENCE_BREAK.finditer(text, lo, start + _LOOKAHEAD)
                     if m.end() <= start]
    return breaks_before[-1].end() if breaks_before else lo


def _searched_hi(text: str, end: int, hi: int) -> int:
    break_after = _SENTENCE_BREAK.search(text, end, hi)
    return break_after.start() if break_after else hi

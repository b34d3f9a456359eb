"""Sentences and clauses around a span: how far the text rules look for context.

`sentence_window` cuts a span's context at sentence breaks (abbreviations and initials do not
break); `CLAUSE_BREAK` finds what separates clauses inside one.
"""

from __future__ import annotations

import re

CLAUSE_BREAK = re.compile(
    r"[;:\"“”]|\b(?:and|but|while|whereas|when|after|before|as|because|although|though|who|"
    r"which|that|where|said|says|say)\b", re.IGNORECASE)
"""What separates clauses: a cue across one ("Two died and [three others] were hurt") is
weaker evidence than a cue in the span's own clause."""


# A sentence ends at . ! or ? (and any closing quote) before a capital or digit, or at a line
# break; common abbreviations and initials ("Mr. Smith", "U.S. Army", "George W. Bush") do not.
_SENTENCE_BREAK = re.compile(
    r"(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bGen\.)(?<!\bCol\.)"
    r"(?<!\bLt\.)(?<![A-Z]\.[A-Z]\.)(?<!\b[A-Z]\.)(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])"
    r"|\n"
)


def sentence_window(text: str, start: int, end: int, max_chars: int = 120) -> tuple[int, int]:
    """(lo, hi): up to max_chars either side of text[start:end], cut at sentence breaks."""
    lo, hi = max(0, start - max_chars), min(len(text), end + max_chars)
    # The break's lookahead needs the first characters of the span itself.
    breaks_before = [m for m in _SENTENCE_BREAK.finditer(text, lo, start + 2) if m.end() <= start]
    if breaks_before:
        lo = breaks_before[-1].end()
    break_after = _SENTENCE_BREAK.search(text, end, hi)
    if break_after:
        hi = break_after.start()
    return lo, hi

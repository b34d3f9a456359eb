"""QUOTE: direct speech between paired quotation marks.

The marks are paired in `newsie.text.quotes`; here a quotation is kept when it reads as speech
rather than as a title, a nickname or a scare quote (`_is_speech`). `_continues` (a quotation
going on from the one before) is shared with the speaker linker.
"""

from __future__ import annotations

import re

from newsie.data import Span
from newsie.rules.base import _REPORTING_RE, _make_span, span_finder
from newsie.text.overlaps import OUTERMOST, resolve_overlaps
from newsie.text.quotes import DOUBLE_MARKS_AND_SPACE, MARKS_AND_SPACE, quotations
from newsie.text.sentences import sentence_window

_MAX_QUOTE_CHARS = 2000  # a longer "quotation" is two marks that do not belong together
SHORT_QUOTE_WORDS = 4  # shorter quotations may be titles or scare quotes: they need more evidence
# Names and titles: "the so-called", "a group called", "dubbed the camp" (a few words may come
# between the naming verb and the name; not after "called", which also reports speech: "called
# the raid 'a massacre'").
_NAMING_CUE = re.compile(
    r"\b(?:(?:so-called|called|the\s+(?:word|term|phrase|slogan|hashtag|motto))"
    r"|(?:dubbed|named|nicknamed|known\s+as|termed|titled|entitled|branded|labell?ed|codenamed|"
    r"code-named)(?:\s+[\w'’-]+){0,3})\s*[\"“„«'‘]?\s*$", re.IGNORECASE)
_MINOR_WORDS = {"a", "an", "the", "of", "and", "or", "in", "on", "at", "for", "to", "by", "with"}
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")
# Text that starts with punctuation lies between two quotations, not inside one.
_NOT_SPEECH_START = re.compile(r"[,.;:!?)\]]")


def _reporting_nearby(text: str, start: int, end: int) -> bool:
    lo, hi = sentence_window(text, start, end, 150)
    return bool(_REPORTING_RE.search(text, lo, start) or _REPORTING_RE.search(text, end, hi))


def _is_speech(text: str, start: int, end: int, closed: bool, continued: bool) -> bool:
    """Tell direct speech from titles, nicknames and scare quotes.

    Short quotations need a reporting verb in their sentence, or to go on from a quotation just
    before. Longer ones are speech unless they fill a whole paragraph, marks and all, with no
    reporting verb: text quoted as a block, as CSV-escaped corpora wrap paragraphs.
    """
    words = _WORD_RE.findall(text, start, end)
    if not words or _NAMING_CUE.search(text, max(0, start - 40), start):
        return False
    title_case = len(words) > 1 and all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in words)
    if title_case or _NOT_SPEECH_START.match(text, start):
        return False
    if continued or _reporting_nearby(text, start, end):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end) % (len(text) + 1)  # -1 (no newline) becomes len(text)
    block = (closed and not text[line_start:start].strip(DOUBLE_MARKS_AND_SPACE)
             and not text[end:line_end].strip(DOUBLE_MARKS_AND_SPACE + ".,"))
    return len(words) > SHORT_QUOTE_WORDS and not block


def _continues(text: str, previous_end: int, start: int) -> bool:
    """Whether a quotation starting at start goes on from one ending at previous_end: in the same
    paragraph with at most an attribution between, or opening the next paragraph."""
    gap = text[previous_end:start]
    return ("\n" not in gap and len(gap) <= 100) or not gap.strip(MARKS_AND_SPACE)


@span_finder("QUOTE")
def find_quotes(text: str) -> list[Span]:
    """Direct speech between paired quotation marks, marks and edge whitespace excluded."""

    def is_speech(start: int, end: int, closed: bool, previous_end: int | None) -> bool:
        continued = previous_end is not None and _continues(text, previous_end, start)
        return end <= start + _MAX_QUOTE_CHARS and _is_speech(text, start, end, closed, continued)

    quotes = [_make_span(text, "QUOTE", *bounds) for bounds in quotations(text, is_speech)]
    return resolve_overlaps(quotes, OUTERMOST)

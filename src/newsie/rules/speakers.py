"""SPEAKER(quote -> actor): the source an attribution names next to a quotation.

An attribution after the quotation ('"...," he said') is tried before one that opens its
sentence ('Lavrov said: "..."'); a quotation without one that goes on from an attributed one
has the same speaker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsie.data import Relation, Span
from newsie.rules.base import _REPORTING_RE, relation_linker
from newsie.rules.mentions import (
    _POSSESSIVE,
    _after_preposition,
    _is_source,
    _mentions,
    _resolve_pronoun,
)
from newsie.rules.quotes import _continues
from newsie.text.quotes import MARKS_AND_SPACE
from newsie.text.sentences import sentence_window

_AFTER_QUOTE = re.compile(r"[^\S\n\"”’'»,:;—–-]*[\"”’'»,:;—–-]*[^\S\n]*")
_EMBEDDING_WORD = re.compile(
    r"(?:on|in|at|for|to|of|with|about|after|before|by|from|over|against|and|or|but|as|than)\b",
    re.IGNORECASE)
_OPENING_MARK = re.compile("[\"“‘«]")


def _attribution_after(
    text: str, quote: Span, actors: Sequence[Span]
) -> tuple[int, int, Span | None] | None:
    """The source named after a quotation: '"...," he said', '"...," said Ahmed Saleh'."""
    if text[quote.start:quote.end].rstrip(MARKS_AND_SPACE).endswith("."):
        return None  # a finished sentence: its source is named before it, if at all
    p = _AFTER_QUOTE.match(text, quote.end).end()
    if _EMBEDDING_WORD.match(text, p):
        return None  # 'accused the union of "..." after Washington announced': no attribution
    _, hi = sentence_window(text, p, p, 100)
    next_quote = _OPENING_MARK.search(text, p, hi)
    hi = next_quote.start() if next_quote else hi
    verb = _REPORTING_RE.search(text, p, hi)
    if verb is None or verb.start() - p > 80:
        return None
    if verb_first := (not text[p:verb.start()].strip()
                      or verb[0].lower().startswith("according")):
        mentions = _mentions(text, verb.end(), min(hi, verb.end() + 60), actors)
    else:  # "the bureau's commander, Surasak Phonchai, told": the source nearest the verb
        mentions = [m for m in reversed(_mentions(text, p, verb.start(), actors))
                    if _is_source(text, m[0], m[1])]
    mentions = [m for m in mentions if not _POSSESSIVE.match(text, m[1])]
    if not mentions or (not verb_first and len(text[p:mentions[0][0]].split()) > 4):
        return None
    return mentions[0]


def _attribution_before(
    text: str, quote: Span, actors: Sequence[Span]
) -> tuple[int, int, Span | None] | None:
    """The source named before a quotation in its sentence: 'Lavrov said: "..."'.

    The nearest mention that is the source of a reporting verb wins; a mention after a
    preposition is passed over ("Gen. Joseph Votel, commander of U.S. Central Command, said").
    """
    lo, _ = sentence_window(text, quote.start, quote.end, 250)
    for start, end, actor in reversed(_mentions(text, lo, quote.start, actors)):
        if _is_source(text, start, end) and not (actor and _after_preposition(text, start)):
            return start, end, actor
    return None


@relation_linker("SPEAKER")
def link_speakers(text: str, quotes: Sequence[Span], actors: Sequence[Span]) -> list[Relation]:
    """SPEAKER(quote -> actor) where an attribution names the source next to the quotation; a
    quotation without one that goes on from an attributed one has the same speaker."""
    relations = []
    previous: tuple[Span, Span | None] | None = None
    for quote in sorted(quotes, key=lambda q: q.start):
        mention = (_attribution_after(text, quote, actors)
                   or _attribution_before(text, quote, actors))
        speaker = None
        if mention is not None:
            speaker = mention[2] or _resolve_pronoun(text, mention[0], actors, quotes)
        elif previous is not None and _continues(text, previous[0].end, quote.start):
            speaker = previous[1]
        if speaker is not None:
            relations.append(Relation("SPEAKER", quote, speaker))
        previous = (quote, speaker)
    return relations

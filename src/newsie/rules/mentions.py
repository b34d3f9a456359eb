"""Mentions of actors, as the SPEAKER and PERPETRATOR linkers read them.

A mention is an ACTOR span or a pronoun (`_mentions`). Here are the tests both linkers apply to
one: whether it is the source of a reporting verb ("Lavrov said", "according to Lavrov"), the
object of a preposition, the subject opening its sentence, a he or a she; and
`_resolve_pronoun`, the actor a pronoun stands for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsie.data import Span
from newsie.rules.names import _ORG_WORDS
from newsie.text.lexicon import REPORTING_VERBS, alternation
from newsie.text.sentences import sentence_window

_PRONOUN_RE = re.compile(r"\b(?:he|she|they|it)\b", re.IGNORECASE)

_PREPOSITION_BEFORE = re.compile(  # "with the army", "and the paramilitary RSF"
    r"\b(?:of|for|at|with|against|between|among|and|or|on|from|to|in|near|by|than)\s+"
    r"(?:(?:the|a|an)\s+)?(?:[a-z][\w-]*\s+)?$", re.IGNORECASE)
_SOURCE_AFTER = re.compile(  # "Lavrov said", "Lavrov, the foreign minister, has said"
    rf"\s*(?:,[^,;\"“”\n]{{1,80}})?,?\s*(?:(?:has|have|had|also|later|then)\s+)*"
    rf"(?:{alternation(REPORTING_VERBS)})\b", re.IGNORECASE)
_SOURCE_BEFORE = re.compile(  # '," said the spokeswoman, Rhea' and "according to the army"
    r"(?:[,\"”’]\s*(?:said|says|added|asked)|\baccording\s+to)\s+(?:[\w.,-]+\s+){0,3}$",
    re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?\b")
_PERSON_NOUN = re.compile(  # nominal actors that are one person: "a spokesman for the RSF"
    r"\b(?:spokes(?:man|woman|person)|official|minister|officer|commander|governor|mayor|"
    r"president|leader|chief|director|witness|resident|man|woman)$")
_CLAUSE_END = re.compile(r"\s*(?:[,.;:!?\n]|$)")


def _inside(span: Span, others: Sequence[Span]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def _after_preposition(text: str, start: int) -> bool:
    """Whether the mention at start is the object of a preposition ("clashes with the army")."""
    return bool(_PREPOSITION_BEFORE.search(text, max(0, start - 40), start))


def _is_source(text: str, start: int, end: int) -> bool:
    """Whether the mention text[start:end] is the source of a reporting verb: "Lavrov said",
    "Lavrov, the foreign minister, told", "said Lavrov.", "according to Lavrov" (but not
    "said Lavrov would go", where Lavrov is the subject of what was said)."""
    if _POSSESSIVE.match(text, end):
        return False
    if _SOURCE_AFTER.match(text, end):
        return True
    verb = _SOURCE_BEFORE.search(text, max(0, start - 40), start)
    return bool(verb) and (verb[0].lower().startswith("according")
                           or bool(_CLAUSE_END.match(text, end)))


def _is_subject(text: str, actor: Span, actors: Sequence[Span]) -> bool:
    """Whether an actor opens its sentence: "Hours later, Herrera climbed back", "Kahindo's
    husband, Jean-Baptiste Muhindo, spent the afternoon"."""
    lo, _ = sentence_window(text, actor.start, actor.end, 80)
    return (not _after_preposition(text, actor.start) and not _POSSESSIVE.match(text, actor.end)
            and len(text[lo:actor.start].split()) <= 8
            and not any(lo <= a.start and a.end <= actor.start
                        and not _POSSESSIVE.match(text, a.end) for a in actors))


def _person_like(actor: Span) -> bool:
    """A he or a she: a capitalised name that is no organisation or acronym, or a nominal for
    one person ("spokesman")."""
    if not actor.text[:1].isupper():
        return bool(_PERSON_NOUN.search(actor.text))
    return (not actor.text.isupper() and not _ORG_WORDS.search(actor.text)
            and not actor.text.split()[-1].islower())  # "Rwandan officials" is no he or she


def _mentions(
    text: str, lo: int, hi: int, actors: Sequence[Span]
) -> list[tuple[int, int, Span | None]]:
    """(start, end, actor) of every ACTOR span and pronoun (actor None) within text[lo:hi]."""
    found = [(a.start, a.end, a) for a in actors if lo <= a.start and a.end <= hi]
    found += [(m.start(), m.end(), None) for m in _PRONOUN_RE.finditer(text, lo, hi)
              if not any(a.start <= m.start() < a.end for a in actors)]
    return sorted(found, key=lambda item: item[0])


def _resolve_pronoun(
    text: str, position: int, actors: Sequence[Span], quotes: Sequence[Span] = ()
) -> Span | None:
    """The ACTOR a pronoun at position stands for, or None.

    The closest earlier actor outside quotations, within 600 characters, that is the source of a
    reporting verb ("Langat said security officers would go. '...,' he said": Langat); for he and
    she, a person-like name that is a source or opens its sentence.
    """
    personal = text[position:position + 3].lower().rstrip() in ("he", "she")
    earlier = [a for a in actors if a.end <= position and position - a.end <= 600
               and not _inside(a, quotes) and not _after_preposition(text, a.start)]
    if personal:
        pool = [a for a in earlier if _person_like(a)
                and (_is_source(text, a.start, a.end) or _is_subject(text, a, actors))]
    else:
        pool = [a for a in earlier if _is_source(text, a.start, a.end)]
    return max(pool, key=lambda a: a.end, default=None)

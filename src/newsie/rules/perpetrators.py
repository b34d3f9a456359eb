"""PERPETRATOR(casualty -> actor): the agent of the attack in the casualty's sentence.

Either the subject of an attack verb before the casualty ("government forces shelled ...,
killing 12") or the agent after it in a passive ("12 people were killed by the army", "died in
a Taliban attack").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsie.data import Relation, Span
from newsie.rules.base import relation_linker
from newsie.rules.mentions import _POSSESSIVE, _after_preposition, _mentions, _resolve_pronoun
from newsie.rules.places import _PLACE_BARRIER
from newsie.text.lexicon import (
    ATTACK_NOUNS,
    ATTACK_VERBS,
    PASSIVE_ATTACK_VERBS,
    REPORTING_VERBS,
    alternation,
)
from newsie.text.sentences import CLAUSE_BREAK, sentence_window

_ATTACK_RE = re.compile(rf"\b(?:{alternation(ATTACK_VERBS)})\b", re.IGNORECASE)

_VERB_AS_NOUN = re.compile(r"\b(?:the|a|of|for|over|after|before|in|on|by|with|from)\s+$",
                           re.IGNORECASE)
_CLAUSE_OPENER = re.compile(
    rf"\b(?:{alternation(REPORTING_VERBS)}|when|that|which|where|after|as|because|while)\b",
    re.IGNORECASE)
_COORDINATED = re.compile(r"\s+(?:and|or)\b", re.IGNORECASE)


def _active_perpetrator(
    text: str, casualty: Span, actors: Sequence[Span], lo: int
) -> Span | None:
    """The subject of the attack verb before the casualty.

    A finite verb's subject is the nearest actor before it in its clause ("government air raids
    on X killed 15 civilians"); a participle's is the actor that opens the clause it hangs on
    ("Gunmen abducted two engineers ..., killing one guard"; "police said gunmen attacked ...,
    killing"), a pronoun there standing for a source ("the air force said it had struck ...,
    killing"). A verb used as a noun ("convicted of killing", "the killing of") names no one.
    """
    verbs = list(_ATTACK_RE.finditer(text, lo, casualty.start))
    if not verbs or _VERB_AS_NOUN.search(text, lo, verbs[-1].start()):
        return None
    verb = verbs[-1]
    between = text[verb.end():casualty.start]
    if len(between) > 60 or CLAUSE_BREAK.search(between):
        return None
    if not verb[0].lower().endswith("ing"):
        subjects = [a for a in actors if lo <= a.start and a.end <= verb.start()]
        actor = max(subjects, key=lambda a: a.end, default=None)
        if actor is None or _after_preposition(text, actor.start):
            return None
        between = text[actor.end:verb.start()]
        return None if len(between) > 80 or CLAUSE_BREAK.search(between) else actor
    opener = list(_CLAUSE_OPENER.finditer(text, lo, verb.start()))
    clause_start = opener[-1].end() if opener else lo
    mentions = [m for m in _mentions(text, clause_start, verb.start(), actors)
                if not _POSSESSIVE.match(text, m[1])]
    if not mentions:
        return None
    start, end, actor = mentions[0]
    if (len(text[clause_start:start].split()) > 6 or _COORDINATED.match(text, end)
            or _PLACE_BARRIER.search(text, end, verb.start())):
        return None  # not the clause's subject, or one of two sides ("X and Y exchanged fire")
    return actor or _resolve_pronoun(text, start, actors)


# (pattern between the casualty and the actor, pattern required right after the actor)
_PASSIVE_FORMS = (
    # "12 people were killed by government forces"
    (re.compile(rf"^[^.;!?\"“”]{{0,50}}?\b(?:{alternation(PASSIVE_ATTACK_VERBS)})\s+"
                r"(?:by|at\s+the\s+hands\s+of)\s+(?:(?:the|a|an)\s+)?(?:[\w-]+\s+){0,2}$",
                re.IGNORECASE), None),
    # "12 soldiers died in a Taliban attack"
    (re.compile(r"^[^.;!?\"“”]{0,50}?\b(?:killed|died|wounded|injured|hurt)\s+in\s+"
                r"(?:(?:the|a|an)\s+)?(?:[\w-]+\s+)?$", re.IGNORECASE),
     re.compile(rf"^(?:['’]s)?\s+(?:[\w-]+\s+)?(?:{alternation(ATTACK_NOUNS)})\b", re.IGNORECASE)),
)


def _passive_perpetrator(
    text: str, casualty: Span, actors: Sequence[Span], hi: int
) -> Span | None:
    later = [a for a in actors if casualty.end <= a.start and a.end <= hi]
    if not later:
        return None
    actor = min(later, key=lambda a: a.start)
    for before, after in _PASSIVE_FORMS:
        if before.search(text[casualty.end:actor.start]) and (
                after is None or after.search(text[actor.end:hi])):
            return actor
    return None


@relation_linker("PERPETRATOR")
def link_perpetrators(
    text: str, casualties: Sequence[Span], actors: Sequence[Span]
) -> list[Relation]:
    """PERPETRATOR(casualty -> actor) where the actor is the agent of the attack in the sentence."""
    relations = []
    for casualty in casualties:
        lo, hi = sentence_window(text, casualty.start, casualty.end, 300)
        actor = (_active_perpetrator(text, casualty, actors, lo)
                 or _passive_perpetrator(text, casualty, actors, hi))
        if actor is not None:
            relations.append(Relation("PERPETRATOR", casualty, actor))
    return relations

"""Which person mentions of an event-centric corpus (ECB+, MEANTIME) are not ACTORs.

Such corpora tag every human participant of an event: the guidelines make victims described by
a casualty phrase ("four people" who were killed, "his body") CASUALTY, not ACTOR, and generic
people ("people", "the public") nothing at all. Those candidates are dropped with a reason; the
CASUALTY type is not declared annotated, so the victims' absence teaches nothing.
"""

from __future__ import annotations

from newsie.text.boundaries import bare_word
from newsie.text.casualty import casualty_attributes, casualty_phrases
from newsie.text.lexicon import DETERMINERS

VICTIM = "victim described by a casualty phrase (CASUALTY, not annotated here)"
GENERIC = "generic people"
# Heads that name the dead or hurt without a count ("his body", "the victims").
VICTIM_HEADS = frozenset("victim victims body bodies corpse corpses dead casualties".split())
GENERIC_PEOPLE = frozenset("people persons public others many".split())


def victim_phrases(text: str) -> list[tuple[int, int]]:
    """The casualty phrases of `text` whose sentence says the people were killed or injured."""
    return [(start, end) for start, end in casualty_phrases(text)
            if casualty_attributes(text, start, end)["status"] != "unknown"]


def not_an_actor(text: str, start: int, end: int, victims: list[tuple[int, int]]) -> str | None:
    """Why the person mention text[start:end] is no ACTOR (VICTIM, GENERIC), or None."""
    if any(start < v_end and v_start < end for v_start, v_end in victims):
        return VICTIM
    words = [w for w in (bare_word(w).lower() for w in text[start:end].split())
             if w and w not in DETERMINERS]
    if words and words[-1] in VICTIM_HEADS:
        return VICTIM
    if len(words) == 1 and words[0] in GENERIC_PEOPLE:
        return GENERIC
    return None

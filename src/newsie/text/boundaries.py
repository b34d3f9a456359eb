"""The annotation guidelines' span-boundary rules: what a span's edges must not include.

One home for the rules, used by the corpus converters (`newsie.converters.normalise`), by
newsie's own predictions (`trim_span` and `snap_span`, applied in `newsie.inference.postprocessing`)
and by the spaCy baseline (`newsie.systems`). Pure text rules on character offsets; nothing here
knows about models or corpora. A new span type's boundary rule goes here.

`normalise_boundaries` trims what the guidelines exclude from a span's edges: whitespace and
punctuation, a leading determiner (`the`, `a`, `an`, demonstratives, possessive pronouns), a
trailing possessive `'s`; for ACTOR a title or role description before a name
(`Foreign Minister Sergei Lavrov` -> `Sergei Lavrov`, `team member Rodaba Noori`); for LOCATION
an unnamed head before its name (`the town of Al-Safira` -> `Al-Safira`). Each rule sits in the
`BOUNDARY_RULES` registry under a short name, with the span types it applies to.

A model's predicted span is trimmed by the same rules (`trim_span`), then snapped to the region of
the text that contains it when its type has regions (`SNAP_REGIONS`: a QUOTE to the quotation
marks around it, a CASUALTY to its count phrase).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from newsie.registry import Registry
from newsie.text.casualty import casualty_phrases
from newsie.text.lexicon import (
    DETERMINERS,
    FUNCTION_WORDS,
    NAME_PARTICLES,
    NAMES_WITH_ARTICLE,
    ORGANISATION_NOUNS,
    PLACE_NOUNS,
    PLACE_PREPOSITIONS,
    PRONOUNS,
    QUOTATION_MARKS,
    TITLES,
)
from newsie.text.quotes import quotation_regions

_EDGE_CHARS = ",;:!?*-–—" + QUOTATION_MARKS
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_OPENING = {closing: opening for opening, closing in _BRACKETS.items()}
_POSSESSIVE = re.compile(r"\s*['’]s$")
_WORD = re.compile(r"\S+")
_BARE_STRIPPED = _EDGE_CHARS + ".()[]{}"
_PREFIXED_NAME = re.compile(r"[a-z]+-[A-Z].*")  # al-Zarqawi
_HALF_ADJECTIVE = re.compile(r"[A-Z][\w.]*-[a-z]+")  # ISIL-held

Trim = Callable[[str, int, int], tuple[int, int]]


@dataclass(frozen=True)
class BoundaryRule:
    """One rule: `trim(text, start, end)` returns the narrowed offsets (or the same ones)."""

    description: str  # how a conversion report names the change
    trim: Trim
    labels: frozenset[str] | None = None  # the span types it applies to; None: every type

    def applies_to(self, label: str) -> bool:
        return self.labels is None or label in self.labels


BOUNDARY_RULES: Registry[BoundaryRule] = Registry("boundary rule")


def boundary_rule(
    name: str, description: str, labels: Collection[str] | None = None
) -> Callable[[Trim], Trim]:
    """Register a rule under `name`; rules run in the order they are registered."""

    def decorator(trim: Trim) -> Trim:
        BOUNDARY_RULES.add(
            name, BoundaryRule(description, trim, None if labels is None else frozenset(labels)))
        return trim

    return decorator


def normalise_boundaries(text: str, start: int, end: int, label: str) -> tuple[int, int, list[str]]:
    """Trim a span to the guidelines; returns the new offsets and the descriptions of the rules
    that changed it."""
    rules = [rule for rule in BOUNDARY_RULES.values() if rule.applies_to(label)]
    changes: list[str] = []
    # Removing one thing can expose another (in `the "Hamas"` the determiner hides the opening
    # mark), so the rules run until none changes the span.
    changed = True
    while changed and start < end:
        changed = False
        for rule in rules:
            new_start, new_end = rule.trim(text, start, end)
            if (new_start, new_end) != (start, end):
                start, end, changed = new_start, new_end, True
                if rule.description not in changes:
                    changes.append(rule.description)
    return start, end, changes


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets without surrounding whitespace and invisible format characters."""
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    return start, end


def is_named_place(span_text: str) -> bool:
    """A place is named when its last word is a name, or a place noun after a name."""
    words = span_text.split()
    if is_name_word(words[-1]):
        return True
    return bare_word(words[-1]).lower() in PLACE_NOUNS and any(is_name_word(w) for w in words[:-1])


def is_name_word(word: str) -> bool:
    """Capitalised (`Assad`, `U.S.`) or with an Arabic-style prefix (`al-Zarqawi`); a capitalised
    word that is only the first half of an adjective (`ISIL-held`) is not."""
    bare = bare_word(word)
    if not bare:
        return False
    if _PREFIXED_NAME.fullmatch(bare):
        return True
    return bare[0].isupper() and not _HALF_ADJECTIVE.fullmatch(bare)


def bare_word(word: str) -> str:
    """A word without surrounding punctuation, quote marks and invisible format characters."""
    if not word.isascii():  # no ASCII character is a format character
        word = "".join(ch for ch in word if unicodedata.category(ch) != "Cf")
    return word.strip(_BARE_STRIPPED)


def _is_blank(char: str) -> bool:
    return char.isspace() or (not char.isascii() and unicodedata.category(char) == "Cf")


def _words(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(start + m.start(), start + m.end(), m.group())
            for m in _WORD.finditer(text[start:end])]


# --- the rules, in the order they run ---------------------------------------------------------


@boundary_rule("edges", "edge whitespace or punctuation removed")
def _strip_edges(text: str, start: int, end: int) -> tuple[int, int]:
    start, end = trim_whitespace(text, start, end)
    while start < end and (text[start] in _EDGE_CHARS + "."
                           or _unbalanced(text, start, end, start)):
        start, end = trim_whitespace(text, start + 1, end)
    while start < end and (text[end - 1] in _EDGE_CHARS or _unbalanced(text, start, end, end - 1)
                           or _is_sentence_period(text, start, end)):
        start, end = trim_whitespace(text, start, end - 1)
    return start, end


def _unbalanced(text: str, start: int, end: int, at: int) -> bool:
    """A bracket at the span's edge whose partner lies outside the span."""
    char = text[at]
    if char in _BRACKETS:
        return _BRACKETS[char] not in text[at:end]
    return char in _OPENING and _OPENING[char] not in text[start:at]


def _is_sentence_period(text: str, start: int, end: int) -> bool:
    """A final period that ends a sentence rather than an abbreviation (`U.S.`, `Inc.`, `Capt.`)."""
    if text[end - 1] != ".":
        return False
    last_word = text[start:end].split()[-1][:-1]
    return "." not in last_word and len(last_word) > 3 and last_word.lower() not in TITLES


@boundary_rule("possessive", "possessive 's removed")
def _strip_possessive(text: str, start: int, end: int) -> tuple[int, int]:
    match = _POSSESSIVE.search(text, start, end)
    if match and match.start() > start:
        return start, match.start()
    return start, end


@boundary_rule("determiner", "leading determiner removed")
def _strip_determiner(text: str, start: int, end: int) -> tuple[int, int]:
    words = _words(text, start, end)
    # `those who opted to remain` keeps its determiner: without it no head noun is left.
    # `The Hague`, `The Gambia`: the article is part of the name.
    if words and text[start:end].lower() in NAMES_WITH_ARTICLE:
        return start, end
    if (len(words) > 1 and words[0][2].lower() in DETERMINERS
            and words[1][2].lower() not in PRONOUNS | FUNCTION_WORDS):
        return words[1][0], end
    return start, end


@boundary_rule("title", "title or role before a name removed", labels=("ACTOR",))
def _strip_title(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a title or role description before a final name (`US Secretary of State John
    Kerry`, `the Swedish citizen Mohamed Moumou`, `coach , Alireza Mehraban`)."""
    words = _words(text, start, end)
    bare = [bare_word(w) for _, _, w in words]
    keys = [b.lower() for b in bare]
    name_start = len(words)
    while name_start > 0 and not _ends_title(keys, name_start - 1) and (
            is_name_word(words[name_start - 1][2])
            # `bin` in `Osama bin Laden`; a particle never ends a name (`et al.`)
            or (keys[name_start - 1] in NAME_PARTICLES and name_start < len(words))):
        name_start -= 1
    # `UN General Assembly`, `Armed Forces`: the capitalised words name an organisation.
    if name_start in (0, len(words)) or keys[-1] in ORGANISATION_NOUNS:
        return start, end
    before = name_start - 1
    apposition = words[before][2] == "," and before > 0  # `coach , Alireza Mehraban`
    if apposition:
        before -= 1
    # A lowercase word right before the name is a role (`team member`), unless the description
    # belongs to someone else (`the UK's brave Armed Forces`, `Egypt's top diplomat`).
    is_role = (bare[before].isalpha() and bare[before].islower()
               and keys[before] not in FUNCTION_WORDS | DETERMINERS
               and (apposition or not any(_POSSESSIVE.search(w) for _, _, w in words[:name_start])))
    if not (_ends_title(keys, before) or is_role):
        return start, end
    for i in range(before):
        # A title may contain `of` (`Secretary of State`); any other joining word means the words
        # before the name are a whole phrase (`supporters of President Assad`), not a title.
        if keys[i] in FUNCTION_WORDS and not (i > 0 and _is_title(keys[i - 1])):
            return start, end
    return words[name_start][0], end


def _ends_title(keys: list[str], i: int) -> bool:
    """A title word, or the object of one (`State` in `Secretary of State`)."""
    return _is_title(keys[i]) or (i >= 2 and keys[i - 1] == "of" and _is_title(keys[i - 2]))


def _is_title(key: str) -> bool:
    """`minister`, `Gen.`, and hyphenated forms such as `Minister-designate`."""
    return key in TITLES or key.split("-")[0] in TITLES


@boundary_rule("place_head", "unnamed head before a place name removed", labels=("LOCATION",))
def _strip_place_head(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop an unnamed head before `of`/`in`/`at`/`near` and a name (`the city of Mosul`)."""
    words = _words(text, start, end)
    for i, (_, _, word) in enumerate(words[1:-1], start=1):
        if word.lower() in PLACE_PREPOSITIONS:
            head = words[i - 1][2]
            rest = [w for w in words[i + 1:] if w[2].lower() not in DETERMINERS]
            described = text[words[0][0]:words[i - 1][1]]
            if (head.isalpha() and head.islower() and not is_named_place(described)
                    and rest and is_name_word(rest[0][2])):
                return words[i + 1][0], end
            return start, end
    return start, end


# --- a model's predicted spans: trimmed, then snapped to the text's own regions -----------------

# The trimming rules are written for names; a QUOTE keeps its punctuation (`go to Moscow,`) and a
# CASUALTY phrase its own words.
GUIDELINE_TRIMMED = frozenset({"ACTOR", "LOCATION"})
# A CASUALTY span's count and noun are read from its words, so it never stops inside one, even
# one joined by a hyphen or a digit group (`23-year-` of `23-year-old`, `41,` of `41,000`).
WHOLE_JOINED_WORDS = frozenset({"CASUALTY"})
_WORD_JOINERS = "-,.'’"


def trim_span(
    text: str, start: int, end: int, label: str, known: dict | None = None
) -> tuple[int, int] | None:
    """Apply the guidelines' boundary rules to a predicted span; None if nothing is left.

    Whitespace goes from every span; ACTOR and LOCATION spans are first widened to whole words
    (`word_edges`), then go through `normalise_boundaries`, the rules the training corpora were
    normalised with. Those rules read only the span's own characters: `known`, a dict kept
    across the spans of one text, keeps what they cut from each (type, span string), so that an
    article's repeated names go through them once.
    """
    start, end = trim_whitespace(text, start, end)
    if label in WHOLE_JOINED_WORDS and start < end:
        start, end = word_edges(text, start, end, joined=True)
    if label in GUIDELINE_TRIMMED and start < end:
        start, end = word_edges(text, start, end)
        key = (label, text[start:end])
        cut = None if known is None else known.get(key)
        if cut is None:
            new_start, new_end, _ = normalise_boundaries(text, start, end, label)
            cut = (new_start - start, end - new_end)
            if known is not None:
                known[key] = cut
        start, end = start + cut[0], end - cut[1]
    return (start, end) if start < end else None


def word_edges(text: str, start: int, end: int, joined: bool = False) -> tuple[int, int]:
    """`[start, end)` widened to whole words where an edge falls between two letters or digits:
    a model's subword tokens can stop inside a word (`Tanak oil` of `Tanak oilfield`). With
    `joined`, also where an edge falls on a hyphen, digit-group comma, period or apostrophe
    between two of them (`23-year-` -> `23-year-old`, `41,` -> `41,000`)."""

    def continues(inner: int, outer: int, step: int) -> int:
        """How far the edge between text[inner] (in the span) and text[outer] moves outwards:
        0 at a word's edge."""
        if not 0 <= outer < len(text):
            return 0
        if text[inner].isalnum() and text[outer].isalnum():
            return 1
        if not joined:
            return 0
        beyond, before = outer + step, inner - step
        if (text[inner].isalnum() and text[outer] in _WORD_JOINERS
                and 0 <= beyond < len(text) and text[beyond].isalnum()):
            return 2  # `41|,000`
        if (text[inner] in _WORD_JOINERS and text[outer].isalnum()
                and 0 <= before < len(text) and text[before].isalnum()):
            return 1  # `23-year-|old`
        return 0

    while start > 0 and (moved := continues(start, start - 1, -1)):
        start -= moved
    while end < len(text) and (moved := continues(end - 1, end, 1)):
        end += moved
    return start, end


SNAP_REGIONS: Registry[Callable[[str], list[tuple[int, int]]]] = Registry("snap region finder")
"""Span type -> the text's regions (sorted, non-overlapping) that a span of that type snaps to.
Where a span of these types may end is fixed by the text itself once the model has decided the
span exists: a quote runs from mark to mark, a casualty phrase from its count to its noun."""
SNAP_REGIONS.add("QUOTE", quotation_regions)
SNAP_REGIONS.add("CASUALTY", casualty_phrases)

# A quote is by definition what lies between paired marks: one outside them is dropped.
SNAP_REQUIRED = frozenset({"QUOTE"})


def snap_span(
    start: int, end: int, regions: Sequence[tuple[int, int]], required: bool = False
) -> tuple[int, int] | None:
    """The region (sorted, non-overlapping) that contains `[start, end)`; else the span itself,
    or None when a containing region is `required`."""
    k = bisect_right(regions, (start, float("inf"))) - 1
    if k >= 0 and regions[k][0] <= start and end <= regions[k][1]:
        return regions[k]
    return None if required else (start, end)

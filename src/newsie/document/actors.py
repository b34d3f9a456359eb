"""Actor clusters: which ACTOR mentions of a document are one actor, with a canonical name.

String rules, in text order (`docs/annotation-guidelines.md`, "Document level"):

- a *named* mention joins the cluster of an earlier named mention with the same words, its
  surname or tail ("Brahimi" -> "Lakhdar Brahimi", "al-Khatib" -> "Ahmed Moaz al-Khatib", one of
  a person's surnames: "Herrera" -> "Lucía Herrera Campos"), the
  same first words ("Syrian Observatory" -> "Syrian Observatory for Human Rights"), or its acronym
  ("SOHR", "UN" -> "United Nations"), in either direction;
- a *nominal* mention ("rebels", "the envoy") joins the cluster of an earlier mention with the
  same words; a role word ("envoy", "spokesman", "minister") joins the closest earlier person;
- a pronoun that is the subject of a reporting verb ("he said", "they told") joins the closest
  earlier cluster of its kind: a person for he/she, a group for they/it.

The canonical name is the cluster's longest named mention (its longest mention if none is named).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from newsie.data import PRONOUN, ActorCluster, Document, Span
from newsie.text.lexicon import (
    NOMINAL_ACTORS,
    ORGANISATION_NOUNS,
    PLACE_NOUNS,
    REPORTING_VERBS,
    TITLES,
    alternation,
    is_name,
)

PERSON_PRONOUNS = ("he", "she")
GROUP_PRONOUNS = ("they", "it")
REPORTING_PRONOUN = re.compile(
    rf"\b(?:{alternation(PERSON_PRONOUNS + GROUP_PRONOUNS)})\b(?=\s+(?:also\s+|later\s+)?"
    rf"(?:{alternation(REPORTING_VERBS)})\b)",
    re.IGNORECASE,
)
# Words that make a name an organisation's, beyond the lexicon's organisation nouns.
GROUP_WORDS = frozenset(
    "church embassy forum campaign group network observatory police mujahideen movement front "
    "alliance coalition league federation council centre center hospital".split()
)
# Lower-case words of a name that are not its initials: "Syrian Observatory for Human Rights".
_LINKING = frozenset("of for and the de al el".split())
_WORD = re.compile(r"[\w'-]+")
# Capitalised words that do not make a mention named: "Rebels", "Police reservists", "President".
_COMMON_WORDS = frozenset(NOMINAL_ACTORS) | TITLES | {"the"}


@dataclass
class _Cluster:
    """A cluster as it grows, with what the rules compare a new mention with: the distinct
    strings of its named mentions, and whether one of them names a person."""

    mentions: list[Span] = field(default_factory=list)
    names: dict[str, None] = field(default_factory=dict)  # in order of first mention
    person: bool = False


class _Clusters:
    """One document's clusters in order of their first mention, with the latest cluster for
    each mention key and the latest person, so that a nominal mention finds its home without
    going through every cluster. The rules are functions of mention strings, which an article
    repeats: their results are kept while the document is clustered."""

    def __init__(self) -> None:
        self.clusters: list[_Cluster] = []
        self.latest_key: dict[tuple[str, ...], int] = {}
        self.latest_person = -1
        # Which clusters a named mention could match (see `_names_match`): by key word, and
        # those with a name in initials.
        self.by_word: dict[str, set[int]] = {}
        self.with_initials: set[int] = set()
        self.key = functools.cache(_key)
        self.named = functools.cache(_is_named_text)
        self.person = functools.cache(looks_like_person)

    def add(self, mention: Span) -> None:
        """Put an ACTOR mention in its home cluster, or in a new one."""
        number = self._home(mention.text)
        if number is None:
            number = len(self.clusters)
            self.clusters.append(_Cluster())
        cluster = self.clusters[number]
        cluster.mentions.append(mention)
        key = self.key(mention.text)
        self.latest_key[key] = max(self.latest_key.get(key, -1), number)
        if self.named(mention.text):
            cluster.names[mention.text] = None
            for word in key:
                self.by_word.setdefault(word, set()).add(number)
            if _is_initials(mention.text):
                self.with_initials.add(number)
            if not cluster.person and self.person(mention.text):
                cluster.person = True
                self.latest_person = max(self.latest_person, number)

    def _home(self, text: str) -> int | None:
        """The latest cluster that a named mention matches a name of; for a nominal one, the
        latest with a mention of the same words, else (a role word) the latest person."""
        key = self.key(text)
        if self.named(text):
            for number in self._clusters_to_try(text, key):
                names = self.clusters[number].names
                if any(_names_match(text, key, name, self.key(name)) for name in names):
                    return number
            return None
        if key in self.latest_key:
            return self.latest_key[key]
        if key and key[-1] in TITLES:  # "the envoy", "the spokesman": the closest earlier person
            return self.latest_person if self.latest_person >= 0 else None
        return None

    def _clusters_to_try(self, text: str, key: tuple[str, ...]) -> list[int]:
        """The clusters, latest first, that have a name a named mention may match: all of them
        for initials, else those sharing a word of its key or with a name in initials."""
        if _is_initials(text):
            return list(reversed(range(len(self.clusters))))
        numbers = set(self.with_initials)
        for word in key:
            numbers |= self.by_word.get(word, set())
        return sorted(numbers, reverse=True)


def actor_clusters(doc: Document) -> list[ActorCluster]:
    """Every ACTOR span in exactly one cluster (singletons too), clusters in order of their
    first mention, each cluster's mentions in text order."""
    clusters = _Clusters()
    for mention in sorted(doc.spans_of("ACTOR"), key=lambda s: (s.start, s.end)):
        clusters.add(mention)
    _attach_pronouns(doc.text, clusters.clusters)
    return [ActorCluster(canonical_name(c.mentions), c.mentions) for c in clusters.clusters]


def canonical_name(mentions: list[Span]) -> str:
    actors = [m for m in mentions if m.label != PRONOUN]
    named = [m for m in actors if is_named(m)] or actors
    return max(named, key=lambda m: (len(m.text), -m.start)).text


def is_named(span: Span) -> bool:
    """A mention with a capitalised word that is not a common noun ("Rebels" at a sentence's
    start, "President" alone)."""
    return _is_named_text(span.text)


def _is_named_text(text: str) -> bool:
    """`is_named` of a mention's text."""
    return any(w[0].isupper() and w.lower() not in _COMMON_WORDS for w in _WORD.findall(text))


def looks_like_person(name: str) -> bool:
    """A named person: two or more capitalised words (name particles aside) with no
    organisation noun among them. A cluster is a person's when one of its named mentions is."""
    words = _WORD.findall(name)
    return (len(words) >= 2 and is_name(words) and not name.isupper()
            and not {w.lower() for w in words} & (ORGANISATION_NOUNS | PLACE_NOUNS | GROUP_WORDS))


def _key(text: str) -> tuple[str, ...]:
    words = [w.lower() for w in _WORD.findall(text)]
    if words and words[-1] in ("'s", "s") and len(words) > 1:
        words.pop()
    return tuple(w.removesuffix("'s").removesuffix("’s") for w in words if w != "the")


def _acronym(text: str) -> str:
    return "".join(w[0] for w in _WORD.findall(text) if w.lower() not in _LINKING).upper()


def names_match(a: str, b: str) -> bool:
    """Whether two named mentions name one actor by the string rules of the module docstring."""
    return _names_match(a, _key(a), b, _key(b))


def _names_match(a: str, ka: tuple[str, ...], b: str, kb: tuple[str, ...]) -> bool:
    """`names_match` of `a` and `b`, whose keys are `ka` and `kb`. It is False unless they
    share a word of their keys or one of them is initials (`_clusters_to_try` relies on it)."""
    if not ka or not kb:
        return False
    short, long = sorted((ka, kb), key=len)
    if short == long or (len(short) < len(long) and long[-len(short):] == short):
        return True  # same words, or the surname / tail of a name
    if 2 <= len(short) < len(long) and long[: len(short)] == short:
        return True  # the first words of an organisation's name
    if len(short) == 1 and short[0] in long[1:] and looks_like_person(a if len(ka) > 1 else b):
        return True  # one of a person's surnames: "Herrera" -> "Lucía Herrera Campos"
    for initials, full in ((a, b), (b, a)):
        if _is_initials(initials):
            if len(_WORD.findall(full)) >= 2 and _acronym(full) == initials:
                return True
    return False


def _is_initials(text: str) -> bool:
    return text.isupper() and 2 <= len(text) <= 6 and " " not in text


def _attach_pronouns(text: str, clusters: list[_Cluster]) -> None:
    for match in REPORTING_PRONOUN.finditer(text):
        wants_person = match.group().lower() in PERSON_PRONOUNS
        # The cluster of its kind mentioned last before it (the later cluster on a tie).
        latest = [
            (max(m.start for m in c.mentions if m.start < match.start()), number)
            for number, c in enumerate(clusters)
            if c.person == wants_person and c.mentions[0].start < match.start()
        ]
        home = clusters[max(latest)[1]] if latest else None
        if home is not None:
            pronoun = Span(PRONOUN, match.start(), match.end(), match.group())
            home.mentions.append(pronoun)
            home.mentions.sort(key=lambda s: (s.start, s.end))


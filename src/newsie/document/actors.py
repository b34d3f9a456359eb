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

import re
from dataclasses import dataclass, field

from newsie.data import PRONOUN, ActorCluster, Document, Span
from newsie.text.lexicon import (
    NAME_PARTICLES,
    NOMINAL_ACTORS,
    ORGANISATION_NOUNS,
    PLACE_NOUNS,
    REPORTING_VERBS,
    TITLES,
    alternation,
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
    mentions: list[Span] = field(default_factory=list)

    def named(self) -> list[Span]:
        return [m for m in self.mentions if m.label != PRONOUN and is_named(m)]


def actor_clusters(doc: Document) -> list[ActorCluster]:
    """Every ACTOR span in exactly one cluster (singletons too), clusters in order of their
    first mention, each cluster's mentions in text order."""
    clusters: list[_Cluster] = []
    for mention in sorted(doc.spans_of("ACTOR"), key=lambda s: (s.start, s.end)):
        home = _home(mention, clusters)
        if home is None:
            clusters.append(_Cluster([mention]))
        else:
            home.mentions.append(mention)
    _attach_pronouns(doc.text, clusters)
    return [ActorCluster(canonical_name(c.mentions), c.mentions) for c in clusters]


def canonical_name(mentions: list[Span]) -> str:
    actors = [m for m in mentions if m.label != PRONOUN]
    named = [m for m in actors if is_named(m)] or actors
    return max(named, key=lambda m: (len(m.text), -m.start)).text


def is_named(span: Span) -> bool:
    """A mention with a capitalised word that is not a common noun ("Rebels" at a sentence's
    start, "President" alone)."""
    return any(w[0].isupper() and w.lower() not in _COMMON_WORDS for w in _WORD.findall(span.text))


def is_person(cluster: _Cluster) -> bool:
    """A named person: a mention of two or more capitalised words (name particles aside) with no
    organisation noun among them."""
    return any(looks_like_person(m.text) for m in cluster.named())


def looks_like_person(name: str) -> bool:
    words = _WORD.findall(name)
    capitalised = all(w[0].isupper() or w.split("-")[0].lower() in NAME_PARTICLES for w in words)
    return (len(words) >= 2 and capitalised and not name.isupper()
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
    ka, kb = _key(a), _key(b)
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
        if initials.isupper() and 2 <= len(initials) <= 6 and " " not in initials:
            if len(_WORD.findall(full)) >= 2 and _acronym(full) == initials:
                return True
    return False


def _home(mention: Span, clusters: list[_Cluster]) -> _Cluster | None:
    if is_named(mention):
        for cluster in reversed(clusters):
            if any(names_match(mention.text, m.text) for m in cluster.named()):
                return cluster
        return None
    key = _key(mention.text)
    for cluster in reversed(clusters):
        if any(_key(m.text) == key for m in cluster.mentions if m.label != PRONOUN):
            return cluster
    if key and key[-1] in TITLES:  # "the envoy", "the spokesman": the closest earlier person
        return next((c for c in reversed(clusters) if is_person(c)), None)
    return None


def _attach_pronouns(text: str, clusters: list[_Cluster]) -> None:
    for match in REPORTING_PRONOUN.finditer(text):
        wants_person = match.group().lower() in PERSON_PRONOUNS
        earlier = [c for c in clusters if c.mentions[0].start < match.start()]
        earlier.sort(key=lambda c: max(m.start for m in c.mentions if m.start < match.start()))
        home = next((c for c in reversed(earlier) if is_person(c) == wants_person), None)
        if home is not None:
            pronoun = Span(PRONOUN, match.start(), match.end(), match.group())
            home.mentions.append(pronoun)
            home.mentions.sort(key=lambda s: (s.start, s.end))


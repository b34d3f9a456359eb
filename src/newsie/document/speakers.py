"""Speakers across the article: a SPEAKER for every QUOTE the model left without one, wherever
the article says who spoke, and the speaker named right after a quote over the model's choice
(`docs/annotation-guidelines.md`, SPEAKER and "Document level").

Rules over the whole text, so no encoder window limits them:

1. *After the quote*: `"...," Warsame told reporters`, `"...," said the envoy`, `"...," he said`.
   After a quote that ends its sentence, only a sentence that names the speaker and no more:
   `"... And now this." Witt said.`
2. *Before the quote*, in its sentence: the subject of a reporting verb (`Warsame said: "..."`,
   `He added, "..."`, `The EU said the move "undermines local democracy"`).
3. *Carried on*: a quote with no attribution of its own, in a paragraph that continues the last
   speaker (an earlier quote's speaker, or the subject of "X said" in indirect speech), within
   `CARRY_PARAGRAPHS` paragraphs.

A pronoun subject resolves through its actor cluster to the closest earlier named or nominal
mention, as the guidelines' SPEAKER rule asks.

Where the model chose a speaker, rule 1 replaces it when it names another actor by an ACTOR span
(`"...," said analyst Edward Meir` after the model took an earlier name), or by a pronoun whose
antecedent comes after the model's actor, nearer the quote (`Minister Raad al-Saadi called it a
breakthrough. "...," he said` where the model took a minister named before him); rule 2
replaces an actor of another sentence by the named subject of a reporting verb before the quote
in its own sentence (`One resident, Hussein Ali, said that the incident "..."`), not by a
pronoun. An antecedent is never inside a quotation. Measured in docs/evaluation.md.
"""

from __future__ import annotations

import re

from newsie.data import PRONOUN, ActorCluster, Document, Relation, Span
from newsie.text.lexicon import QUOTATION_MARKS, REPORTING_VERBS, alternation
from newsie.text.sentences import sentence_window

_VERB = rf"(?:(?:has|have|had|also|later|then)\s+)*(?:{alternation(REPORTING_VERBS)})\b"
# Up to four words of a role: "said caucus leader Lwazi Mabandla", `his lawyer, Jens Hartmann,`.
_ROLE_WORDS = r"(?:(?:[\w'’-]+|Mrs?\.|Ms\.|Dr\.),?[^\S\n]+){0,4}"
# Between a quote that ends a clause (`,"` `?"` `!"`) and its speaker, in one paragraph: marks,
# maybe the verb first, maybe a role ("Turkish Foreign Minister Kemal Aydın said").
VERB_FIRST = re.compile(rf"(?:[^\S\n]|[,{QUOTATION_MARKS}])*(?:{_VERB}\s+)?{_ROLE_WORDS}",
                        re.IGNORECASE)
# After a subject: the verb, maybe after an apposition ("Warsame, a regional commander, said",
# "Sarah Mitchell of Western Australia Police said"), one left open by a missing comma included
# when it opens with an article ("Howard Berman, the chairperson for the committee said").
VERB_AFTER = re.compile(
    rf"(?:,[^,.\n]{{1,60}},|,\s+(?:the|an?)\s+[^,.\n]{{1,60}}?|,"
    rf"|\s+(?:of|from|at)\s+[^,.\n]{{1,50}}?)?\s+{_VERB}",
    re.IGNORECASE,
)
# A sentence of its own after a quote that ends one: `"... And now this." Witt said.`; named,
# not a pronoun (whose antecedent is a guess), and no news source (`"..." Reuters reported.`).
ENDS_HERE = re.compile(r"[^\S\n]*\.")
NEWS_SOURCE = re.compile(r"\b(?:according\s+to|reported|reports)\b", re.IGNORECASE)
POSSESSIVE = re.compile(r"['’]s?\b")
# Verbs before their subject: `"...," said Warsame`, "according to police".
INVERTED_VERB = re.compile(
    rf"(?:[,!?][{QUOTATION_MARKS}]\s*(?:said|says|added|adds|asked|wrote|continued)"
    rf"|\baccording to)\s+{_ROLE_WORDS}$",
    re.IGNORECASE,
)
# A quotation's paragraph with no closing mark, the next paragraph opening the same quotation.
RUNS_ON = re.compile(rf"[^\S\n]*\n\s*[{QUOTATION_MARKS}]*")
# Between an organisation and the person after it: one role word ("Oracle CEO Larry Ellison").
ROLE_GAP = re.compile(r"[^\S\n]+(?:[\w'’-]+[^\S\n]+)?")
REACH = 120  # characters either side of a quote that its attribution may lie in
CARRY_PARAGRAPHS = 2


def attach_speakers(doc: Document, clusters: list[ActorCluster]) -> list[Relation]:
    """The SPEAKER relations added to `doc` (also appended to `doc.relations`)."""
    subjects = _subjects(doc, clusters)
    spoken = {id(r.head): r for r in doc.relations if r.label == "SPEAKER"}
    cluster_of = {id(m): i for i, cluster in enumerate(clusters) for m in cluster.mentions}
    quotes = sorted(doc.spans_of("QUOTE"), key=lambda s: s.start)
    tails = []
    for quote in quotes:
        named, model = _named_after(doc.text, quote, subjects), spoken.get(id(quote))
        if model is None:
            tails.append(_actor(named or _named_before(doc.text, quote, subjects)))
        elif isinstance(named, Span) and not _same_actor(named, model.tail, cluster_of):
            tails.append(named)  # `"...," said Warsame` outranks the model's other actor
        elif isinstance(named, _Resolved) and model.tail.end <= named.antecedent.start \
                and not _same_actor(named.antecedent, model.tail, cluster_of):
            tails.append(named.antecedent)
        elif named is None and _outside_sentence(doc.text, quote, model.tail) \
                and isinstance(before := _named_before(doc.text, quote, subjects), Span) \
                and not _same_actor(before, model.tail, cluster_of):
            tails.append(before)  # `X said that "..."` outranks an actor of another sentence
        else:  # and the model outranks a pronoun, whose antecedent is a guess
            tails.append(model.tail)
    for i in reversed(range(len(quotes) - 1)):  # a quotation's paragraph that runs on
        if tails[i] is None and RUNS_ON.fullmatch(doc.text, quotes[i].end, quotes[i + 1].start):
            tails[i] = tails[i + 1]
    _carry_on(doc.text, quotes, tails, subjects)
    added, changed = [], []
    for quote, tail in zip(quotes, tails, strict=True):
        model = spoken.get(id(quote))
        if model is None and tail is not None:
            added.append(Relation("SPEAKER", quote, tail))
        elif model is not None and tail is not model.tail:
            model.tail, model.score = tail, None
            changed.append(model)
    doc.relations.extend(added)
    return added + changed


def _same_actor(one: Span, other: Span, cluster_of: dict[int, int]) -> bool:
    return one is other or cluster_of.get(id(one), -1) == cluster_of.get(id(other), -2)


def _carry_on(text: str, quotes: list[Span], tails: list[Span | None], subjects) -> None:
    """A quote with no speaker yet takes the latest one: an earlier quote's speaker, or the
    subject of a reporting verb in between, within `CARRY_PARAGRAPHS` paragraphs."""
    last: tuple[int, Span] | None = None  # (position, speaker) of the latest attribution
    for i, quote in enumerate(quotes):
        for position, mention in subjects:
            if position < quote.start and (last is None or last[0] < position) \
                    and _speaks(text, mention):
                last = (position, _actor(mention))
        if tails[i] is None and last is not None \
                and _paragraphs_between(text, last[0], quote) <= CARRY_PARAGRAPHS:
            tails[i] = last[1]
        if tails[i] is not None:
            last = (sentence_window(text, quote.start, quote.end)[1], tails[i])


def _subjects(doc: Document, clusters: list[ActorCluster]) -> list[tuple[int, Span]]:
    """(position, speaker) for each mention that can be a subject or object of a reporting
    verb: ACTOR spans, and pronouns resolved to their cluster's closest earlier mention."""
    quotes = doc.spans_of("QUOTE")

    def quoted(span: Span) -> bool:
        return any(q.start <= span.start and span.end <= q.end for q in quotes)

    found = [(span.start, span) for span in doc.spans_of("ACTOR") if not quoted(span)]
    for cluster in clusters:
        for pronoun in cluster.mentions:
            if pronoun.label == PRONOUN:
                antecedent = _antecedent(cluster, pronoun, quoted)
                if antecedent is not None:
                    found.append((pronoun.start, _Resolved(pronoun, antecedent)))
    return sorted(found, key=lambda item: item[0])


class _Resolved:
    """A pronoun mention standing for the ACTOR span it resolves to."""

    def __init__(self, pronoun: Span, antecedent: Span) -> None:
        self.start, self.end, self.antecedent = pronoun.start, pronoun.end, antecedent


def _antecedent(cluster: ActorCluster, pronoun: Span, quoted) -> Span | None:
    """The cluster's closest mention before the pronoun, outside quotations: a speaker is named
    outside the quotation marks (`"Yes, the army lied to us," she said`)."""
    earlier = [m for m in cluster.actor_mentions() if m.end <= pronoun.start and not quoted(m)]
    return earlier[-1] if earlier else None


def _actor(mention) -> Span:
    return mention.antecedent if isinstance(mention, _Resolved) else mention


def _named_after(text: str, quote: Span, subjects) -> Span | _Resolved | None:
    """`"...," Warsame said`, `"...?" asked the envoy`, `"...," his lawyer, Jens Hartmann, said`:
    the mention, an ACTOR span or a resolved pronoun."""
    closing = text[quote.end : quote.end + 3].lstrip(QUOTATION_MARKS + " ")
    last_mark = quote.text.rstrip()[-1:]
    ends_clause = last_mark in ",!?" or closing.startswith(",")
    if not (ends_clause or last_mark == "." or closing.startswith(".")):
        return None
    for i, (_, mention) in enumerate(subjects):
        if not quote.end <= mention.start <= quote.end + REACH:
            continue
        between = text[quote.end : mention.start]
        if POSSESSIVE.match(text, mention.end) or not VERB_FIRST.fullmatch(between):
            continue
        if re.search(_VERB, between, re.IGNORECASE):
            # `said Oracle CEO Larry Ellison`, `said a UN spokesperson`: the last of the chain
            for _, later in subjects[i + 1 :]:
                if not ROLE_GAP.fullmatch(text, mention.end, later.start):
                    break
                mention = later
            attribution_end = mention.end
        elif (verb := VERB_AFTER.match(text, mention.end)) is not None:
            attribution_end = verb.end()
        else:
            continue
        if ends_clause or (isinstance(mention, Span) and ENDS_HERE.match(text, attribution_end)
                           and not NEWS_SOURCE.search(text, quote.end, attribution_end)):
            return mention
        return None
    return None


def _named_before(text: str, quote: Span, subjects) -> Span | _Resolved | None:
    """The subject of the latest reporting verb before the quote in its sentence:
    `Warsame said: "..."`, `The EU said the move "undermines local democracy"`; an ACTOR span
    or a resolved pronoun."""
    lo, _ = sentence_window(text, quote.start, quote.end, max_chars=REACH)
    speaking = [(verb, m) for _, m in subjects if lo <= m.start and m.end <= quote.start
                if (verb := _verb_at(text, m)) is not None and verb <= quote.start]
    if not speaking:
        return None
    latest = max(verb for verb, _ in speaking)
    # "Getachew Mersha, of the Ethiopian government, said": the first subject of that verb, the
    # others sit in its apposition; but `A lawyer for Park, Lee Dong-min, said`: the name
    subjects_of_verb = [m for verb, m in speaking if verb == latest]
    chosen = subjects_of_verb[0]
    for later in subjects_of_verb[1:]:
        if text[chosen.end : later.start] == ", ":
            chosen = later
    return chosen


def _outside_sentence(text: str, quote: Span, mention: Span) -> bool:
    """Whether the mention lies outside the sentence of the quote."""
    lo, hi = sentence_window(text, quote.start, quote.end, max_chars=REACH)
    return mention.end <= lo or hi <= mention.start


def _speaks(text: str, mention) -> bool:
    """Whether the mention is the subject of a reporting verb ("Warsame said", "said Warsame")."""
    return _verb_at(text, mention) is not None


def _verb_at(text: str, mention) -> int | None:
    """Where the reporting verb whose subject the mention is ends, if it is one's."""
    after = VERB_AFTER.match(text, mention.end)
    if after is not None:
        return after.end()
    before = INVERTED_VERB.search(text, max(0, mention.start - 80), mention.start)
    return None if before is None else before.start()


def _paragraphs_between(text: str, position: int, quote: Span) -> int:
    return len(re.findall(r"\n\s*\n", text[position : quote.start]))

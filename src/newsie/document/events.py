"""Casualty events: which CASUALTY mentions of a document count the same victims, and the
document's totals (`docs/annotation-guidelines.md`, "Document level").

All rules, no learning: each decision has a textual cue the guidelines name, and on the project's
corpus the cues are exact where they fire (docs/evaluation.md has the measurements).

- An *aggregate* joins no event: a background toll (a long-running cause near the mention: "the
  war has claimed over 45,000 lives", "since the coup"; or 50 or more over a past year: "an
  earthquake in 2023 killed more than 50,000 people"), or a toll summed over a period ("so far
  this year", "since January", "has claimed") when the article reports another toll (else it is
  the story: a health ministry's count of an outbreak, or a toll in the article's first sentence).
  A news summary's topic label ("2011 Syrian uprising: ...") is no cue.
- A *subset* ("eight of them children", "Two of the victims", "among them three children",
  "including two women", "In Muisne alone, 13 people died", "identified the dead as ...") joins
  the event of the mention it is taken from: the nearest earlier event of a compatible status
  that is at least as large.
- A *list* of the same status ("two soldiers and two civilians", "Three people, two men and a
  woman"): the next of a list of subsets is a subset too ("among them five women, three children
  and a nurse"), and so is a clause joined by "and" to a subset ("Eleven of the dead were under
  15, and seven came from Tolon"); a smaller count in apposition breaks the group before it down
  and joins its event, and so does a single victim described in apposition ("the passenger, a
  woman of 45"); else the list names different people, none a repeat of another.
- A single victim *named* or *definite* ("Kemar Lewis", "the injured guard", "her son") after a
  group of the same status is one of that group and joins its event; so does a group a single
  victim is "one of" ("Hassan, one of nine traders"). A mention that refers back and *died*
  ("Two died before noon", "Sergeant Toro, 34, died in hospital") after an injured group is of
  that group.
- A *repeat* (the same count and status again: "six people were killed ... the six victims")
  joins the earlier event.
- An age between commas ("Arjun, nine, and Meera") is no victim mention.
- Anything else opens an event. Events of one status in one sentence whose counts add up to an
  earlier event's count break it down and join it ("Nine people were killed ... six died in
  Dakar and three others in Ziguinchor").
- An event's killed (injured) count is the largest count among its mentions of that status (the
  most inclusive mention's); a `null` count adds nothing; those of it who died leave its injured.
"""

from __future__ import annotations

import re

from newsie.data import COUNT_KEYS, CasualtyEvent, Document, Span
from newsie.text.casualty import CASUALTY_HEADS, NUMBER_WORD
from newsie.text.lexicon import alternation, phrases
from newsie.text.sentences import sentence_window

PERIOD_WORDS = phrases("year,years,decade,decades")
MONTHS = phrases(
    "january,february,march,april,may,june,july,august,september,october,november,december"
)
LONG_RUNNING = phrases(  # what a background toll is summed over: "the war has claimed ..."
    "war,wars,conflict,civil war,uprising,insurgency,revolution,invasion,coup,crackdown,"
    "seized power"
)
_PERIOD = alternation(PERIOD_WORDS)
# A toll over a long-running cause, or over a past year, near the mention: a background toll.
BACKGROUND_CUE = re.compile(
    rf"(?<!World )\b(?:{alternation(LONG_RUNNING)})\b"  # "a World War II plane" is no war
    r"|\bfighting\b[^.]{0,60}\b(?:has|have) (?:killed|claimed)\b",
    re.IGNORECASE,
)
PAST_YEAR_CUE = re.compile(r"\b(?:in|of|between) (?:19|20)[0-9]{2}\b|\blast year\b", re.IGNORECASE)
PAST_YEAR_MINIMUM = 50  # a past year's toll this large is a background figure, not the story's
# A toll summed over a period ("so far this year", "since January"): the article's own story
# when it has no other toll (a health ministry's count of an outbreak) or opens the article,
# else background.
PERIOD_CUE = re.compile(
    rf"\b(?:this|last|past|previous|the) (?:{_PERIOD})\b"
    rf"|\b(?:in|over|during) the (?:past|last|first|previous) (?:\w+ )?(?:{_PERIOD}|months)\b"
    rf"|\bsince (?:(?:early |late |mid-?)?(?:{alternation(MONTHS)})|(?:19|20)[0-9]{{2}}"
    rf"|the (?:start|beginning|outbreak))\b"
    r"|\bso far\b|\bto date\b"
    r"|\b(?:has|have) claimed\b",  # summed up to now: "the crisis that has claimed ..."
    re.IGNORECASE,
)
# A news summary's topic label ("2011 Syrian uprising: ...", "War in Darfur: ...") names the
# story's context, not the toll's: its words are no background cue.
TOPIC_PREFIX = re.compile(r"[A-Z0-9][^.:;\n\"“]{2,60}:\s+(?=[A-Z0-9])")
CUE_REACH = 80  # characters either side of a mention, in its sentence, that a cue may lie in
# Inside the mention: "eight of them children", "Two of the victims", "One of the boys",
# "45 of the deaths", "Three of the 16 injured": a plural casualty head after "of the" names
# people already counted; so does "The remaining three".
PARTITIVE = re.compile(
    r"\bof (?:them|those|whom|these|the (?:[0-9][0-9,]* )?"
    rf"(?:{alternation([*CASUALTY_HEADS, 'killed'])}))\b|^the remaining\b",
    re.IGNORECASE,
)
# Just before the mention, in its sentence: "six people, among them three children"; a part of
# a wider toll: "In Quang Ngai province alone, 21 people died"; "identified the dead as ...".
SUBSET_LEAD = re.compile(
    r"(?:\bamong them|\bincluding|\bof whom|\bof them|\bamong the (?:dead|victims|injured|wounded)"
    r"(?: were)?|\bincluded|\balone|\bidentified (?:the (?:dead|deceased|victims?|bodies) )?as)"
    r"[\s,:]*(?:at least |about |some )?$",
    re.IGNORECASE,
)
# Just after the mention: "Four health workers are among the dead", "... and five among the
# wounded", "Three children were among the eight dead".
SUBSET_TRAIL = re.compile(
    r"\s+(?:(?:were|are|was|is)\s+)?(?:also\s+)?among\s+the\s+(?:[\w,]+\s+)?"
    r"(?:dead|victims|killed|injured|wounded)\b",
    re.IGNORECASE,
)
PARTITIVE_STATUS = {"dead": "killed", "deceased": "killed", "fatalities": "killed",
                    "deaths": "killed", "killed": "killed", "injured": "injured",
                    "wounded": "injured"}
# Between two mentions of different people: "two soldiers and two civilians", "a woman and her
# daughter".
COORDINATION = re.compile(r"\s*,?\s*and\s+")
CLAUSE_AND = re.compile(r"\band\s+$")
SENTENCE_END = re.compile(r"[.;!?]\s")
COORDINATION_REACH = 80  # characters between two coordinated mentions of one sentence
BARE_NUMBER = re.compile(rf"[0-9]+|{NUMBER_WORD}", re.IGNORECASE)
AGE_LEAD = re.compile(r",\s*(?:both\s+|aged\s+)?$", re.IGNORECASE)
# Between a single victim and the group it belongs to: "Hassan, one of nine traders", "Her son,
# a 22-year-old patrolman, was one of two police officers".
ONE_OF = re.compile(r"[^.;]{0,60}\bone of (?:the )?", re.IGNORECASE)
DEFINITE_OPENERS = frozenset("the his her their".split())  # "her son Arjun" is one of them
INDEFINITE_OPENERS = frozenset("a an one another".split())
SINGLE_VICTIM_OPENERS = INDEFINITE_OPENERS | {"the"}
# The mention's own predicate says it died, after an apposition ("Toro, 34, died in hospital").
DIED = re.compile(r"(?:,[^,.;]{1,40},)?\s+(?:later\s+|then\s+|also\s+)?(?:died|succumbed)\b")
SUBSET_REACH = 400  # characters back to the mention "of them" is taken from ("of the dead": any)


def casualty_events(doc: Document) -> list[CasualtyEvent]:
    """The document's events, in order of their first mention, with PLACE and PERPETRATOR taken
    from the relations of their mentions."""
    events: list[CasualtyEvent] = []
    previous: Span | None = None
    previous_event: CasualtyEvent | None = None  # the event `previous` went to
    previous_is_part = False  # whether it went there as a part of that event's group
    for mention in story_mentions(doc):
        listed = _listed(doc.text, mention, previous)
        part_of = _subset_parent(doc.text, mention, events)
        if part_of is None and listed:
            part_of = _home_in_list(doc.text, mention, previous, previous_event, previous_is_part)
        elif part_of is None and previous_is_part and _coordinated(doc.text, mention, previous):
            part_of = previous_event
        elif part_of is None:
            part_of = (_one_of_them(mention, events)
                       or _group_of(doc.text, mention, previous, previous_event)
                       or _died_of_wounds(doc.text, mention, events))
        # A listed mention names other people than the one before it: it repeats no one.
        home = part_of or (None if listed else _repeated(mention, events))
        if home is None:
            home = CasualtyEvent(mentions=[])
            events.append(home)
        home.mentions.append(mention)
        previous, previous_event, previous_is_part = mention, home, part_of is not None
    events = _merge_breakdowns(doc.text, events)
    places, perpetrators = _tails(doc, "PLACE"), _tails(doc, "PERPETRATOR")
    for event in events:
        _fill_counts(event)
        event.place = _related(places, event)
        event.perpetrator = _related(perpetrators, event)
    return events


def doc_counts(events: list[CasualtyEvent]) -> dict[str, int]:
    """`{"killed": K, "injured": I}`, the sums over the events; zeros when there are none."""
    return {key: sum(getattr(event, key) for event in events) for key in COUNT_KEYS}


def story_mentions(doc: Document) -> list[Span]:
    """The CASUALTY mentions in text order, aggregates left out."""
    mentions = sorted(doc.spans_of("CASUALTY"), key=lambda s: s.start)
    kinds = {id(m): toll_kind(doc.text, m) for m in mentions}
    # A subset ("Four health workers are among the dead") is part of a toll, not another one.
    # A period toll the article opens with is its story ("Cholera has killed 38 people since
    # January ..."), and a toll beside any later one.
    lede_end = sentence_window(doc.text, 0, 0, max_chars=len(doc.text))[1]
    tolls = [m for m in mentions if subset_cue(doc.text, m) is None and (
        kinds[id(m)] == "plain" or (kinds[id(m)] == "period" and m.start < lede_end))]
    kept = []
    for mention in mentions:
        kind = kinds[id(mention)]
        if _is_age(doc.text, mention):
            continue
        lo, hi = sentence_window(doc.text, mention.start, mention.end, max_chars=400)
        other_tolls = any(not lo <= m.start < hi for m in tolls)
        if kind == "plain" or (kind == "period" and (not other_tolls or mention.start < lede_end)):
            kept.append(mention)
    return kept


def _is_age(text: str, mention: Span) -> bool:
    """A bare number set off by commas after a person: "Arjun, nine, and Meera", "two of her
    former pupils, both 19, were shot" (an age the model took for a count)."""
    return (BARE_NUMBER.fullmatch(mention.text) is not None
            and AGE_LEAD.search(text, max(0, mention.start - 8), mention.start) is not None
            and text.startswith(",", mention.end))


def toll_kind(text: str, mention: Span) -> str:
    """"background" (a long-running cause or a large past year's toll), "period" (summed over
    a period) or "plain", from cues within `CUE_REACH` characters in the mention's sentence."""
    lo, hi = sentence_window(text, mention.start, mention.end, max_chars=CUE_REACH)
    topic = TOPIC_PREFIX.match(text, lo)
    if topic and topic.end() <= mention.start:
        lo = topic.end()
    count = mention.attrs.get("count") or 0
    if BACKGROUND_CUE.search(text, lo, hi) or (
        count >= PAST_YEAR_MINIMUM and PAST_YEAR_CUE.search(text, lo, hi)
    ):
        return "background"
    return "period" if PERIOD_CUE.search(text, lo, hi) else "plain"


def mention_sums(doc: Document) -> dict[str, int]:
    """The naive totals: the CASUALTY counts summed by status, repeats and subsets counted again
    (what a reader gets without the document layer; the scorer's baseline)."""
    sums = dict.fromkeys(COUNT_KEYS, 0)
    for span in doc.spans_of("CASUALTY"):
        status, count = span.attrs.get("status"), span.attrs.get("count")
        if status in sums and count is not None:
            sums[status] += count
    return sums


def _status(mention: Span) -> str:
    return mention.attrs.get("status", "unknown")


def _compatible(status: str, event: CasualtyEvent) -> bool:
    statuses = {_status(m) for m in event.mentions} - {"unknown"}
    return status == "unknown" or not statuses or status in statuses


def _largest(event: CasualtyEvent) -> int | None:
    counts = [m.attrs.get("count") for m in event.mentions]
    return max((c for c in counts if c is not None), default=None)


def _subset_parent(text: str, mention: Span, events: list[CasualtyEvent]) -> CasualtyEvent | None:
    """The event a partitive mention is taken from, if the mention is one. Those of an injured
    group who died ("Two teenagers were stabbed ... One of the boys died") stay in its event."""
    cue = subset_cue(text, mention)
    if cue is None:
        return None
    status_word = cue.split()[-1].lower()
    status = PARTITIVE_STATUS.get(status_word, _status(mention))
    count = mention.attrs.get("count")
    definite = " the " in f" {cue.lower()}"
    for event in reversed(events):
        if not definite and mention.start - event.mentions[-1].end > SUBSET_REACH:
            break
        largest = _largest(event)
        # "One of the boys died" may be of an injured group; "Two of the dead" is not.
        died_of_group = (status_word not in PARTITIVE_STATUS and status == "killed"
                         and {_status(m) for m in event.mentions} == {"injured"})
        fits = _compatible(status, event) or (died_of_group and PARTITIVE.search(mention.text))
        if fits and (count is None or largest is None or largest >= count):
            return event
    return None


def subset_cue(text: str, mention: Span) -> str | None:
    """The words that make a mention a subset of people counted before ("of them", "among the
    dead"), or None when it is not one."""
    lo, _ = sentence_window(text, mention.start, mention.end, max_chars=60)
    cue = (PARTITIVE.search(mention.text) or SUBSET_LEAD.search(text[lo : mention.start])
           or SUBSET_TRAIL.match(text, mention.end))
    return None if cue is None else cue.group().strip()


def _listed(text: str, mention: Span, previous: Span | None) -> bool:
    """Whether the mention follows `previous` in a list of the same status ("two soldiers and two
    civilians", "Three people, two men and a woman")."""
    if previous is None or _status(mention) != _status(previous):
        return False
    between = text[previous.end : mention.start]
    return between == ", " or COORDINATION.fullmatch(between) is not None


def _coordinated(text: str, mention: Span, previous: Span) -> bool:
    """Whether the mention's clause is joined by "and" to that of `previous`, in its sentence, with
    the same status: "Among the dead were two labourers found near the bus stand and a vendor",
    "Eleven of the dead were under 15, and seven came from Tolon"."""
    between = text[previous.end : mention.start]
    return (_status(mention) == _status(previous) and len(between) <= COORDINATION_REACH
            and CLAUSE_AND.search(between) is not None and SENTENCE_END.search(between) is None)


def _home_in_list(text: str, mention: Span, previous: Span, previous_event: CasualtyEvent,
                  previous_is_part: bool) -> CasualtyEvent | None:
    """The event a listed mention belongs to: that of the mention before it where that one is a
    part of an earlier group ("among them five women, three children and a nurse"), or that of
    the group it breaks down in apposition ("the two men, a motorcycle taxi rider and a
    student"). Else the list names other people ("two soldiers and two civilians")."""
    if previous_is_part:
        return previous_event
    if text[previous.end : mention.start] != ", ":
        return None
    count, larger = mention.attrs.get("count"), previous.attrs.get("count")
    breakdown = count is not None and larger is not None and count < larger
    return previous_event if breakdown or _apposition(mention, previous) else None


def _apposition(mention: Span, previous: Span) -> bool:
    """Whether a single victim describes the one just named ("The passenger, a woman of 45",
    "Kemar Lewis, a mason"), unlike a list of them ("a man, a woman and a child")."""
    def first(span: Span) -> str:
        return span.text.split()[0].lower()
    return (mention.attrs.get("count") == previous.attrs.get("count") == 1
            and first(mention) in INDEFINITE_OPENERS and first(previous) not in INDEFINITE_OPENERS)


def _group_of(text: str, mention: Span, previous: Span | None,
              previous_event: CasualtyEvent | None) -> CasualtyEvent | None:
    """The event of a single victim named just before, as "one of" this group ("Hassan, one of
    nine traders"): it opened an event alone, which the group joins."""
    if previous is None or previous.attrs.get("count") != 1 or len(previous_event.mentions) != 1 \
            or not ONE_OF.fullmatch(text, previous.end, mention.start):
        return None
    return previous_event


def _one_of_them(mention: Span, events: list[CasualtyEvent]) -> CasualtyEvent | None:
    """A single victim named ("Kemar Lewis") or definite ("the injured guard", "her son") after a
    group of the same status is one of that group: the nearest earlier such event."""
    first_word = mention.text.split()[0]
    named = first_word[0].isupper() and first_word.lower() not in SINGLE_VICTIM_OPENERS
    if mention.attrs.get("count") != 1 or not (named or first_word.lower() in DEFINITE_OPENERS):
        return None
    status = _status(mention)
    for event in reversed(events):
        if _compatible(status, event) and (_largest(event) or 0) > 1:
            return event
    return None


def _died_of_wounds(text: str, mention: Span, events: list[CasualtyEvent]) -> CasualtyEvent | None:
    """The injured group that a mention which refers back ("Two died before noon", "Sergeant
    Cristián Toro, 34, died in hospital") says some of died: the last event, when all injured
    and at least as large. Its dead then leave its injured count (`_fill_counts`)."""
    first_word = mention.text.split()[0]
    refers_back = BARE_NUMBER.fullmatch(mention.text) is not None or (
        mention.attrs.get("count") == 1 and first_word.lower() not in INDEFINITE_OPENERS
        and (first_word[0].isupper() or first_word.lower() in DEFINITE_OPENERS))
    count = mention.attrs.get("count")
    if not (refers_back and events and count and _status(mention) == "killed"
            and DIED.match(text, mention.end)):
        return None
    last = events[-1]
    return last if _statuses(last) == {"injured"} and (_largest(last) or 0) >= count else None


def _merge_breakdowns(text: str, events: list[CasualtyEvent]) -> list[CasualtyEvent]:
    """Events that break an earlier one down join it: two or more events of its one status, their
    first mentions in one sentence, whose counts add up to its count ("Nine people were killed
    ... six people died in Dakar and three others in Ziguinchor")."""
    merged: list[CasualtyEvent] = []
    position = 0
    while position < len(events):
        run = _breakdown_run(text, merged, events[position:])
        if run:
            back, length = run
            for part in events[position : position + length]:
                merged[-1 - back].mentions.extend(part.mentions)
            position += length
        else:
            merged.append(events[position])
            position += 1
    return merged


def _breakdown_run(text: str, before: list[CasualtyEvent],
                   after: list[CasualtyEvent]) -> tuple[int, int] | None:
    """(how far back in `before` the event broken down is, how many of `after` break it down),
    or None."""
    parts: list[tuple[Span, int]] = []  # (first mention, count) of each part
    for event in after:
        first, count, statuses = event.mentions[0], _largest(event), _statuses(event)
        if count is None or len(statuses) != 1 or (parts and (
                statuses != {_status(parts[0][0])}
                or SENTENCE_END.search(text, parts[-1][0].end, first.start))):
            break
        parts.append((first, count))
    for length in range(len(parts), 1, -1):
        total = sum(count for _, count in parts[:length])
        for back, event in enumerate(reversed(before)):
            if _largest(event) == total and _statuses(event) == {_status(parts[0][0])}:
                return back, length
    return None


def _statuses(event: CasualtyEvent) -> set[str]:
    return {_status(m) for m in event.mentions}


def _repeated(mention: Span, events: list[CasualtyEvent]) -> CasualtyEvent | None:
    """The earlier event that already counts exactly these victims: same count, same status."""
    count = mention.attrs.get("count")
    if count is None:
        return None
    for event in reversed(events):
        if _largest(event) == count and _compatible(_status(mention), event):
            return event
    return None


def _fill_counts(event: CasualtyEvent) -> None:
    for key in COUNT_KEYS:
        counts = [m.attrs.get("count") for m in event.mentions if _status(m) == key]
        setattr(event, key, max((c for c in counts if c is not None), default=0))
    # Killed and injured in one event: those who died were among the injured group.
    event.injured = max(event.injured - event.killed, 0)


def _tails(doc: Document, label: str) -> dict[int, Span]:
    """id(head) -> tail of the document's `label` relations (the last one of a head's)."""
    return {id(r.head): r.tail for r in doc.relations if r.label == label}


def _related(tails: dict[int, Span], event: CasualtyEvent) -> Span | None:
    """The tail (in `tails`) of the event's most inclusive mention that has one."""
    ranked = sorted(event.mentions, key=lambda m: -(m.attrs.get("count") or 0))
    return next((tails[id(m)] for m in ranked if id(m) in tails), None)

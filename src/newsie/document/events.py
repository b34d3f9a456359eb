"""Casualty events: which CASUALTY mentions of a document count the same victims, and the
document's totals (`docs/annotation-guidelines.md`, "Document level").

All rules, no learning: each decision has a textual cue the guidelines name, and on the project's
corpus the cues are exact where they fire (docs/evaluation.md has the measurements).

- An *aggregate* (a toll summed over a conflict or a period: "the war has claimed over 45,000
  lives", "killed more than 1,500 people last year", "since June") joins no event.
- A *subset* ("eight of them children", "Two of the victims", "among them three children",
  "including two women") joins the event of the mention it is taken from: the nearest earlier
  event of a compatible status that is at least as large.
- A *repeat* (the same count and status again: "six people were killed ... the six victims")
  joins the earlier event.
- Anything else opens an event. An event's killed (injured) count is the largest count among its
  mentions of that status (the most inclusive mention's); a `null` count adds nothing.
"""

from __future__ import annotations

import re

from newsie.data import COUNT_KEYS, CasualtyEvent, Document, Span
from newsie.text.lexicon import alternation, phrases
from newsie.text.sentences import sentence_window

PERIOD_WORDS = phrases("year,years,decade,decades,month,months")
MONTHS = phrases(
    "january,february,march,april,may,june,july,august,september,october,november,december"
)
LONG_RUNNING = phrases(  # what a toll is summed over: "the war has claimed ..."
    "war,conflict,civil war,uprising,insurgency,revolution,crisis,epidemic,pandemic,outbreak,"
    "violence,fighting"
)
_PERIOD = alternation(PERIOD_WORDS)
# A period or a long-running cause in the mention's sentence makes its count an aggregate.
AGGREGATE_CUE = re.compile(
    rf"\b(?:this|last|past|previous|the) (?:{_PERIOD})\b"
    rf"|\b(?:in|over|during) the (?:past|last|first|previous) (?:\w+ )?(?:{_PERIOD})\b"
    rf"|\bsince (?:(?:early |late |mid-?)?(?:{alternation(MONTHS)})|(?:19|20)[0-9]{{2}}"
    rf"|the (?:start|beginning|outbreak)|the (?:{alternation(LONG_RUNNING)})|[0-9]+ years)\b"
    rf"|\b(?:{alternation(LONG_RUNNING)}) (?:has|have|had) (?:claimed|killed|left)\b"
    r"|\bso far\b|\bto date\b|\bin total\b|\bdeath toll (?:of|in|from) the\b",
    re.IGNORECASE,
)
# Inside the mention: "eight of them children", "Two of the victims", "Six of the injured".
PARTITIVE = re.compile(
    r"\bof (?:them|those|whom|these|the (?:victims|dead|deceased|injured|wounded|casualties"
    r"|people|passengers|fatalities))\b",
    re.IGNORECASE,
)
# Just before the mention, in its sentence: "six people, among them three children".
SUBSET_LEAD = re.compile(
    r"(?:\bamong them|\bincluding|\bof whom|\bof them)[\s,:]*(?:at least |about |some )?$",
    re.IGNORECASE,
)
PARTITIVE_STATUS = {"dead": "killed", "deceased": "killed", "fatalities": "killed",
                    "injured": "injured", "wounded": "injured"}
SUBSET_REACH = 200  # characters back to the mention a subset is taken from


def casualty_events(doc: Document) -> list[CasualtyEvent]:
    """The document's events, in order of their first mention, with PLACE and PERPETRATOR taken
    from the relations of their mentions."""
    events: list[CasualtyEvent] = []
    for mention in sorted(doc.spans_of("CASUALTY"), key=lambda s: s.start):
        if is_aggregate(doc.text, mention):
            continue
        home = _subset_parent(doc.text, mention, events) or _repeated(mention, events)
        if home is None:
            events.append(CasualtyEvent(mentions=[mention]))
        else:
            home.mentions.append(mention)
    for event in events:
        _fill_counts(event)
        event.place = _related(doc, event, "PLACE")
        event.perpetrator = _related(doc, event, "PERPETRATOR")
    return events


def doc_counts(events: list[CasualtyEvent]) -> dict[str, int]:
    """`{"killed": K, "injured": I}`, the sums over the events; zeros when there are none."""
    return {key: sum(getattr(event, key) for event in events) for key in COUNT_KEYS}


def is_aggregate(text: str, mention: Span) -> bool:
    """Whether the mention's sentence sums a toll over a period or a long-running cause."""
    lo, hi = sentence_window(text, mention.start, mention.end, max_chars=160)
    return AGGREGATE_CUE.search(text, lo, hi) is not None


def _status(mention: Span) -> str:
    return mention.attrs.get("status", "unknown")


def _compatible(status: str, event: CasualtyEvent) -> bool:
    statuses = {_status(m) for m in event.mentions} - {"unknown"}
    return status == "unknown" or not statuses or status in statuses


def _largest(event: CasualtyEvent) -> int | None:
    counts = [m.attrs.get("count") for m in event.mentions]
    return max((c for c in counts if c is not None), default=None)


def _subset_parent(text: str, mention: Span, events: list[CasualtyEvent]) -> CasualtyEvent | None:
    """The event a partitive mention is taken from, if the mention is one."""
    partitive = PARTITIVE.search(mention.text)
    lo, _ = sentence_window(text, mention.start, mention.end, max_chars=60)
    if partitive is None and SUBSET_LEAD.search(text[lo : mention.start]) is None:
        return None
    status = _status(mention)
    if partitive is not None:
        status = PARTITIVE_STATUS.get(partitive.group().split()[-1].lower(), status)
    count = mention.attrs.get("count")
    for event in reversed(events):
        last = event.mentions[-1]
        if mention.start - last.end > SUBSET_REACH:
            break
        largest = _largest(event)
        if _compatible(status, event) and (count is None or largest is None or largest >= count):
            return event
    return None


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


def _related(doc: Document, event: CasualtyEvent, label: str) -> Span | None:
    """The tail of `label` from the event's most inclusive mention that has one."""
    tails = {id(r.head): r.tail for r in doc.relations if r.label == label}
    ranked = sorted(event.mentions, key=lambda m: -(m.attrs.get("count") or 0))
    return next((tails[id(m)] for m in ranked if id(m) in tails), None)

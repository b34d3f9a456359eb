"""The annotation workbench's working file: an easy-to-write form of one document's annotation,
converted to a stand-off record (`newsie.standoff`) and checked against the text and the guidelines.

    id: toscaData-politics-ID736
    source: wikinews
    sha256: 9f2c...
    batch: wikinews-01
    annotator: realnews

    [spans]
    a1 ACTOR "Hu Jintao"@6              # the occurrence of the text nearest offset 6
    a2 ACTOR "Lula da Silva"#2          # its second occurrence
    a3 ACTOR "Brahimi"                  # its only occurrence
    l1 LOCATION 120:126                 # offsets, end exclusive
    l2 LOCATION 130:134 "Homs"          # offsets, with the text as a check
    c1 CASUALTY "15 civilians"@200 count=15 qualifier=exact status=killed
    a4 ACTOR "Pope Francis" !keep       # waive the mechanical boundary checks for this span
    q1 QUOTE 410:452                    # offsets alone where a quoted text would be ambiguous

    [relations]
    SPEAKER q1 a1
    PLACE c1 l1
    PERPETRATOR c1 a3

    [events]
    c1 c2 place=l1 perpetrator=a3       # killed/injured: the largest count (killed=N to override)
    c3 c4 killed=5                      # an override of the computed count

    [actors]
    a1 a2 @345:347 "they"@512          # a cluster: ACTOR keys, pronouns by offsets or text

Lines starting with `#` and text from the first ` # ` that does not follow a lone `"` (so lies
outside a quoted text) are comments. A section that is present is annotated: `[events]` gives
`casualty_events` and `doc_counts` (an empty one: annotated, no event), `[actors]` gives actor
clusters (every ACTOR not listed becomes a singleton). All errors are reported at once, each with
the file and line (`AnnotationError`).

A saved record written back as a working file (`saved_working_file_text`) converts to the same
record: each span by a locator that resolves to its offsets, events with their stored
counts, and `!keep` on the spans the checks would refuse (a record does not store the mark).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from newsie.data import CorpusError, Document, Span
from newsie.document.actors import canonical_name
from newsie.schema import CASUALTY_QUALIFIERS, CASUALTY_STATUSES, DEFAULT_SCHEMA
from newsie.standoff import TEXT_SOURCES, text_sha256
from newsie.text.boundaries import BOUNDARY_RULES, normalise_boundaries
from newsie.text.lexicon import NAME_PARTICLES, PRONOUNS, QUOTATION_MARKS
from newsie.text.quotes import quotation_regions

SECTIONS = ("spans", "relations", "events", "actors")
CASUALTY_ATTRS = ("count", "qualifier", "status")
KEEP = "!keep"
# What each dataset annotates: WCEP summaries rarely quote anyone, so they annotate no QUOTE.
ANNOTATED = {
    "wikinews": (("ACTOR", "CASUALTY", "LOCATION", "QUOTE"), ("SPEAKER", "PLACE", "PERPETRATOR")),
    "wcep": (("ACTOR", "CASUALTY", "LOCATION"), ("PLACE", "PERPETRATOR")),
}
_SPAN_LINE = re.compile(r"(?P<key>\S+)\s+(?P<label>\S+)\s+(?P<rest>.*)")
_OFFSETS = re.compile(r"(\d+):(\d+)")
_OCCURRENCE = re.compile(r"(?:#(\d+)|@(\d+))?")
_COMMENT_START = re.compile(r"\s+#(?=\s|$)")
# Lower-case words that join the words of one name (`Parti libéral du Québec`, `Partido ng Bayan`).
NAME_CONNECTORS = NAME_PARTICLES | frozenset("des do dos das della dei ng y".split())


class AnnotationError(ValueError):
    """Everything wrong with a working file, one `FILE:LINE: message` a line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Line:
    number: int
    text: str


@dataclass
class WorkingFile:
    """A working file split into its header and its sections' lines."""

    name: str
    header: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[Line]] = field(default_factory=dict)


def parse_working_file(content: str, name: str) -> WorkingFile:
    parsed = WorkingFile(name)
    problems = []
    section = None
    for number, raw in enumerate(content.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            if section not in SECTIONS:
                problems.append(f"{name}:{number}: unknown section [{section}]; known: {SECTIONS}")
            parsed.sections.setdefault(section, [])
        elif section is None:
            key, sep, value = line.partition(":")
            if not sep:
                problems.append(f"{name}:{number}: expected 'key: value' before the sections")
            parsed.header[key.strip()] = value.strip()
        else:
            parsed.sections[section].append(Line(number, line))
    if problems:
        raise AnnotationError(problems)
    return parsed


@dataclass
class _Builder:
    """The record being built from a working file, and the problems found so far."""

    working: WorkingFile
    text: str
    problems: list[str] = field(default_factory=list)
    spans: dict[str, dict[str, Any]] = field(default_factory=dict)

    def problem(self, line: Line | None, message: str) -> None:
        where = f"{self.working.name}:{line.number}" if line else self.working.name
        self.problems.append(f"{where}: {message}")


def working_file_to_record(working: WorkingFile, text: str) -> dict[str, Any]:
    """The stand-off record of a working file, validated against `text`; AnnotationError lists
    every problem found."""
    builder = _Builder(working, text)
    source = _check_header(builder)
    span_types, relation_types = ANNOTATED.get(source, ANNOTATED["wikinews"])
    for line in working.sections.get("spans", []):
        _read_span_line(builder, line, span_types)
    relations = [_read_relation_line(builder, line, relation_types)
                 for line in working.sections.get("relations", [])]
    record: dict[str, Any] = {
        "id": working.header.get("id"), "source": source, "sha256": text_sha256(text),
        "annotator": working.header.get("annotator", ""),
        "spans": list(builder.spans.values()),
        "relations": [r for r in relations if r is not None],
        "annotated": {"spans": list(span_types), "relations": list(relation_types)},
    }
    if "events" in working.sections:
        record["casualty_events"] = _read_events(builder)
        record["doc_counts"] = {
            status: sum(event[status] for event in record["casualty_events"])
            for status in ("killed", "injured")
        }
    if "actors" in working.sections:
        record["actors"] = _read_actors(builder)
    if not builder.problems:
        _check_document(builder, record)
    if builder.problems:
        raise AnnotationError(builder.problems)
    return record


def _check_header(builder: _Builder) -> str:
    header = builder.working.header
    for key in ("id", "source"):
        if not header.get(key):
            builder.problem(None, f"the header needs '{key}: ...'")
    source = header.get("source", "")
    if source and source not in TEXT_SOURCES:
        builder.problem(None, f"unknown source {source!r}; known: {list(TEXT_SOURCES)}")
    expected = header.get("sha256")
    if expected and expected != text_sha256(builder.text):
        builder.problem(None, "sha256 differs from the text's: the text changed since pre-"
                              "annotation, so its offsets may be wrong (pre-annotate again)")
    return source


def without_comment(text: str) -> str:
    """A line without its trailing ` # comment`: from the first ` #` that does not follow a lone
    `"` (one opening a span's text), so a `"` in the comment is not taken for the text's end."""
    for match in _COMMENT_START.finditer(text):
        if text.count('"', 0, match.start()) != 1:
            return text[:match.start()]
    return text


def _read_span_line(builder: _Builder, line: Line, span_types: tuple[str, ...]) -> None:
    match = _SPAN_LINE.fullmatch(without_comment(line.text))
    if not match:
        builder.problem(line, "a span line is 'KEY LABEL \"text\"[#N|@OFFSET] [attrs]' or "
                              "'KEY LABEL START:END [attrs]'")
        return
    key, label, rest = match["key"], match["label"], match["rest"]
    if key in builder.spans:
        builder.problem(line, f"span key {key!r} is used twice")
        return
    if label not in span_types:
        builder.problem(line, f"label {label!r} is not annotated here; one of {span_types}")
        return
    located = _locate(builder, line, rest)
    if located is None:
        return
    start, end, options = located
    attrs = _read_attrs(builder, line, label, [o for o in options if o != KEEP])
    if KEEP not in options:
        _check_guidelines(builder, line, label, start, end)
    span: dict[str, Any] = {"id": key, "label": label, "start": start, "end": end}
    if attrs:
        span["attrs"] = attrs
    builder.spans[key] = span


def _locate(builder: _Builder, line: Line, rest: str) -> tuple[int, int, list[str]] | None:
    """`(start, end, the words after the locator)` of a span line's locator, or None."""
    text = builder.text
    offsets = _OFFSETS.match(rest)
    if offsets:
        start, end = int(offsets[1]), int(offsets[2])
        rest = rest[offsets.end():].strip()
        if not 0 <= start < end <= len(text):
            builder.problem(line, f"offsets {start}:{end} lie outside the text (0:{len(text)})")
            return None
        if rest.startswith('"'):
            quoted, rest = _quoted(rest)
            if quoted != text[start:end]:
                builder.problem(line, f"text[{start}:{end}] is {text[start:end]!r}, not {quoted!r}")
                return None
        return start, end, rest.split()
    if not rest.startswith('"'):
        builder.problem(line, "give the span as START:END or as \"exact text\"")
        return None
    quoted, rest = _quoted(rest)
    choice = _OCCURRENCE.match(rest)
    rest = rest[choice.end():]
    start = _occurrence(builder, line, quoted, choice[1], choice[2])
    if start is None:
        return None
    return start, start + len(quoted), rest.split()


def _quoted(rest: str) -> tuple[str, str]:
    """The text between the first and the last double quotation mark of `rest`, and what
    follows; a span's own text may hold quotation marks, attributes never do."""
    last = rest.rindex('"')
    return rest[1:last], rest[last + 1:]


def _occurrence(
    builder: _Builder, line: Line, quoted: str, nth: str | None, near: str | None
) -> int | None:
    if not quoted or quoted != quoted.strip():
        builder.problem(line, f"span text {quoted!r} is empty or has surrounding whitespace")
        return None
    starts = whole_word_occurrences(builder.text, quoted)
    if not starts:
        builder.problem(line, f"{quoted!r} does not occur in the text (copy it exactly)")
        return None
    if nth is not None:
        if not 1 <= int(nth) <= len(starts):
            builder.problem(line, f"{quoted!r} occurs {len(starts)} times, not #{nth}")
            return None
        return starts[int(nth) - 1]
    if near is not None:
        return min(starts, key=lambda s: (abs(s - int(near)), s))
    if len(starts) > 1:
        builder.problem(line, f"{quoted!r} occurs {len(starts)} times (at {starts[:8]}): add "
                              "#N (the Nth) or @OFFSET (the one nearest OFFSET)")
        return None
    return starts[0]


def whole_word_occurrences(text: str, quoted: str) -> list[int]:
    """Where `quoted` occurs in `text`, not counting occurrences inside a longer word (`Serbia`
    in `Serbians`)."""
    def cut(at: int, inside: str) -> bool:
        return 0 <= at < len(text) and text[at].isalnum() and inside.isalnum()

    return [
        m.start() for m in re.finditer(re.escape(quoted), text)
        if not cut(m.start() - 1, quoted[0]) and not cut(m.end(), quoted[-1])
    ]


def _read_attrs(builder: _Builder, line: Line, label: str, words: list[str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or name not in CASUALTY_ATTRS:
            builder.problem(line, f"{word!r} is no attribute; CASUALTY takes {CASUALTY_ATTRS}")
            continue
        attrs[name] = value
    if label != "CASUALTY":
        if attrs:
            builder.problem(line, f"{label} spans take no attributes")
        return {}
    missing = [name for name in CASUALTY_ATTRS if name not in attrs]
    if missing:
        builder.problem(line, f"CASUALTY needs {missing} (count=N|null qualifier=... status=...)")
        return {}
    return _typed_casualty_attrs(builder, line, attrs)


def _typed_casualty_attrs(builder: _Builder, line: Line, attrs: dict[str, str]) -> dict[str, Any]:
    count: int | None = None
    if attrs["count"] != "null":
        digits = attrs["count"].replace(",", "")
        if not digits.isdigit():
            builder.problem(line, f"count must be a whole number or null, got {attrs['count']!r}")
        else:
            count = int(digits)
    if attrs["qualifier"] not in CASUALTY_QUALIFIERS:
        builder.problem(line, f"qualifier must be one of {CASUALTY_QUALIFIERS}")
    if attrs["status"] not in CASUALTY_STATUSES:
        builder.problem(line, f"status must be one of {CASUALTY_STATUSES}")
    return {"count": count, "qualifier": attrs["qualifier"], "status": attrs["status"]}


def _check_guidelines(
    builder: _Builder, line: Line | None, label: str, start: int, end: int
) -> None:
    """The guidelines' mechanical boundary rules (`!keep` on the line waives them)."""
    text, span_text = builder.text, builder.text[start:end]
    if span_text != span_text.strip():
        builder.problem(line, f"{span_text!r} has surrounding whitespace")
    if label in ("ACTOR", "LOCATION"):
        new_start, new_end, changes = normalise_boundaries(text, start, end, label)
        if changes == [BOUNDARY_RULES["title"].description] and is_one_name(span_text):
            changes = []
        if changes:
            builder.problem(line, f"{label} {span_text!r}: {', '.join(changes)}; the guidelines "
                                  f"make it {text[new_start:new_end]!r} (or add {KEEP})")
    if label == "ACTOR" and is_pronoun(span_text):
        builder.problem(line, f"pronoun {span_text!r} is never an ACTOR span (put it in [actors])")
    if label == "QUOTE":
        if span_text[0] in QUOTATION_MARKS or span_text[-1] in QUOTATION_MARKS:
            builder.problem(line, f"QUOTE {span_text[:40]!r}... includes its quotation marks")
        elif not any(s <= start and end <= e for s, e in quotation_regions(text)):
            builder.problem(line, f"QUOTE {span_text[:40]!r}... lies between no quotation marks "
                                  f"(or add {KEEP})")


def is_one_name(span_text: str) -> bool:
    """Capitalised words joined by a lower-case connecting word: one name, not a role before a
    name (the title rule takes `libéral` in `Parti libéral du Québec` for a role word)."""
    words = span_text.split()
    joins = zip(words[1:-1], words[2:], strict=True)
    return words[0][:1].isupper() and any(
        word in NAME_CONNECTORS and after[:1].isupper() for word, after in joins)


def is_pronoun(word: str) -> bool:
    """A pronoun is written in lower case or capitalised (`he`, `He`, `I`); all capitals is an
    acronym (`WHO`, `US`)."""
    return word.lower() in PRONOUNS and word in (word.lower(), word.capitalize())


def _read_relation_line(
    builder: _Builder, line: Line, relation_types: tuple[str, ...]
) -> dict[str, str] | None:
    words = without_comment(line.text).split()
    if len(words) != 3:
        builder.problem(line, "a relation line is 'LABEL HEAD TAIL' (span keys)")
        return None
    label, head, tail = words
    if label not in relation_types:
        builder.problem(line, f"relation {label!r} is not annotated here; one of {relation_types}")
        return None
    rel_type = DEFAULT_SCHEMA.relation_type(label)
    for key, wanted in ((head, rel_type.head), (tail, rel_type.tail)):
        if _span_of(builder, line, key, wanted) is None:
            return None
    return {"label": label, "head": head, "tail": tail}


def _span_of(builder: _Builder, line: Line, key: str, label: str) -> dict[str, Any] | None:
    span = builder.spans.get(key)
    if span is None:
        builder.problem(line, f"no span has key {key!r}")
    elif span["label"] != label:
        builder.problem(line, f"{key!r} is a {span['label']}, here a {label} is needed")
        span = None
    return span


def _read_events(builder: _Builder) -> list[dict[str, Any]]:
    events, seen = [], set()
    for line in builder.working.sections["events"]:
        event: dict[str, Any] = {"mentions": [], "killed": None, "injured": None,
                                 "place": None, "perpetrator": None}
        for word in without_comment(line.text).split():
            name, sep, value = word.partition("=")
            if not sep:
                if _span_of(builder, line, word, "CASUALTY") is not None:
                    if word in seen:
                        builder.problem(line, f"{word!r} is in two events")
                    seen.add(word)
                    event["mentions"].append(word)
            elif name in ("place", "perpetrator"):
                wanted = "LOCATION" if name == "place" else "ACTOR"
                event[name] = value if _span_of(builder, line, value, wanted) else None
            elif name in ("killed", "injured") and value.isdigit():
                event[name] = int(value)
            else:
                builder.problem(line, f"{word!r}: an event line holds CASUALTY keys, place=KEY, "
                                      "perpetrator=KEY, killed=N, injured=N")
        if not event["mentions"]:
            builder.problem(line, "an event needs at least one CASUALTY key")
        attrs = [builder.spans[key].get("attrs", {}) for key in event["mentions"]]
        for status in ("killed", "injured"):
            if event[status] is None:
                event[status] = largest_count(attrs, status)
        events.append(event)
    return events


def largest_count(mention_attrs: list[dict[str, Any]], status: str) -> int:
    """The count of an event's most inclusive mention of that status (null counts add 0), from
    its mentions' CASUALTY attributes."""
    return max((a["count"] or 0 for a in mention_attrs if a.get("status") == status), default=0)


def _read_actors(builder: _Builder) -> list[dict[str, Any]]:
    clusters, clustered = [], set()
    for line in builder.working.sections["actors"]:
        mentions: list[Any] = []
        for word in without_comment(line.text).split():
            if word.startswith(("@", '"')):
                pronoun = _pronoun(builder, line, word)
                if pronoun:
                    mentions.append(pronoun)
            elif _span_of(builder, line, word, "ACTOR") is not None:
                if word in clustered:
                    builder.problem(line, f"{word!r} is in two actor clusters")
                clustered.add(word)
                mentions.append(word)
        if not any(isinstance(m, str) for m in mentions):
            builder.problem(line, "an actor cluster needs at least one ACTOR key")
            continue
        clusters.append(mentions)
    clusters += [[key] for key, span in builder.spans.items()
                 if span["label"] == "ACTOR" and key not in clustered]
    return [{"name": _cluster_name(builder, m), "mentions": m} for m in clusters]


def _pronoun(builder: _Builder, line: Line, word: str) -> dict[str, int] | None:
    """A pronoun mention given as @START:END or as "he"@OFFSET ("he"#N, "he")."""
    offsets = _OFFSETS.fullmatch(word[1:])
    if offsets:
        start, end = int(offsets[1]), int(offsets[2])
    else:
        quoted, rest = _quoted(word) if word.count('"') >= 2 else ("", "")
        choice = _OCCURRENCE.fullmatch(rest)
        found = _occurrence(builder, line, quoted, choice[1], choice[2]) if choice else None
        if found is None:
            builder.problem(line, f"{word}: a pronoun is @START:END or \"word\"@OFFSET")
            return None
        start, end = found, found + len(quoted)
    if not is_pronoun(builder.text[start:end]):
        builder.problem(line, f"{word}: {builder.text[start:end]!r} is no pronoun")
        return None
    return {"start": start, "end": end}


def _cluster_name(builder: _Builder, mentions: list[Any]) -> str:
    """The longest named mention, as the document model names clusters (`canonical_name`)."""
    spans = [builder.spans[k] for k in mentions if isinstance(k, str)]
    return canonical_name([
        Span("ACTOR", s["start"], s["end"], builder.text[s["start"]:s["end"]]) for s in spans])


def _check_document(builder: _Builder, record: dict[str, Any]) -> None:
    """What the document model itself refuses (overlaps of one type, ...)."""
    try:
        Document.from_dict({**record, "text": builder.text}, source=builder.working.name)
    except CorpusError as err:
        builder.problem(None, err.reason if err.field is None else f"{err.field}: {err.reason}")


# --- a document as a working file (pre-annotation, or a saved record to correct) ---------------

KEY_PREFIXES = {"ACTOR": "a", "CASUALTY": "c", "LOCATION": "l", "QUOTE": "q"}


def span_keys(document: Document) -> dict[int, str]:
    """id(span) -> its key: the span's own id when it has one, else a1, c1, l1, q1, ... by type
    in text order."""
    keys: dict[int, str] = {}
    taken = {s.id for s in document.spans if s.id}
    counters = dict.fromkeys(KEY_PREFIXES, 0)
    for span in sorted(document.spans, key=lambda s: (s.start, -s.end, s.label)):
        key = span.id
        while key is None or (key in keys.values()):
            counters[span.label] += 1
            key = f"{KEY_PREFIXES[span.label]}{counters[span.label]}"
            key = None if key in taken else key
        keys[id(span)] = key
    return keys


def saved_working_file_text(
    data: dict[str, Any], header: dict[str, str], sections: tuple[str, ...]
) -> str:
    """A saved record (with its text attached) as a working file that `save` turns back into the
    same record: spans in the record's order, `!keep` on those the checks would refuse, events
    and clusters as they are (none: an empty section), event counts that differ from the
    computed ones as overrides, cluster mentions in the record's order."""
    document = Document.from_dict(data, source="saved record")
    return working_file_text(document, header, sections, saved=data)


def working_file_text(
    document: Document, header: dict[str, str], sections: tuple[str, ...],
    saved: dict[str, Any] | None = None,
) -> str:
    """A document's spans, relations and (of `sections`) events and actors as a working file;
    `saved`: the record the document was read from (`saved_working_file_text`). Otherwise (a
    model's pre-annotation) spans are in text order and, without events or clusters, a start
    for them is proposed."""
    keys = span_keys(document)
    lines = [f"{name}: {value}" for name, value in header.items()]
    lines += ["", "[spans]"]
    spans = document.spans if saved else sorted(document.spans, key=lambda s: (s.start, -s.end))
    lines += [_span_line(document.text, span, keys[id(span)], saved) for span in spans]
    lines += ["", "[relations]"]
    lines += [f"{r.label} {keys[id(r.head)]} {keys[id(r.tail)]}" for r in document.relations]
    if "events" in sections:
        lines += ["", "[events]"] + _event_lines(document, keys, saved)
    if "actors" in sections:
        lines += ["", "[actors]"] + _actor_lines(document, keys, saved)
    return "\n".join(lines) + "\n"


def _span_line(text: str, span: Span, key: str, saved: Any) -> str:
    """The span's line, by the first locator that reads back to its offsets: its text near its
    start where that finds it (a whole-word occurrence, nearest), else its offsets."""
    attrs = "".join(f" {k}={_attr_text(v)}" for k, v in span.attrs.items())
    for locator in (f'"{span.text}"@{span.start}', f'{span.start}:{span.end} "{span.text}"'):
        if _reads_back(text, f"{key} {span.label} {locator}{attrs}", span):
            break
    else:
        locator = f"{span.start}:{span.end}"
    keep = f" {KEEP}  # saved with {KEEP}" if saved and _refused(text, span) else ""
    return f"{key} {span.label} {locator}{attrs}{keep}"


def _reads_back(text: str, line_text: str, span: Span) -> bool:
    builder = _Builder(WorkingFile("load"), text)
    match = _SPAN_LINE.fullmatch(without_comment(line_text))
    located = _locate(builder, Line(0, line_text), match["rest"]) if match else None
    return located is not None and located[:2] == (span.start, span.end)


def _refused(text: str, span: Span) -> bool:
    """Whether the boundary checks refuse the span (it was saved with `!keep`)."""
    builder = _Builder(WorkingFile("load"), text)
    _check_guidelines(builder, None, span.label, span.start, span.end)
    return bool(builder.problems)


def _attr_text(value: Any) -> str:
    return "null" if value is None else str(value)


def _event_lines(document: Document, keys: dict[int, str], saved: Any) -> list[str]:
    """The document's events, counts that the mentions do not give as overrides; a saved record
    without any: none (a comment); a pre-annotation without any: one event per CASUALTY span
    with its relations (a start: merge the lines of mentions of the same victims, delete
    aggregates)."""
    events = document.casualty_events
    if saved and not events:
        none = ["# no event (any CASUALTY is an aggregate)"]
        return none if document.spans_of("CASUALTY") else []
    if not events:
        tails = {(r.label, id(r.head)): r.tail for r in document.relations}
        return [
            " ".join([keys[id(span)]] + [
                f"{name}={keys[id(tails[(label, id(span))])]}"
                for name, label in (("place", "PLACE"), ("perpetrator", "PERPETRATOR"))
                if (label, id(span)) in tails])
            for span in sorted(document.spans_of("CASUALTY"), key=lambda s: s.start)
        ]
    return [" ".join([keys[id(m)] for m in event.mentions]
                     + [f"{name}={keys[id(span)]}" for name, span in
                        (("place", event.place), ("perpetrator", event.perpetrator)) if span]
                     + _overrides(event))
            for event in events]


def _overrides(event: Any) -> list[str]:
    attrs = [m.attrs for m in event.mentions]
    return [f"{status}={getattr(event, status)}" for status in ("killed", "injured")
            if getattr(event, status) != largest_count(attrs, status)]


def _actor_lines(
    document: Document, keys: dict[int, str], saved: dict[str, Any] | None
) -> list[str]:
    """Clusters of two mentions or more (save adds the singletons); a saved record's in its own
    mention order (a Document sorts them); a pre-annotation without any: ACTOR mentions grouped
    by the same text or a name's last word (a start to correct)."""
    def mention(span) -> str:
        return keys[id(span)] if id(span) in keys else f"@{span.start}:{span.end}"

    if saved is not None:
        return [" ".join(m if isinstance(m, str) else f"@{m['start']}:{m['end']}"
                         for m in cluster["mentions"])
                for cluster in saved.get("actors", []) if len(cluster["mentions"]) > 1]
    if document.actors:
        return [" ".join(mention(m) for m in c.mentions) for c in document.actors
                if len(c.mentions) > 1]
    groups: dict[str, list[str]] = {}
    actors = sorted(document.spans_of("ACTOR"), key=lambda s: -len(s.text))
    for span in actors:
        name = next((g for g in groups if span.text == g or g.endswith(" " + span.text)),
                    span.text)
        groups.setdefault(name, []).append(span)
    return [" ".join(mention(s) for s in sorted(group, key=lambda s: s.start))
            for group in groups.values() if len(group) > 1]


def numbered_text(text: str, width: int = 100) -> str:
    """The text wrapped at spaces into lines of at most `width` characters, each line headed by
    the offset of its first character."""
    lines, start = [], 0
    while start < len(text):
        end = min(start + width, len(text))
        if end < len(text) and " " in text[start + 1:end]:
            end = text.rindex(" ", start + 1, end) + 1
        lines.append(f"{start:>7} | {text[start:end]}")
        start = end
    return "\n".join(lines)


def record_differences(first: dict, second: dict, text: str) -> list[str]:
    """Where two annotations of one text differ: spans, attributes, relations, events, totals."""

    def spans(record: dict) -> dict[tuple, dict]:
        return {(s["label"], s["start"], s["end"]): s for s in record["spans"]}

    def shown(key: tuple) -> str:
        label, start, end = key
        return f'{label} {start}:{end} "{text[start:end]}"'

    def relations(record: dict) -> set[tuple]:
        by_id = {s["id"]: (s["label"], s["start"], s["end"]) for s in record["spans"]}
        return {(r["label"], by_id[r["head"]], by_id[r["tail"]]) for r in record["relations"]}

    def events(record: dict) -> set[tuple]:
        by_id = {s["id"]: s["start"] for s in record["spans"]}
        return {(tuple(sorted(by_id[m] for m in e["mentions"])), e["killed"], e["injured"])
                for e in record.get("casualty_events", [])}

    lines = []
    first_spans, second_spans = spans(first), spans(second)
    for key in sorted(first_spans.keys() | second_spans.keys(), key=lambda k: (k[1], k[2])):
        if key not in second_spans:
            lines.append(f"  first only   {shown(key)}")
        elif key not in first_spans:
            lines.append(f"  second only  {shown(key)}")
        elif first_spans[key].get("attrs") != second_spans[key].get("attrs"):
            lines.append(f"  attributes   {shown(key)} first {first_spans[key].get('attrs')} "
                         f"second {second_spans[key].get('attrs')}")
    first_relations, second_relations = relations(first), relations(second)
    for name, only in (("first", first_relations - second_relations),
                       ("second", second_relations - first_relations)):
        for label, head, tail in sorted(only, key=lambda r: r[1][1]):
            lines.append(f"  {name + ' only':<12} {label} {shown(head)} -> {shown(tail)}")
    if events(first) != events(second):
        lines.append("  events differ (mention offsets, killed, injured): "
                     f"first {sorted(events(first))} second {sorted(events(second))}")
    if first.get("doc_counts") != second.get("doc_counts"):
        lines.append(f"  doc_counts: first {first.get('doc_counts')} "
                     f"second {second.get('doc_counts')}")
    return lines

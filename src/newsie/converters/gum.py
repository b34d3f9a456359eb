"""GUM (Georgetown University Multilayer corpus): one document in three aligned layers.

    GUM/xml/NAME.xml            tokens, one a line, inside <p>, <s>, <quote>, ... elements
    GUM/coref/gum/tsv/NAME.tsv  WebAnno TSV 3.2: character offsets, entity mentions, coreference
    GUM/rst/rstweb/NAME.rs4     discourse tree; `attribution` joins a source clause to its content

All three hold the same tokens in the same order (checked). The text is rebuilt exactly as the
TSV offsets imply: tokens at their offsets, one space between them, a line break where the XML
starts or ends a paragraph, heading or list item.

- person, organization -> ACTOR; place -> LOCATION; boundaries, pronouns, unnamed places and
  nested mentions as in `newsie.converters.normalise`.
- <quote> -> QUOTE: what lies between the quotation marks, marks excluded. A quote that the XML
  splits at sentence ends is one span; one that runs over paragraphs is one span per paragraph.
- SPEAKER: the RST attribution whose content covers the quote, and whose source clause lies
  outside it, names the speaker: its mention that holds the clause subject (or else its first
  person/organization mention). A pronoun is replaced by the closest earlier mention of its
  coreference chain that is an ACTOR span. The second part of a quote split by its attribution
  ("...," she said, "...") takes the first part's speaker.
- actors: the ACTOR spans of one coreference chain form one cluster (named after its longest
  mention); a pronoun that the attribution names as a quote's speaker joins its chain's cluster.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from newsie.converters.base import ConversionReport, register_converter
from newsie.converters.labels import annotated_for
from newsie.converters.normalise import Candidate, apply_guidelines
from newsie.data import PRONOUN, ActorCluster, CorpusError, Document, Relation, Span
from newsie.text.lexicon import PRONOUNS, QUOTATION_MARKS

GUM_LABELS = {"person": "ACTOR", "organization": "ACTOR", "place": "LOCATION"}
# Coreference link types that join mentions of one referent (bridging and predication do not).
IDENTITY_LINKS = frozenset({"coref", "ana", "cata", "appos"})
BLOCK_TAGS = frozenset({"p", "head", "sp", "item", "list", "caption", "figure", "lg", "l"})
# Tokens that are quotation marks: one mark, or PTB-style doubled ASCII marks.
QUOTE_MARKS = frozenset([*QUOTATION_MARKS, "``", "''"])
_ENTITY = re.compile(r"([^\[\]|]+)\[(\d+)\]")
_LINK_TARGET = re.compile(r"\d+-\d+\[(\d+)_(\d+)\]")
_TAG = re.compile(r"<(/?)([\w:-]+)([^>]*?)(/?)>")
_ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')


@dataclass
class _Token:
    start: int
    end: int
    form: str


@dataclass
class _Mention:
    id: str
    kind: str
    first: int
    last: int
    chain: str = ""


@dataclass
class _Tsv:
    tokens: list[_Token] = field(default_factory=list)
    mentions: dict[str, _Mention] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Xml:
    forms: list[str] = field(default_factory=list)
    deprels: list[str] = field(default_factory=list)
    breaks: set[int] = field(default_factory=set)
    quotes: list[tuple[int, int]] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class _Attribution:
    source: range  # the attributing clause ("team member Rodaba Noori told the press")
    content: frozenset[int]  # token indices of what is attributed


@dataclass
class _Lookup:
    """One document's mentions, attributions and breaks, indexed so that each quote costs what
    lies near it (scanning them all for every quote made a long document quadratic)."""

    breaks: list[int]  # sorted
    mentions: list[_Mention]  # by first token, ties in file order
    firsts: list[int]  # the mentions' first tokens, for bisect
    chains: dict[str, list[_Mention]]  # a chain's mentions, by first token
    attributions_at: dict[int, list[int]]  # token -> attributions whose content holds it

    @classmethod
    def build(cls, xml: _Xml, tsv: _Tsv, attributions: list[_Attribution]) -> _Lookup:
        mentions = sorted(tsv.mentions.values(), key=lambda m: m.first)
        chains: dict[str, list[_Mention]] = {}
        for mention in mentions:
            chains.setdefault(mention.chain, []).append(mention)
        attributions_at: dict[int, list[int]] = {}
        for k, attribution in enumerate(attributions):
            for token in attribution.content:
                attributions_at.setdefault(token, []).append(k)
        return cls(sorted(xml.breaks), mentions, [m.first for m in mentions], chains,
                   attributions_at)


@register_converter("gum")
def convert_gum(
    paths: list[Path], label_map: dict[str, str] | None, report: ConversionReport
) -> list[Document]:
    """Convert GUM folders (each holding xml/, coref/gum/tsv/ and rst/rstweb/)."""
    label_map = label_map or GUM_LABELS
    documents = []
    for root in paths:
        for xml_path, tsv_path, rst_path in _document_files(root):
            documents.append(_convert_document(xml_path, tsv_path, rst_path, label_map, report))
    return documents


def _document_files(root: Path) -> list[tuple[Path, Path, Path]]:
    if not (root / "xml").is_dir():
        raise CorpusError("not a GUM folder: expected xml/, coref/gum/tsv/ and rst/rstweb/",
                          source=str(root))
    files = []
    for xml_path in sorted((root / "xml").glob("*.xml")):
        tsv_path = root / "coref" / "gum" / "tsv" / f"{xml_path.stem}.tsv"
        rst_path = root / "rst" / "rstweb" / f"{xml_path.stem}.rs4"
        if not rst_path.is_file():
            rst_path = rst_path.with_suffix(".rs3")
        for needed in (tsv_path, rst_path):
            if not needed.is_file():
                raise CorpusError(f"GUM document {xml_path.stem} has no layer file here",
                                  source=str(needed))
        files.append((xml_path, tsv_path, rst_path))
    return files


def _convert_document(
    xml_path: Path, tsv_path: Path, rst_path: Path, label_map: dict[str, str],
    report: ConversionReport,
) -> Document:
    tsv = _read_tsv(tsv_path)
    xml = _read_xml(xml_path, report)
    _check_tokens(xml.forms, [t.form for t in tsv.tokens], xml_path, f"TSV {tsv_path.name}")
    attributions = _read_attributions(rst_path, [t.form for t in tsv.tokens])
    text = _rebuild_text(tsv.tokens, xml.breaks, tsv_path)

    candidates = []
    for mention in tsv.mentions.values():
        if mention.kind not in label_map:
            report.skip(f"gum {mention.kind} mention: no newsie type")
            continue
        candidates.append(Candidate(label_map[mention.kind], tsv.tokens[mention.first].start,
                                    tsv.tokens[mention.last].end, [mention.id]))
    kept = apply_guidelines(candidates, text, report)
    spans = [Span(c.label, c.start, c.end, text[c.start:c.end]) for c in kept]
    span_of_mention = {ref: span for c, span in zip(kept, spans, strict=True) for ref in c.refs}

    pronoun_speakers: list[_Mention] = []
    quotes, relations = _quotes_and_speakers(
        xml, tsv, attributions, text, span_of_mention, label_map, report, pronoun_speakers)
    return Document(
        text=text, spans=sorted(spans + quotes, key=lambda s: (s.start, -s.end, s.label)),
        relations=relations, id=xml_path.stem,
        actors=_actor_clusters(tsv, span_of_mention, pronoun_speakers, text),
        annotated=annotated_for({**label_map, "quote": "QUOTE", "attribution": "SPEAKER"}),
        meta={"source": "gum", "genre": xml.attributes.get("type"),
              "title": xml.attributes.get("title")},
    )


def _read_tsv(path: Path) -> _Tsv:
    tsv = _Tsv()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 3 or not re.fullmatch(r"[0-9]{1,18}-[0-9]{1,18}", cols[1]):
                raise CorpusError("expected TOKEN-ID<TAB>START-END<TAB>TOKEN ...",
                                  source=str(path), line=number)
            start, end = (int(x) for x in cols[1].split("-"))
            index = len(tsv.tokens)
            tsv.tokens.append(_Token(start, end, cols[2]))
            _read_mentions(cols[3] if len(cols) > 3 else "_", index, tsv, path, number)
            if len(cols) > 9:
                tsv.links += _read_links(cols[8], cols[9], path, number)
    _join_chains(tsv, path)
    return tsv


def _read_mentions(column: str, index: int, tsv: _Tsv, path: Path, line: int) -> None:
    for entry in column.split("|"):
        if entry in ("_", ""):
            continue
        match = _ENTITY.fullmatch(entry)
        if not match:
            raise CorpusError(f"entity {entry!r} is not TYPE[ID]", source=str(path), line=line,
                              field="entity")
        kind, mention_id = match.groups()
        mention = tsv.mentions.setdefault(mention_id, _Mention(mention_id, kind, index, index))
        # A mention covers consecutive tokens under one type; anything else reuses its id.
        if mention.kind != kind or index not in (mention.last, mention.last + 1):
            raise CorpusError(f"mention {mention_id} ({mention.kind}, from token "
                              f"{mention.first + 1} to {mention.last + 1}) is used again as "
                              f"{kind} at token {index + 1}; mention ids are unique",
                              source=str(path), line=line, field="entity")
        mention.last = index


def _read_links(kinds: str, targets: str, path: Path, line: int) -> list[tuple[str, str]]:
    if kinds == "_":
        return []
    kinds_list, targets_list = kinds.split("|"), targets.split("|")
    if len(kinds_list) != len(targets_list):
        raise CorpusError(f"{len(kinds_list)} link types but {len(targets_list)} link targets",
                          source=str(path), line=line, field="coreference")
    links = []
    for kind, target in zip(kinds_list, targets_list, strict=True):
        match = _LINK_TARGET.fullmatch(target)
        if not match:
            raise CorpusError(f"link target {target!r} is not TOKEN[ID_ID]", source=str(path),
                              line=line, field="coreference")
        if kind in IDENTITY_LINKS:
            links.append(match.groups())
    return links


def _join_chains(tsv: _Tsv, path: Path) -> None:
    """Give every mention the id of its coreference chain (union-find over identity links)."""
    parent = {m: m for m in tsv.mentions}

    def root(m: str) -> str:
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for a, b in tsv.links:
        for mention_id in (a, b):
            if mention_id not in parent:
                raise CorpusError(f"coreference link names mention {mention_id}, which no token "
                                  "carries", source=str(path), field="coreference")
        parent[root(a)] = root(b)
    for mention in tsv.mentions.values():
        mention.chain = root(mention.id)


def _read_xml(path: Path, report: ConversionReport) -> _Xml:
    xml = _Xml()
    break_pending = False
    quote_depth = quote_start = 0
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line:
                continue
            tag = _TAG.fullmatch(line) if line.startswith("<") else None
            if line.startswith("<") and not tag:
                raise CorpusError(f"expected one element tag or one token a line, got {line!r}",
                                  source=str(path), line=number)
            if tag is None:
                if break_pending and xml.forms:
                    xml.breaks.add(len(xml.forms))
                break_pending = False
                cols = line.split("\t")
                xml.forms.append(html.unescape(cols[0]))
                xml.deprels.append(cols[5] if len(cols) > 5 else "")
                continue
            closing, name, attributes, empty = tag.groups()
            if name == "text" and not closing:
                xml.attributes = {k: html.unescape(v) for k, v in _ATTRIBUTE.findall(attributes)}
            break_pending |= name in BLOCK_TAGS
            if name == "quote" and not empty:
                if closing:
                    quote_depth -= 1
                    if quote_depth == 0:
                        xml.quotes.append((quote_start, len(xml.forms)))
                else:
                    if quote_depth:
                        report.skip("QUOTE: nested in a longer QUOTE")
                    else:
                        quote_start = len(xml.forms)
                    quote_depth += 1
    return xml


def _check_tokens(forms: list[str], expected: list[str], path: Path, other: str) -> None:
    for i, (form, want) in enumerate(zip(forms, expected, strict=False)):
        if form != want:
            raise CorpusError(f"token {i + 1} is {form!r} but {want!r} in {other}",
                              source=str(path))
    if len(forms) != len(expected):  # zip stopped at the shorter list
        raise CorpusError(f"has {len(forms)} tokens but {other} has {len(expected)}",
                          source=str(path))


def _read_attributions(path: Path, forms: list[str]) -> list[_Attribution]:
    try:
        body = ET.parse(path).getroot().find("body")
    except ET.ParseError as err:
        raise CorpusError(f"malformed XML: {err}", source=str(path),
                          line=err.position[0]) from None
    if body is None:
        raise CorpusError("has no <body>", source=str(path))
    parents: dict[str, str | None] = {}
    relnames: dict[str, str] = {}
    own_tokens: dict[str, list[int]] = {}
    tokens: list[str] = []
    for node in body:
        if node.tag not in ("segment", "group"):
            continue
        node_id = node.get("id", "")
        if node_id in parents:  # a second node would take the first one's place and tokens
            raise CorpusError(f"node id {node_id!r} is used twice", source=str(path))
        parents[node_id] = node.get("parent")
        relnames[node_id] = node.get("relname", "")
        if node.tag == "segment":
            words = (node.text or "").split()
            own_tokens[node_id] = list(range(len(tokens), len(tokens) + len(words)))
            tokens += words
    _check_tokens(tokens, forms, path, "the TSV")
    children: dict[str, list[str]] = {}
    for node_id, parent in parents.items():
        children.setdefault(parent or "", []).append(node_id)

    def cover(node_id: str) -> set[int]:
        found = set(own_tokens.get(node_id, []))
        for child in children.get(node_id, []):
            found |= cover(child)
        return found

    attributions = []
    for node_id, relname in relnames.items():
        if relname.startswith("attribution") and parents[node_id]:
            source = cover(node_id)
            content = cover(parents[node_id]) - source
            attributions.append(_Attribution(range(min(source), max(source) + 1),
                                             frozenset(content)))
    return attributions


def _rebuild_text(tokens: list[_Token], breaks: set[int], path: Path) -> str:
    pieces = []
    position = 0
    for i, token in enumerate(tokens):
        gap = token.start - position
        if gap < 0 or token.end - token.start != len(token.form):
            raise CorpusError(f"token {i + 1} {token.form!r} at {token.start}-{token.end} "
                              "overlaps the previous one or does not fit its offsets",
                              source=str(path))
        pieces.append("\n" + " " * (gap - 1) if i in breaks and gap else " " * gap)
        pieces.append(token.form)
        position = token.end
    return "".join(pieces)


def _quotes_and_speakers(
    xml: _Xml, tsv: _Tsv, attributions: list[_Attribution], text: str,
    span_of_mention: dict[str, Span], label_map: dict[str, str], report: ConversionReport,
    pronoun_speakers: list[_Mention],
) -> tuple[list[Span], list[Relation]]:
    tokens = tsv.tokens
    lookup = _Lookup.build(xml, tsv, attributions)
    actor_kinds = {kind for kind, target in label_map.items() if target == "ACTOR"}
    quotes, relations = [], []
    previous: tuple[int, _Attribution, Span | None] | None = None
    for whole in _merge_quotes(xml.quotes, xml.breaks):
        for first, end in _quote_pieces(whole, lookup.breaks, xml.forms, report):
            start_char, end_char = tokens[first].start, tokens[end - 1].end
            quote = Span("QUOTE", start_char, end_char, text[start_char:end_char])
            quotes.append(quote)
            attribution = _attribution_of(range(first, end), whole, attributions, lookup)
            if attribution is not None:
                speaker = _speaker(attribution, whole, lookup, xml.deprels, actor_kinds,
                                   span_of_mention, report, pronoun_speakers)
            elif previous and _only_attribution_between(previous[0], first, previous[1],
                                                         xml.forms):
                attribution, speaker = previous[1], previous[2]
                report.adjust("SPEAKER: taken from the first part of a quote split by it")
            else:
                report.skip("SPEAKER: no attribution leads from the QUOTE")
                previous = None
                continue
            if speaker is not None:
                relations.append(Relation("SPEAKER", quote, speaker))
            previous = (end, attribution, speaker)
    return quotes, relations


def _merge_quotes(quotes: list[tuple[int, int]], breaks: set[int]) -> list[range]:
    """Join <quote> elements that touch within a paragraph (the XML splits them at sentences)."""
    merged: list[range] = []
    for first, end in sorted(quotes):
        if merged and merged[-1].stop == first and first not in breaks:
            merged[-1] = range(merged[-1].start, end)
        else:
            merged.append(range(first, end))
    return merged


def _quote_pieces(
    whole: range, breaks: list[int], forms: list[str], report: ConversionReport
) -> list[tuple[int, int]]:
    """Token ranges of one quote, one per paragraph, that lie between its quotation marks;
    `breaks` is sorted."""
    inside = breaks[bisect_right(breaks, whole.start):bisect_left(breaks, whole.stop)]
    cuts = [whole.start, *inside, whole.stop]
    pieces = []
    for first, end in pairwise(cuts):
        first, end = _between_marks(first, end, forms)
        if first < end:
            pieces.append((first, end))
        else:
            report.skip("QUOTE: only quotation marks")
    return pieces


def _between_marks(first: int, end: int, forms: list[str]) -> tuple[int, int]:
    """Cut the punctuation at each end of a quote up to its outermost quotation mark, so that
    `" We came . "` and `" I hope so " .` both keep only the words (and `,`/`.` inside)."""
    inner_first, inner_end = first, end
    i = first
    while i < end and not _has_word(forms[i]):
        if forms[i] in QUOTE_MARKS:
            inner_first = i + 1
        i += 1
    i = end - 1
    while i >= inner_first and not _has_word(forms[i]):
        if forms[i] in QUOTE_MARKS:
            inner_end = i
        i -= 1
    return inner_first, inner_end


def _has_word(form: str) -> bool:
    return any(char.isalnum() for char in form)


def _attribution_of(
    piece: range, whole: range, attributions: list[_Attribution], lookup: _Lookup
) -> _Attribution | None:
    """The attribution with the narrowest content that covers the piece, its source outside
    (of equally narrow ones, the first in the RST file)."""
    covering = sorted({k for token in piece for k in lookup.attributions_at.get(token, ())})
    options = [attributions[k] for k in covering if not _overlap(attributions[k].source, whole)]
    return min(options, key=lambda a: len(a.content), default=None)


def _only_attribution_between(
    previous_end: int, first: int, attribution: _Attribution, forms: list[str]
) -> bool:
    between = range(previous_end, first)
    return all(i in attribution.source or not _has_word(forms[i]) for i in between)


def _speaker(
    attribution: _Attribution, whole: range, lookup: _Lookup, deprels: list[str],
    actor_kinds: set[str], span_of_mention: dict[str, Span], report: ConversionReport,
    pronoun_speakers: list[_Mention],
) -> Span | None:
    """The ACTOR span the attribution's source clause names as speaker, if any; a pronoun
    speaker resolved through its chain is added to `pronoun_speakers`."""
    source = attribution.source
    in_source = lookup.mentions[bisect_left(lookup.firsts, source.start):
                                bisect_left(lookup.firsts, source.stop)]
    mentions = sorted((m for m in in_source
                       if m.kind in actor_kinds and m.last in source
                       and not _overlap(whole, range(m.first, m.last + 1))),
                      key=lambda m: (m.first, -m.last))
    if not mentions:
        report.skip("SPEAKER: the attribution names no person or organization")
        return None
    subjects = [m for m in mentions
                if any(deprels[i].startswith("nsubj") for i in range(m.first, m.last + 1))]
    chosen = max(subjects, key=lambda m: m.last - m.first) if subjects else mentions[0]
    if chosen.id in span_of_mention:
        return span_of_mention[chosen.id]
    chain = lookup.chains[chosen.chain]
    # The closest earlier mention of the chain that is a span (of equals, the last in the file).
    for k in range(bisect_left(chain, chosen.first, key=lambda m: m.first) - 1, -1, -1):
        if chain[k].id in span_of_mention:
            report.adjust("SPEAKER: resolved through coreference to an earlier mention")
            pronoun_speakers.append(chosen)
            return span_of_mention[chain[k].id]
    report.skip("SPEAKER: no named or nominal ACTOR mention of the speaker")
    return None


def _overlap(a: range, b: range) -> bool:
    return a.start < b.stop and b.start < a.stop


def _actor_clusters(
    tsv: _Tsv, span_of_mention: dict[str, Span], pronoun_speakers: list[_Mention], text: str
) -> list[ActorCluster]:
    """One cluster per coreference chain that holds ACTOR spans, with its pronoun speakers."""
    # A span kept from several mentions joins the chain of the first (each span in one cluster).
    chain_of_span: dict[int, tuple[str, Span]] = {}
    for mention_id, span in span_of_mention.items():
        chain_of_span.setdefault(id(span), (tsv.mentions[mention_id].chain, span))
    by_chain: dict[str, list[Span]] = {}
    for chain, span in chain_of_span.values():
        if span.label == "ACTOR":
            by_chain.setdefault(chain, []).append(span)
    pronouns: dict[str, list[Span]] = {}
    for mention in pronoun_speakers:
        start, end = tsv.tokens[mention.first].start, tsv.tokens[mention.last].end
        word = text[start:end]
        if word.lower() in PRONOUNS and by_chain.get(mention.chain):
            pronouns.setdefault(mention.chain, []).append(Span(PRONOUN, start, end, word))
    clusters = []
    for chain, spans in by_chain.items():
        mentions = sorted({(m.start, m.end): m for m in spans + pronouns.get(chain, [])}.values(),
                          key=lambda m: m.start)
        clusters.append(ActorCluster(max((s.text for s in spans), key=len), mentions))
    return sorted(clusters, key=lambda c: c.mentions[0].start)

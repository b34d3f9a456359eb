"""Spans and actor clusters from token-indexed mentions: the shared path of ECB+ and MEANTIME.

A mention names a sentence and token indices of a `TokenText`; it becomes a candidate of its
newsie type, person mentions that the guidelines make no ACTOR are dropped
(`newsie.converters.participants`), a LOCATION loses a leading preposition (ECB+ tags
"in New Zealand"), and the rest goes through `newsie.converters.normalise` like re3d and GUM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsie.converters.base import ConversionReport
from newsie.converters.coreference import actor_clusters
from newsie.converters.detokenise import TokenText
from newsie.converters.labels import annotated_for
from newsie.converters.normalise import Candidate, apply_guidelines
from newsie.converters.participants import not_an_actor, victim_phrases
from newsie.converters.reading import corpus_file, field_of, read_json_lines
from newsie.data import ActorCluster, CorpusError, Document, Span
from newsie.text.boundaries import trim_whitespace
from newsie.text.lexicon import PRONOUNS

LEADING_PREPOSITIONS = frozenset(
    """in at from near on into onto to of between across outside inside throughout around toward
    towards off along within through by over under beyond""".split())


DocumentConverter = Callable[[dict, dict[str, str], ConversionReport, Path, int], Document | None]


def convert_token_corpus(
    paths: list[Path],
    file_name: str,
    label_map: dict[str, str],
    report: ConversionReport,
    convert_document: DocumentConverter,
) -> list[Document]:
    """The Documents of a token corpus kept as JSON lines (`file_name` in the folder, or the
    file), each annotating the types `label_map` maps to; a row converted to None is left out."""
    annotated = annotated_for(label_map)
    documents = []
    for path in corpus_file(paths, file_name):
        for line, row in read_json_lines(path):
            doc = convert_document(row, label_map, report, path, line)
            if doc is not None:
                doc.annotated = annotated
                documents.append(doc)
    return documents


@dataclass
class TokenMention:
    """A mention of newsie type `label`: token indices of sentence `sentence` of the TokenText."""

    id: str
    label: str
    sentence: int
    tokens: list[int]


def spans_and_clusters(
    token_text: TokenText, mentions: list[TokenMention], chain_of: dict[str, str],
    report: ConversionReport,
) -> tuple[list[Span], list[ActorCluster]]:
    """The document's spans (text order) and the clusters of its ACTOR spans."""
    text = token_text.text
    victims = victim_phrases(text)
    candidates, pronouns = [], {}
    for mention in mentions:
        found = token_text.char_range(mention.sentence, mention.tokens)
        if found is None:
            report.skip(f"{mention.label}: discontinuous mention")
            continue
        start, end = trim_whitespace(text, *found)
        if start >= end:
            report.skip(f"{mention.label}: whitespace only")
            continue
        if mention.label == "ACTOR" and text[start:end].lower() in PRONOUNS:
            pronouns[mention.id] = Span("ACTOR", start, end, text[start:end])
        reason = not_an_actor(text, start, end, victims) if mention.label == "ACTOR" else None
        if reason:
            report.skip(f"ACTOR: {reason}")
            continue
        if mention.label == "LOCATION":
            start = _without_leading_preposition(text, start, end, report)
        candidates.append(Candidate(mention.label, start, end, [mention.id]))
    kept = apply_guidelines(candidates, text, report)
    spans = [Span(c.label, c.start, c.end, text[c.start:c.end]) for c in kept]
    return spans, actor_clusters(kept, spans, chain_of, pronouns)


def _without_leading_preposition(
    text: str, start: int, end: int, report: ConversionReport
) -> int:
    first, _, rest = text[start:end].partition(" ")
    if rest and first.lower() in LEADING_PREPOSITIONS:
        report.adjust("LOCATION: leading preposition removed")
        return start + len(first) + 1
    return start


def read_sentences(row: dict, path: Path, line: int) -> list[list[str]]:
    """The `sentences` field: a list of token lists."""
    sentences = field_of(row, "sentences", list, source=path, line=line)
    for number, tokens in enumerate(sentences):
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise CorpusError("must be a list of token strings", source=str(path), line=line,
                              field=f"sentences[{number}]")
    return sentences


def read_mention(
    raw: Any, sentences: list[list[str]], path: Path, line: int, where: str
) -> tuple[str, str, int, list[int]]:
    """(m_id, tag, sentence, tokens) of a mention, its sentence and tokens checked to exist."""
    if not isinstance(raw, dict):
        raise CorpusError("must be an object", source=str(path), line=line, field=where)
    mention_id = field_of(raw, "m_id", str, source=path, line=line, where=where)
    tag = field_of(raw, "tag", str, source=path, line=line, where=where)
    sentence = field_of(raw, "sentence", int, source=path, line=line, where=where)
    tokens = field_of(raw, "tokens", list, source=path, line=line, where=where)
    if not 0 <= sentence < len(sentences):
        raise CorpusError(f"sentence {sentence} does not exist (the document has "
                          f"{len(sentences)})", source=str(path), line=line,
                          field=f"{where}.sentence")
    size = len(sentences[sentence])
    if not tokens or not all(isinstance(t, int) and 0 <= t < size for t in tokens):
        raise CorpusError(f"tokens {tokens} are not indices into sentence {sentence} "
                          f"({size} tokens)", source=str(path), line=line, field=f"{where}.tokens")
    return mention_id, tag, sentence, sorted(tokens)

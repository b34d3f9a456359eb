"""ECB+ (Event Coreference Bank plus): `ecbplus.jsonl.gz`, one document a line with tokenised
`sentences`, `selected_sentences`, token-indexed `mentions` and coreference `relations`.

ECB+ is annotated mainly in the selected sentences (its README: elsewhere an unannotated span is
unknown, not a negative), so a document is its selected sentences only, one a line, in order;
the rest of the article is not converted, and a document without any is skipped. Text and
offsets are rebuilt from the tokens (`newsie.converters.detokenise`).

- HUMAN_PART_PER, _ORG, _GPE, _MET (metonymy, "the White House": an ACTOR by role) and the bare
  HUMAN_PART -> ACTOR, less victims described by a casualty phrase and generic people
  (`newsie.converters.participants`); HUMAN_PART_GENERIC is skipped as generic.
- LOC_GEO, LOC_FAC -> LOCATION; unnamed places ("a rehab facility") are dropped by the guidelines.
- Events, times, non-human participants, vehicles, LOC_OTHER: no newsie type.
- Coreference (CROSS_DOC_COREF, INTRA_DOC_COREF: the mentions of one instance are one chain)
  -> `actors` clusters, with the chains' pronouns.
Documents annotate ACTOR and LOCATION only.
"""

from __future__ import annotations

from pathlib import Path

from newsie.converters.base import ConversionReport, register_converter
from newsie.converters.coreference import join_chains
from newsie.converters.detokenise import detokenise
from newsie.converters.mentions import (
    TokenMention,
    convert_token_corpus,
    read_mention,
    read_sentences,
    spans_and_clusters,
)
from newsie.converters.reading import field_of
from newsie.data import CorpusError, Document

ECBPLUS_LABELS = {
    "HUMAN_PART_PER": "ACTOR", "HUMAN_PART_ORG": "ACTOR", "HUMAN_PART_GPE": "ACTOR",
    "HUMAN_PART_MET": "ACTOR", "HUMAN_PART": "ACTOR", "LOC_GEO": "LOCATION", "LOC_FAC": "LOCATION",
}
GENERIC_TAG = "HUMAN_PART_GENERIC"
COREFERENCE = frozenset({"CROSS_DOC_COREF", "INTRA_DOC_COREF"})
FILE_NAME = "ecbplus.jsonl.gz"


@register_converter("ecbplus")
def convert_ecbplus(
    paths: list[Path], label_map: dict[str, str] | None, report: ConversionReport
) -> list[Document]:
    """Convert ECB+ (the folder holding ecbplus.jsonl.gz, or the file)."""
    return convert_token_corpus(
        paths, FILE_NAME, label_map or ECBPLUS_LABELS, report, _convert_document
    )


def _convert_document(
    row: dict, label_map: dict[str, str], report: ConversionReport, path: Path, line: int
) -> Document | None:
    doc_id = field_of(row, "doc_id", str, source=path, line=line)
    sentences = read_sentences(row, path, line)
    selected = sorted(set(field_of(row, "selected_sentences", list, source=path, line=line)))
    if not all(isinstance(s, int) and 0 <= s < len(sentences) for s in selected):
        raise CorpusError(f"names sentences outside 0..{len(sentences) - 1}: {selected}",
                          source=str(path), line=line, field="selected_sentences")
    if not selected:
        report.skip("ecbplus document: no selected sentences")
        return None
    position = {sentence: i for i, sentence in enumerate(selected)}
    mentions = []
    for k, raw in enumerate(field_of(row, "mentions", list, source=path, line=line)):
        mention_id, tag, sentence, tokens = read_mention(raw, sentences, path, line,
                                                         f"mentions[{k}]")
        if tag not in label_map and tag != GENERIC_TAG:
            report.skip(f"ecbplus {tag}: no newsie type")
        elif sentence not in position:
            report.skip(f"ecbplus {tag}: outside the selected sentences")
        elif tag == GENERIC_TAG:
            report.skip(f"ACTOR: generic person (ecbplus {GENERIC_TAG})")
        else:
            mentions.append(TokenMention(mention_id, label_map[tag], position[sentence], tokens))
    token_text = detokenise([sentences[s] for s in selected])
    spans, actors = spans_and_clusters(token_text, mentions, _chains(row, path, line), report)
    return Document(text=token_text.text, spans=spans, id=doc_id, actors=actors,
                    meta={"source": "ecbplus", "topic": row.get("topic"),
                          "subcorpus": row.get("subcorpus"), "sentences": selected})


def _chains(row: dict, path: Path, line: int) -> dict[str, str]:
    """Mention id -> chain. A coreference relation joins its `sources` with its `target` (the
    instance they mention) and with its `note` (the instance's id across documents) when given."""
    links = []
    for k, relation in enumerate(field_of(row, "relations", list, source=path, line=line)):
        where = f"relations[{k}]"
        if not isinstance(relation, dict):
            raise CorpusError("must be an object", source=str(path), line=line, field=where)
        if field_of(relation, "type", str, source=path, line=line, where=where) in COREFERENCE:
            sources = field_of(relation, "sources", list, source=path, line=line, where=where)
            targets = field_of(relation, "target", list, source=path, line=line, where=where)
            note = relation.get("note")
            links.append([str(s) for s in sources] + [f"target {t}" for t in targets]
                         + ([f"note {note}"] if note else []))
    return join_chains(links)

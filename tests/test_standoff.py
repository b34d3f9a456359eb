"""Stand-off corpora: records without text, texts from the data folder, hashes checked."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import SHARED_DATA

from newsie.corpus import read_jsonl
from newsie.data import CorpusError
from newsie.sources import CorpusSource
from newsie.standoff import (
    DataFolderError,
    read_standoff_records,
    resolve_data_dir,
    standoff_record,
    write_standoff,
)


def write_dataset(folder: Path, documents, texts: dict[str, str] | None = None) -> Path:
    """A data folder whose `wikinews` dataset holds the documents' texts (or `texts` by id)."""
    target = folder / "wikinews" / "wikinews_articles.jsonl.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    texts = texts or {doc.id: doc.text for doc in documents}
    with gzip.open(target, "wt", encoding="utf-8") as handle:
        for item_id, text in texts.items():
            handle.write(json.dumps({"id": item_id, "text": text}) + "\n")
    return folder


@pytest.fixture
def corpus(tmp_path, documents) -> tuple[Path, Path]:
    """(a stand-off file of the documents, the data folder with their texts)."""
    data_dir = write_dataset(tmp_path / "data", documents)
    path = tmp_path / "gold.standoff.jsonl"
    write_standoff([standoff_record(doc, "wikinews") for doc in documents], path)
    return path, data_dir


def test_round_trip_gives_the_same_documents(corpus, documents):
    path, data_dir = corpus
    read = read_jsonl(path, data_dir=data_dir)
    assert [doc.to_dict() for doc in read] == [
        {**doc.to_dict(), "source": "wikinews"} for doc in sorted(documents, key=lambda d: d.id)
    ]


def test_records_hold_no_text(corpus, documents):
    path, _ = corpus
    content = path.read_text(encoding="utf-8")
    for doc in documents:
        for span in doc.spans:
            assert json.dumps(span.text)[1:-1] not in content
    assert all("text" not in record for record in read_standoff_records(path))


def test_a_changed_text_is_an_error_naming_the_article_file_and_line(corpus, documents):
    path, data_dir = corpus
    changed = {doc.id: doc.text for doc in documents}
    changed["doc-1"] = changed["doc-1"].replace("Lagos", "Lagos ")
    write_dataset(data_dir, documents, changed)
    with pytest.raises(CorpusError) as caught:
        read_jsonl(path, data_dir=data_dir)
    assert "doc-1" in str(caught.value)
    assert caught.value.source == str(path) and caught.value.line == 2
    assert caught.value.field == "sha256"


def test_an_article_missing_from_the_dataset_is_named(corpus, documents):
    path, data_dir = corpus
    write_dataset(data_dir, documents, {doc.id: doc.text for doc in documents[1:]})
    with pytest.raises(CorpusError, match="doc-0"):
        read_jsonl(path, data_dir=data_dir)


def test_a_record_with_text_is_refused(corpus):
    path, data_dir = corpus
    records = read_standoff_records(path)
    records[0]["spans"][0]["text"] = "Rebels"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="stores no text") as caught:
        read_jsonl(path, data_dir=data_dir)
    assert caught.value.line == 1


def test_a_missing_data_folder_names_the_folder_and_the_option(corpus, tmp_path):
    path, _ = corpus
    missing = tmp_path / "nowhere"
    with pytest.raises(DataFolderError) as caught:
        read_jsonl(path, data_dir=missing)
    assert str(missing) in str(caught.value) and "--data-dir" in str(caught.value)
    assert "NEWSIE_DATA_DIR" in str(caught.value)


def test_the_environment_variable_gives_the_data_folder(corpus, monkeypatch, documents):
    path, data_dir = corpus
    monkeypatch.setenv("NEWSIE_DATA_DIR", str(data_dir))
    assert resolve_data_dir() == data_dir
    assert len(read_jsonl(path)) == len(documents)
    assert resolve_data_dir(path.parent) == path.parent  # an explicit folder wins


def test_a_dataset_missing_from_the_data_folder_is_named(corpus, tmp_path):
    path, _ = corpus
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFolderError, match="wikinews_articles.jsonl.gz"):
        read_jsonl(path, data_dir=tmp_path / "empty")


def test_a_recipe_entry_reads_a_standoff_corpus_with_the_data_folder(corpus, documents):
    path, data_dir = corpus
    source = CorpusSource.parse({"path": path.name, "root": "config"})
    loaded = source.load(data_dir, path.parent)
    assert sorted(doc.id for doc in loaded) == sorted(doc.id for doc in documents)


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"no data folder at {SHARED_DATA}")
def test_the_committed_realnews_records_match_the_shared_texts():
    corpus_dir = Path(__file__).resolve().parents[1] / "corpus" / "realnews"
    files = sorted(corpus_dir.glob("*.standoff.jsonl")) + sorted(
        (corpus_dir / "batches").glob("*.standoff.jsonl"))
    assert files
    for path in files:
        for doc in read_jsonl(path, data_dir=SHARED_DATA):
            assert all(doc.text[s.start:s.end] == s.text for s in doc.spans)


def test_corpus_stats_reads_a_standoff_corpus_and_names_a_missing_data_folder(corpus, capsys,
                                                                               tmp_path):
    from newsie.cli import main

    path, data_dir = corpus
    assert main(["corpus", "stats", str(path), "--data-dir", str(data_dir)]) == 0
    assert "3 documents" in capsys.readouterr().out
    assert main(["corpus", "stats", str(path), "--data-dir", str(tmp_path / "gone"), "-q"]) == 1
    error = capsys.readouterr().err
    assert str(tmp_path / "gone") in error and "--data-dir" in error

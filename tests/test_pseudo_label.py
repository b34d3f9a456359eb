"""scripts/pseudo_label.py: silver stand-off records of unannotated items, confident ones only."""

from __future__ import annotations

import importlib.util
import json
import sys

from conftest import REPO
from test_standoff import write_dataset

from newsie.corpus import read_jsonl
from newsie.standoff import read_standoff_records

_spec = importlib.util.spec_from_file_location("pseudo_label", REPO / "scripts" / "pseudo_label.py")
pseudo_label = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pseudo_label)


def run(monkeypatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["pseudo_label.py", *args])
    return pseudo_label.main()


def test_labels_only_what_the_corpus_has_not_selected(tmp_path, monkeypatch, documents,
                                                      tiny_model_dir):
    data_dir = write_dataset(tmp_path / "data", documents)
    selection = tmp_path / "selection.jsonl"
    selection.write_text(json.dumps({"source": "wikinews", "id": documents[0].id}) + "\n",
                         encoding="utf-8")
    output = tmp_path / "silver.standoff.jsonl"
    common = ["--model", str(tiny_model_dir), "--source", "wikinews", "--data-dir",
              str(data_dir), "--selection", str(selection), "-o", str(output)]

    assert run(monkeypatch, *common, "--min-score", "0") == 0
    silver = read_jsonl(output, data_dir=data_dir)
    assert sorted(doc.id for doc in silver) == sorted(doc.id for doc in documents[1:])
    for doc in silver:
        assert doc.meta["silver"] == str(tiny_model_dir)
        assert all(doc.text[s.start:s.end] == s.text for s in doc.spans)

    # no span scores above 1: a bar above it keeps only documents without spans
    assert run(monkeypatch, *common, "--min-score", "1.01") == 0
    assert all(not record["spans"] for record in read_standoff_records(output))

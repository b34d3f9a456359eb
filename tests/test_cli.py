"""The `newsie` command line: extract (files, JSON lines, standard input), evaluate, convert,
corpus stats, messages on standard error, and clean errors with exit code 2 (1 for corpus
commands)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from unittest import mock

import pytest
import torch

from newsie.cli import COMMANDS, build_parser, main
from newsie.cli.formatting import format_document
from newsie.corpus import read_jsonl, write_jsonl
from newsie.data import Document
from newsie.extractor import Extractor

TEXT = "Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad."


@pytest.fixture(scope="module")
def extractor(tiny_model_dir) -> Extractor:
    """What `newsie extract --model tiny_model_dir` should print, computed in this process."""
    return Extractor.from_pretrained(tiny_model_dir, device="cpu")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_extract_a_text_file_prints_one_json_line(capsys, tmp_path, tiny_model_dir, extractor):
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    code, out, err = run(capsys, "extract", str(path), "--model", str(tiny_model_dir),
                         "--device", "cpu")
    assert code == 0
    [record] = json_lines(out)
    assert record == {**extractor(TEXT).to_dict(), "id": "story.txt"}
    assert record["spans"] and all(TEXT[s["start"] : s["end"]] == s["text"]
                                   for s in record["spans"])


def test_extract_in_int8_gives_exact_spans(capsys, tmp_path, tiny_model_dir, extractor):
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    code, out, _ = run(capsys, "extract", str(path), "--model", str(tiny_model_dir),
                       "--device", "cpu", "--quantize", "int8")
    assert code == 0
    [record] = json_lines(out)
    int8 = Extractor.from_pretrained(tiny_model_dir, device="cpu", quantize="int8")
    assert record == {**int8(TEXT).to_dict(), "id": "story.txt"}
    # The int8 model's scores differ from the float model's: --quantize was applied.
    assert record != {**extractor(TEXT).to_dict(), "id": "story.txt"}
    assert record["spans"] and all(TEXT[s["start"] : s["end"]] == s["text"]
                                   for s in record["spans"])


class StubExtractor:
    """Stands for a loaded Extractor on `device`: each text becomes a Document without spans."""

    def __init__(self, device: str) -> None:
        self.device = torch.device(device)

    def pipe(self, texts, n_process=1):
        return (Document(text) for text in texts)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass


@pytest.mark.parametrize("device, applied", [("cpu", 1), ("cuda:0", 0)])
def test_extract_keeps_freed_memory_on_cpu_only(capsys, tmp_path, device, applied):
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    with mock.patch("newsie.cli.extract.keep_freed_memory") as keep, \
            mock.patch.object(Extractor, "from_pretrained", return_value=StubExtractor(device)):
        code, out, _ = run(capsys, "extract", str(path), "--model", "m", "--device", device)
    assert code == 0 and json_lines(out)[0]["text"] == TEXT
    assert keep.call_count == applied


def test_extract_jsonl_carries_other_fields_through(capsys, tmp_path, tiny_model_dir):
    path = tmp_path / "news.jsonl"
    records = [{"id": "a", "text": TEXT, "url": "https://example.org/a", "tags": ["x"]},
               {"text": "", "page": 2},
               {"id": 7, "text": "Amina Bello spoke in Abuja.", "nested": {"k": [1, 2]}}]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    code, out, _ = run(capsys, "extract", str(path), "--model", str(tiny_model_dir), "--quiet")
    assert code == 0
    printed = json_lines(out)
    assert [p["text"] for p in printed] == [r["text"] for r in records]
    for record, line in zip(records, printed, strict=True):
        for key, value in record.items():
            if key != "id":
                assert line[key] == value
    assert printed[0]["id"] == "a" and "id" not in printed[1]
    assert printed[1]["spans"] == [] and printed[2]["spans"]


def test_extract_several_inputs_in_order(capsys, tmp_path, tiny_model_dir):
    first, second = tmp_path / "1.txt", tmp_path / "2.txt"
    first.write_text("Rebels shelled Homs.", encoding="utf-8")
    second.write_text("Police said three died.", encoding="utf-8")
    code, out, _ = run(capsys, "extract", str(first), str(second), "--model", str(tiny_model_dir))
    assert code == 0
    assert [(r["id"], r["text"]) for r in json_lines(out)] == [
        ("1.txt", "Rebels shelled Homs."), ("2.txt", "Police said three died.")]


def test_extract_reads_standard_input(capsys, monkeypatch, tiny_model_dir, extractor):
    text = "Line one.\r\nRebels shelled Homs 👍.\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code, out, _ = run(capsys, "extract", "-", "--model", str(tiny_model_dir))
    assert code == 0
    [record] = json_lines(out)
    assert record == extractor(text).to_dict()


def test_extract_reads_json_lines_from_standard_input(capsys, monkeypatch, tiny_model_dir):
    lines = [{"id": "x", "text": TEXT}, {"id": "y", "text": "Homs."}]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(json.dumps(r) for r in lines)))
    code, out, _ = run(capsys, "extract", "--stdin-format", "jsonl", "--model", str(tiny_model_dir))
    assert code == 0
    assert [(r["id"], r["text"]) for r in json_lines(out)] == [("x", TEXT), ("y", "Homs.")]


def test_extract_format_text(capsys, tmp_path, tiny_model_dir, extractor):
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    code, out, _ = run(capsys, "extract", str(path), "--model", str(tiny_model_dir),
                       "--format", "text")
    assert code == 0
    doc = extractor(TEXT)
    assert out == format_document(doc, title="story.txt") + "\n"
    lines = out.splitlines()
    assert lines[0] == "== story.txt"
    clusters = sum(len(c.mentions) > 1 for c in doc.actors)
    document_level = 1 + len(doc.casualty_events) + clusters  # TOTALS, EVENT and CLUSTER lines
    assert len(lines) - 1 == len(doc.spans) + len(doc.relations) + document_level + 1  # blank end
    assert f"[{doc.spans[0].start}:{doc.spans[0].end}]" in lines[1]
    assert lines[len(doc.spans) + len(doc.relations) + 1].startswith(
        f"TOTALS    killed={doc.doc_counts['killed']} injured={doc.doc_counts['injured']}")


@pytest.mark.parametrize("arguments, message", [
    (["extract", "{text}", "--model", "{missing}"], "model folder .* does not exist"),
    (["extract", "{missing}.txt", "--model", "{model}"], "input file .* does not exist"),
    (["extract", "{bad}", "--model", "{model}"], r"bad.jsonl:2: malformed JSON"),
    (["extract", "{notext}", "--model", "{model}"], r"notext.jsonl:1: text: each line needs"),
    (["extract", "{text}", "--model", "{model}", "--quantize", "int4"],
     r"unknown quantization 'int4'; known: int8"),
    (["extract", "{text}", "--model", "{model}", "--n-process", "0"],
     "n_process must be a whole number of at least 1, got 0"),
    (["evaluate", "--data", "{gold}"], "give --model PATH"),
    (["evaluate", "--model", "{missing}", "--data", "{gold}"], "model folder .* does not exist"),
    (["evaluate", "--model", "{model}", "--data", "{missing}.jsonl"], "does not exist"),
])
def test_errors_are_one_clean_line_and_exit_code_2(
    capsys, tmp_path, tiny_model_dir, documents, arguments, message,
):
    paths = {"text": tmp_path / "story.txt", "missing": tmp_path / "missing",
             "model": tiny_model_dir, "bad": tmp_path / "bad.jsonl",
             "notext": tmp_path / "notext.jsonl", "gold": tmp_path / "gold.jsonl"}
    paths["text"].write_text(TEXT, encoding="utf-8")
    paths["bad"].write_text('{"text": "fine"}\n{"text": \n', encoding="utf-8")
    paths["notext"].write_text('{"body": "no text field"}\n', encoding="utf-8")
    write_jsonl(documents, paths["gold"])
    code, out, err = run(capsys, *(a.format(**paths) for a in arguments))
    assert code == 2
    # Loading a model may draw a progress bar first; the error is the last line, and the only one.
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"newsie {arguments[0]}: error: ")
    assert err.count(": error: ") == 1 and "Traceback" not in err
    assert re.search(message, last), err


def test_module_entry_point_exits_2_with_a_clean_message(tmp_path):
    missing = tmp_path / "gold.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "newsie.cli", "evaluate", "--model", str(tmp_path), "--data",
         str(missing)], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"newsie evaluate: error: corpus file {missing} does not exist\n"


def test_evaluate_prints_per_type_scores(capsys, tmp_path, tiny_model_dir, documents):
    gold = tmp_path / "gold.jsonl"
    write_jsonl(documents, gold)
    code, out, _ = run(capsys, "evaluate", "--model", str(tiny_model_dir), "--data", str(gold))
    assert code == 0
    assert out.startswith(f"{len(documents)} documents")
    rows = {tuple(line.split()[:2]) for line in out.splitlines() if line.strip()}
    for name in ("ACTOR", "CASUALTY", "LOCATION", "QUOTE", "micro", "SPEAKER", "PLACE",
                 "PERPETRATOR"):
        assert (name, "strict") in rows and (name, "relaxed") in rows, name
    assert "seqeval" in out


def test_usage_errors_exit_through_argparse(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["extract"])  # --model is required
    assert caught.value.code == 2
    assert "--model" in capsys.readouterr().err


def test_commands_are_one_registry_and_the_parser_offers_each(capsys):
    assert list(COMMANDS) == [
        "extract", "extract-archive", "render", "train", "evaluate", "convert", "export",
        "corpus stats",
    ]
    with pytest.raises(ValueError, match="unknown command 'stats'; known: convert, corpus stats"):
        COMMANDS["stats"]
    parser = build_parser()
    for name in COMMANDS:
        with pytest.raises(SystemExit) as caught:
            parser.parse_args([*name.split(), "--help"])
        assert caught.value.code == 0
        assert f"usage: newsie {name} " in capsys.readouterr().out


def write_conll(tmp_path, content: str = "Rebels B-ORG\nin O\nHoms B-GPE\n"):
    path = tmp_path / "a.conll"
    path.write_text(content, encoding="utf-8")
    return path


def test_convert_and_stats_commands(tmp_path, capsys):
    out = tmp_path / "out" / "corpus.jsonl"
    code, printed, err = run(capsys, "convert", "--from", "conll", str(write_conll(tmp_path)),
                             "-o", str(out), "--map", "ORG=ACTOR")
    assert (code, printed) == (0, "")
    [doc] = read_jsonl(out)
    assert [(s.label, s.text) for s in doc.spans] == [("ACTOR", "Rebels")]
    assert err.startswith(f"wrote 1 documents to {out}\nskipped: 1\n")
    assert "span label 'GPE': not mapped to a newsie span type" in err
    code, printed, err = run(capsys, "corpus", "stats", str(out))
    assert code == 0 and err == ""
    assert "source a: 1 documents" in printed


def test_quiet_leaves_only_the_product(tmp_path, capsys):
    out = tmp_path / "corpus.jsonl"
    code, printed, err = run(capsys, "convert", "--from", "conll", str(write_conll(tmp_path)),
                             "-o", str(out), "--quiet")
    assert (code, printed, err) == (0, "", "")
    assert len(read_jsonl(out)) == 1


@pytest.mark.parametrize("arguments, message", [
    (["convert", "--from", "conll", "{conll}", "-o", "{out}"], "newsie convert: error: {conll}:1"),
    (["corpus", "stats", "{missing}"], "newsie corpus stats: error: corpus file {missing} "),
])
def test_corpus_errors_are_one_clean_line_and_exit_code_1(tmp_path, capsys, arguments, message):
    paths = {"conll": write_conll(tmp_path, "Rebels\n"), "out": tmp_path / "o.jsonl",
             "missing": tmp_path / "missing.jsonl"}
    code, printed, err = run(capsys, *(a.format(**paths) for a in arguments), "-q")
    assert (code, printed) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(message.format(**paths))
    assert not paths["out"].exists()


def test_extract_progress_counts_documents_and_spans_unless_quiet(capsys, tmp_path,
                                                                   tiny_model_dir):
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"text": f"Rebels shelled Homs {k}."}) + "\n"
                            for k in range(25)), encoding="utf-8")
    code, out, err = run(capsys, "extract", str(path), "--model", str(tiny_model_dir))
    spans = sum(len(doc["spans"]) for doc in json_lines(out))
    assert code == 0 and spans > 0
    assert "25/25" in err and f"spans={spans}" in err
    code, _, quiet = run(capsys, "extract", str(path), "--model", str(tiny_model_dir), "-q")
    assert code == 0 and "25/25" not in quiet

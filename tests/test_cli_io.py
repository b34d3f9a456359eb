"""What the `newsie` command line reads and writes, tried as a careless or hostile world would:
article text that carries terminal escapes, file names with control characters, inputs that are
not UTF-8, a closed pipe, a full disk, output paths that cannot be written. Property tests
(Hypothesis) for the two output formats and the UTF-8 reader."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from newsie.cli import main
from newsie.cli.formatting import format_document, format_jsonl
from newsie.cli.inputs import NotUtf8Error, decode_utf8, utf8_lines
from newsie.cli.output import json_line_safe, visible
from newsie.corpus import read_jsonl, write_jsonl
from newsie.data import CorpusError, Document, Relation, Span
from newsie.extractor import Extractor
from newsie.schema import DEFAULT_SCHEMA

# A terminal reads ESC ] 0 ; ... BEL as "set the window title to ...".
RETITLE = "\x1b]0;owned\x07"
NOT_PRINTING = ["\x1b", "\x07", "\x00", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\u202e",
                "\ufeff", "\ud800"]
FULL_DEVICE = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL_DEVICE.exists(), reason="no /dev/full here")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def no_raw_controls(text: str) -> bool:
    """Every character prints, but for line breaks."""
    return all(char.isprintable() for char in text.replace("\n", ""))


class QuotingExtractor:
    """Stands for a loaded Extractor: each text becomes a Document whose one QUOTE is the whole
    text, so whatever the text holds reaches the output."""

    device = torch.device("cpu")

    def pipe(self, texts, n_process=1):
        return (Document(text, spans=[Span("QUOTE", 0, len(text), text)]) for text in texts)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass


@pytest.fixture
def quoting():
    with mock.patch.object(Extractor, "from_pretrained", return_value=QuotingExtractor()):
        yield


# --- the text listing and JSON lines: nothing that does not print reaches the terminal --------

def test_a_quote_that_would_retitle_the_terminal_is_shown_escaped(capsys, tmp_path, quoting):
    path = tmp_path / "story.txt"
    path.write_text(f'"{RETITLE}"', encoding="utf-8")
    code, out, _ = run(capsys, "extract", str(path), "--model", "m", "--format", "text")
    assert code == 0
    assert out.splitlines()[1].startswith('QUOTE     "\\x1b]0;owned\\x07"')
    code, out, _ = run(capsys, "extract", str(path), "--model", "m", "--format", "jsonl")
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert json.loads(out)["spans"][0]["text"] == f'"{RETITLE}"'


@pytest.mark.parametrize("char", NOT_PRINTING)
def test_json_lines_escape_what_json_leaves_raw_and_keep_the_value(char):
    text = f"a{char}b"
    line = format_jsonl({"id": char}, Document(text, [Span("QUOTE", 0, 3, text)]))
    assert char not in line and line.isprintable()
    line.encode("utf-8")  # a lone surrogate, raw, could not be written as UTF-8
    record = json.loads(line)
    assert record["id"] == char and record["text"] == text and record["spans"][0]["text"] == text


def test_visible_keeps_letters_and_emoji_and_escapes_the_rest():
    kept = "Zürich Ελλάδα 北京 👍 'quoted' \\ back"
    assert visible(kept) == kept
    assert visible("a\x1b[31mb\u202ec\td\ud800") == "a\\x1b[31mb\\u202ec\\td\\ud800"
    assert visible(visible("\x1b\u2028")) == visible("\x1b\u2028")


def test_json_line_safe_writes_astral_characters_as_surrogate_pairs():
    tag = "\U000e0041"  # a tag character: not printing, beyond the first plane
    line = json_line_safe(json.dumps({"t": tag}, ensure_ascii=False))
    assert line == '{"t": "\\udb40\\udc41"}' and json.loads(line) == {"t": tag}


any_text = st.text(st.characters(exclude_categories=()), max_size=60)  # surrogates included


@st.composite
def documents(draw, with_relations: bool = True) -> Document:
    """A document of arbitrary unicode text, with disjoint spans of any types at arbitrary
    offsets and (optionally) relations between any of them."""
    text = draw(any_text)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8, unique=True)))
    spans = [Span(draw(st.sampled_from(DEFAULT_SCHEMA.span_types)), start, end, text[start:end],
                  score=draw(st.none() | st.floats(0, 1)))
             for start, end in zip(cuts[::2], cuts[1::2], strict=False) if start < end]
    relations = []
    if with_relations and spans:
        pairs = st.tuples(st.sampled_from(spans), st.sampled_from(spans))
        relations = [Relation(draw(st.sampled_from(DEFAULT_SCHEMA.relation_names)), head, tail)
                     for head, tail in draw(st.lists(pairs, max_size=4))]
    return Document(text, spans, relations, id=draw(st.none() | any_text))


@settings(max_examples=300, deadline=None)
@given(documents())
def test_text_listing_is_one_printable_line_per_span_and_relation(doc):
    listing = format_document(doc, title=doc.id or "")
    assert no_raw_controls(listing)
    assert listing.endswith("\n")
    lines = listing[:-1].splitlines()
    # str.splitlines also breaks at \x1c-\x1e, \x85, \u2028 and \u2029: none is left raw.
    assert lines == (listing[:-1].split("\n") if lines else [])
    assert len(lines) == int(bool(doc.id)) + len(doc.spans) + len(doc.relations)
    spans_listed = lines[int(bool(doc.id)):][: len(doc.spans)]
    for span, line in zip(doc.spans, spans_listed, strict=True):
        assert line.startswith(span.label) and f"[{span.start}:{span.end}]" in line


@settings(max_examples=300, deadline=None)
@given(documents(with_relations=False), st.dictionaries(any_text, any_text, max_size=2))
def test_every_json_line_parses_and_round_trips_the_offsets(doc, fields):
    record = {**fields, "text": doc.text}
    line = format_jsonl(record, doc)
    assert line.isprintable() and len(line.splitlines()) == 1
    line.encode("utf-8")
    data = json.loads(line)
    assert data["text"] == doc.text
    if any("\ud800" <= char <= "\udfff" for char in doc.text):
        # The output keeps a lone surrogate exactly; the corpus reader refuses it as no character.
        with pytest.raises(CorpusError, match="lone surrogate"):
            Document.from_dict(data)
        return
    back = Document.from_dict(data)
    assert [(s.label, s.start, s.end, s.text) for s in back.spans] == sorted(
        ((s.label, s.start, s.end, s.text) for s in doc.spans), key=lambda s: (s[1], -s[2], s[0]))
    assert all(back.text[s.start : s.end] == s.text for s in back.spans)
    assert all(data[key] == value for key, value in fields.items()
               if key not in {"text", "spans", "relations", "annotated", "id"})


# --- messages that embed file names ------------------------------------------------------------

@pytest.mark.parametrize("arguments, message", [
    (["extract", "{evil}.txt", "--model", "m"], "newsie extract: error: input file {shown}.txt "
     "does not exist"),
    (["corpus", "stats", "{evil}.jsonl"], "newsie corpus stats: error: corpus file {shown}.jsonl "
     "does not exist"),
    (["convert", "--from", "conll", "{evil}.conll", "-o", "{out}"], "newsie convert: error: "
     "{shown}.conll does not exist"),
])
def test_errors_are_one_line_whatever_the_file_names_hold(capsys, tmp_path, arguments,
                                                                message):
    evil = tmp_path / f"news{RETITLE}\nmore"
    paths = {"evil": evil, "out": tmp_path / "out.jsonl",
             "shown": tmp_path / "news\\x1b]0;owned\\x07\\nmore"}
    code, out, err = run(capsys, *(a.format(**paths) for a in arguments))
    assert code in (1, 2) and out == ""
    assert err == message.format(**paths) + "\n"


def test_reports_escape_what_they_quote_and_keep_their_lines(capsys, tmp_path, documents):
    for doc in documents:
        doc.meta["source"] = f"wire{RETITLE}"
    path = tmp_path / "gold.jsonl"
    write_jsonl(documents, path)
    code, out, _ = run(capsys, "corpus", "stats", str(path))
    assert code == 0 and no_raw_controls(out)
    assert "\nsource wire\\x1b]0;owned\\x07: 3 documents\n" in out


# --- inputs that are not UTF-8 -----------------------------------------------------------------

def test_inputs_that_are_not_utf8_are_named_skipped_and_the_rest_written(capsys, tmp_path,
                                                                          quoting):
    good_text, bad_text = tmp_path / "a.txt", tmp_path / "b.txt"
    good_lines, bad_lines = tmp_path / "c.jsonl", tmp_path / "d.jsonl"
    good_text.write_text("Rebels shelled Homs.", encoding="utf-8")
    bad_text.write_bytes("Größe: ".encode() + b"\xff and more")  # 0xff at byte 9 (ö, ß: 2 each)
    good_lines.write_text('{"id": "c1", "text": "one"}\n{"id": "c2", "text": "two"}\n')
    bad_lines.write_bytes(b'{"id": "d1", "text": "fine"}\n{"id": "d2", "text": "caf\xe9"}\n')
    code, out, err = run(capsys, "extract", str(good_text), str(bad_text), str(good_lines),
                         str(bad_lines), "--model", "m")
    assert code == 1
    printed = [json.loads(line) for line in out.splitlines()]
    assert [(r.get("id"), r["text"]) for r in printed] == [
        ("a.txt", "Rebels shelled Homs."), ("c1", "one"), ("c2", "two")]  # nothing of d.jsonl
    warnings, summary = err.splitlines()[:-1], err.splitlines()[-1]
    assert warnings == [
        f"skipped {bad_text}: not valid UTF-8: byte 0xff at byte offset 9 (line 1): invalid "
        "start byte; convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)",
        f"skipped {bad_lines}: not valid UTF-8: byte 0xe9 at byte offset 54 (line 2): "
        "invalid continuation byte; convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)"]
    assert summary == (f"newsie extract: error: 2 of 4 inputs were skipped, not being valid UTF-8 "
                       f"(see above): {bad_text}, {bad_lines}; the other inputs were extracted")


@pytest.mark.parametrize("stdin_format, data, kept, where", [
    ("text", b"abc\xffdef", [], "byte 0xff at byte offset 3 (line 1)"),
    ("jsonl", b'{"text": "first"}\n{"text": "\xc3"}\n{"text": "third"}\n', ["first"],
     "byte 0xc3 at byte offset 28 (line 2)"),
])
def test_standard_input_that_is_not_utf8_ends_where_it_breaks(
    capsys, monkeypatch, quoting, stdin_format, data, kept, where,
):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, err = run(capsys, "extract", "-", "--stdin-format", stdin_format, "--model", "m",
                         "--quiet")
    assert code == 1
    assert [json.loads(line)["text"] for line in out.splitlines()] == kept
    assert f"<stdin>: not valid UTF-8: {where}" in err.splitlines()[0]


def test_json_lines_input_may_start_with_a_byte_order_mark(capsys, tmp_path, quoting):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "one"}\r\n{"text": "two"}\r\n')
    code, out, _ = run(capsys, "extract", str(path), "--model", "m")
    assert code == 0
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["one", "two"]


utf8_or_not = st.lists(st.text(max_size=8).map(str.encode) | st.binary(max_size=4)).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(utf8_or_not)
def test_the_reader_decodes_utf8_or_names_the_first_bad_byte(data):
    try:
        expected = data.decode("utf-8")
    except UnicodeDecodeError as err:
        first_bad = err.start
    else:
        lines = list(utf8_lines(io.BytesIO(data), "f"))
        assert "".join(lines) == expected.removeprefix("\ufeff")
        assert decode_utf8(data, "f") == expected
        return
    line = data.count(b"\n", 0, first_bad) + 1
    for read in (lambda: list(utf8_lines(io.BytesIO(data), "f")), lambda: decode_utf8(data, "f")):
        with pytest.raises(NotUtf8Error) as caught:
            read()
        assert (caught.value.offset, caught.value.line) == (first_bad, line)
        assert f"byte 0x{data[first_bad]:02x} at byte offset {first_bad} (line {line})" in str(
            caught.value)


# --- output that cannot be written ---------------------------------------------------------------

def closed_pipe():
    """A text stream whose reader has gone, as `newsie ... | head -1` leaves standard output."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return open(write_end, "w", encoding="utf-8")  # noqa: SIM115 (closed by the test)


def full_disk():
    return open(FULL_DEVICE, "w", encoding="utf-8")  # noqa: SIM115 (closed by the test)


@needs_dev_full
@pytest.mark.parametrize("stream, message", [
    (closed_pipe, "standard output was closed (broken pipe) before everything was written"),
    (full_disk, "cannot write to standard output: No space left on device"),
])
@pytest.mark.parametrize("command", [["extract", "{text}", "--model", "m"],
                                     ["corpus", "stats", "{corpus}"]])
def test_output_that_cannot_be_written_ends_with_one_line_and_status_1(
    capsys, monkeypatch, tmp_path, quoting, documents, stream, message, command,
):
    paths = {"text": tmp_path / "story.txt", "corpus": tmp_path / "gold.jsonl"}
    paths["text"].write_text("Rebels shelled Homs.", encoding="utf-8")
    write_jsonl(documents, paths["corpus"])
    with stream() as broken:
        monkeypatch.setattr(sys, "stdout", broken)
        code = main([a.format(**paths) for a in command])
        monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"newsie {command[0] if command[0] != 'corpus' else 'corpus stats'}: error: " \
                  f"{message}\n"


def test_a_closed_pipe_ends_the_real_command_with_one_line(tmp_path, tiny_model_dir):
    """`newsie extract big.jsonl --model M | head -1`: status 1, one line, no traceback."""
    path = tmp_path / "big.jsonl"
    records = [{"id": i, "text": f"Rebels shelled Homs on day {i}, said Omar Haddad."}
               for i in range(400)]  # far more output than a pipe holds
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    command = [sys.executable, "-m", "newsie.cli", "extract", str(path), "--model",
               str(tiny_model_dir), "--device", "cpu", "--quiet"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=_environment()) as process:
        first = json.loads(process.stdout.readline())
        process.stdout.close()
        err = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert first["id"] == 0 and first["spans"]
    assert code == 1
    assert err == ("newsie extract: error: standard output was closed (broken pipe) before "
                   "everything was written\n")


@needs_dev_full
def test_a_full_disk_ends_the_real_command_with_one_line(tmp_path, tiny_model_dir):
    path = tmp_path / "story.txt"
    path.write_text("Rebels shelled Homs.", encoding="utf-8")
    with FULL_DEVICE.open("w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "newsie.cli", "extract", str(path), "--model",
             str(tiny_model_dir), "--device", "cpu", "--quiet"],
            stdout=full, stderr=subprocess.PIPE, text=True, check=False, env=_environment())
    assert result.returncode == 1
    assert result.stderr == ("newsie extract: error: cannot write to standard output: No space "
                             "left on device\n")


def _environment() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


# --- output files: checked before the work, replaced only when complete ---------------------------

def write_conll(tmp_path: Path, content: str = "Rebels B-ORG\nin O\nHoms B-GPE\n") -> Path:
    path = tmp_path / "a.conll"
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("output, message", [
    ("{file}/out.jsonl", "cannot write {file}/out.jsonl: {file} is a file, not a folder"),
    ("{file}/deeper/out.jsonl", "cannot write {file}/deeper/out.jsonl: {file} is a file, not a "
     "folder"),
    ("{folder}", "cannot write {folder}: it is a folder; give a file name"),
])
def test_an_unwritable_output_is_found_before_the_corpus_is_read(capsys, tmp_path, output,
                                                                 message):
    paths = {"file": tmp_path / "notes.txt", "folder": tmp_path}
    paths["file"].write_text("not a folder", encoding="utf-8")
    broken_corpus = write_conll(tmp_path, "Rebels\n")  # reading it would fail: a corpus error
    code, out, err = run(capsys, "convert", "--from", "conll", str(broken_corpus),
                         "-o", output.format(**paths))
    assert (code, out) == (1, "")
    assert err == f"newsie convert: error: {message.format(**paths)}\n"


@needs_dev_full
def test_convert_to_a_full_disk_ends_with_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "convert", "--from", "conll", str(write_conll(tmp_path)),
                         "-o", str(FULL_DEVICE), "--quiet")
    assert (code, out) == (1, "")
    assert err == "newsie convert: error: cannot write /dev/full: No space left on device\n"


def test_a_failed_write_leaves_the_previous_output_whole(capsys, tmp_path):
    output = tmp_path / "corpus.jsonl"
    output.write_text("the previous corpus\n", encoding="utf-8")

    def write_half_then_fill_the_disk(documents, path):
        Path(path).write_text('{"text": "half', encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with mock.patch("newsie.cli.convert.write_jsonl", write_half_then_fill_the_disk):
        code, _, err = run(capsys, "convert", "--from", "conll", str(write_conll(tmp_path)),
                           "-o", str(output), "--quiet")
    assert code == 1
    assert err == f"newsie convert: error: cannot write {output}: No space left on device\n"
    assert output.read_text(encoding="utf-8") == "the previous corpus\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.conll", "corpus.jsonl"]


def test_a_replaced_output_keeps_its_mode_and_its_link(capsys, tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    code, _, _ = run(capsys, "convert", "--from", "conll", str(write_conll(tmp_path)),
                     "-o", str(link), "--quiet", "--map", "ORG=ACTOR")
    assert code == 0
    assert link.is_symlink() and [d.text for d in read_jsonl(target)] == ["Rebels in Homs"]
    assert target.stat().st_mode & 0o777 == 0o640


def test_train_finds_an_unwritable_model_folder_before_training(capsys, tmp_path):
    blocker = tmp_path / "model"
    blocker.write_text("a file where the model folder should go", encoding="utf-8")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("data:\n  train: [missing.jsonl]\n  dev: [missing.jsonl]\n",
                      encoding="utf-8")  # training would stop at the missing corpus
    code, out, err = run(capsys, "train", "--config", str(recipe), "--output-dir", str(blocker))
    assert (code, out) == (1, "")
    assert err == f"newsie train: error: cannot write {blocker}: it is a file; give a folder\n"

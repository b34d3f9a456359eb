"""Properties of the corpus readers, on generated documents (Hypothesis).

1. Round trips: a document written in a format and read back is the same document, for any
   text (combining marks, emoji and flags, CRLF and lone CR, no-break and other spaces, line and
   paragraph separators, byte-order marks, control characters) and any valid spans: corpus JSON
   lines exactly (every field), brat and doccano span for span and relation for relation, CoNLL
   as the text and spans its tokens and tags describe. Every span read has
   `text[start:end] == span.text`.
2. Malformed lines: a file with one bad line either reads (the line happened to be valid) or
   raises CorpusError naming the file and that line; never another exception.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsie.converters import convert
from newsie.corpus import read_jsonl, write_jsonl
from newsie.data import Annotated, CorpusError, Document, Relation, Span
from newsie.schema import CASUALTY_QUALIFIERS, CASUALTY_STATUSES, DEFAULT_SCHEMA
from newsie.text.boundaries import trim_whitespace

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Pieces a generated text is made of, beside arbitrary characters: what breaks offsets elsewhere.
AWKWARD = ["e\u0301", "\u0301", "😀", "👨\u200d👩\u200d👧", "🇸🇾", "\r\n", "\r", "\n", "\t",
           "\u00a0", "\u2028", "\u2029", "\u0085", "\ufeff", "\u200b", "\x00", "\x1b]0;x\x07",
           "İ", "ß", "ﬁ", "\U0010ffff", '"', "\\", " ", "Homs"]
CHARACTERS = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be UTF-8
TEXTS = st.lists(st.one_of(st.text(CHARACTERS, max_size=6), st.sampled_from(AWKWARD)),
                 max_size=14).map("".join)


SCORES = st.none() | st.floats(0, 1).map(lambda x: round(x, 4))  # written with 4 decimals


def unchanged_by_trimming(text: str, start: int, end: int) -> bool:
    return trim_whitespace(text, start, end) == (start, end)


def on_one_line(text: str, start: int, end: int) -> bool:
    """brat writes a span's text on its .ann line, so the span holds no line break."""
    return unchanged_by_trimming(text, start, end) and "\n" not in text[start:end]


@st.composite
def documents(draw, span_ok: Callable[[str, int, int], bool] = lambda *_: True) -> Document:
    """A valid document: spans of one type never overlap, relations join the types they allow."""
    text = draw(TEXTS)
    spans = []
    for label in DEFAULT_SCHEMA.span_types:
        cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=6)))
        for start, end in zip(cuts[::2], cuts[1::2], strict=False):
            if span_ok(text, start, end) and draw(st.booleans()):
                attrs = draw(casualty_attrs()) if label == "CASUALTY" else {}
                spans.append(Span(label, start, end, text[start:end], score=draw(SCORES),
                                  attrs=attrs))
    spans.sort(key=lambda s: (s.start, -s.end, s.label))
    for span, number in zip(spans, draw(st.permutations(range(len(spans)))), strict=True):
        span.id = f"x{number}"
    relations = []
    for kind in DEFAULT_SCHEMA.relation_types:
        pairs = [(head, tail) for head in spans if head.label == kind.head
                 for tail in spans if tail.label == kind.tail]
        if pairs:
            chosen = draw(st.sets(st.sampled_from(range(len(pairs))), max_size=3))
            relations += [Relation(kind.name, *pairs[k]) for k in sorted(chosen)]
    return Document(text=text, spans=spans, relations=relations,
                    id=draw(st.none() | st.text(CHARACTERS, max_size=5)),
                    annotated=draw(annotated()), meta=draw(metas()))


def casualty_attrs():
    return st.fixed_dictionaries({}, optional={
        "count": st.none() | st.integers(0, 10**6),
        "qualifier": st.sampled_from(CASUALTY_QUALIFIERS),
        "status": st.sampled_from(CASUALTY_STATUSES)})


def annotated():
    def subset(names: tuple[str, ...]):
        return st.sets(st.sampled_from(names)).map(lambda s: tuple(n for n in names if n in s))

    return st.builds(Annotated, spans=subset(DEFAULT_SCHEMA.span_types),
                     relations=subset(DEFAULT_SCHEMA.relation_names))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(CHARACTERS, max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=8)


def metas():
    return st.dictionaries(st.text(CHARACTERS, max_size=4).map(lambda k: f"m_{k}"), JSON_VALUES,
                           max_size=2)


def standoff(doc: Document) -> tuple[list, list]:
    """Spans and relations by offsets and labels: what a format other than ours can carry."""
    spans = sorted((s.label, s.start, s.end, s.text) for s in doc.spans)
    relations = sorted((r.label, r.head.start, r.head.end, r.tail.start, r.tail.end)
                       for r in doc.relations)
    return spans, relations


def check_offsets(documents: list[Document]) -> None:
    for doc in documents:
        for span in doc.spans:
            assert doc.text[span.start:span.end] == span.text


# --- round trips ----------------------------------------------------------------------------------

@PROPERTY
@given(st.lists(documents(), max_size=4))
def test_corpus_json_lines_round_trip_exactly(docs):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        assert write_jsonl(docs, path) == len(docs)
        again = read_jsonl(path)
    assert again == docs
    check_offsets(again)


def write_brat(folder: Path, doc: Document) -> None:
    ref = {id(span): f"T{k}" for k, span in enumerate(doc.spans, start=1)}
    lines = [f"{ref[id(s)]}\t{s.label} {s.start} {s.end}\t{s.text}" for s in doc.spans]
    lines += [f"R{k}\t{r.label} Arg1:{ref[id(r.head)]} Arg2:{ref[id(r.tail)]}"
              for k, r in enumerate(doc.relations, start=1)]
    (folder / "doc.txt").write_text(doc.text, encoding="utf-8", newline="")
    (folder / "doc.ann").write_text("".join(line + "\n" for line in lines), encoding="utf-8",
                                    newline="")


@PROPERTY
@given(documents(on_one_line))
def test_brat_round_trips(doc):
    with tempfile.TemporaryDirectory() as tmp:
        write_brat(Path(tmp), doc)
        result = convert("brat", [Path(tmp)])
    [again] = result.documents
    assert again.text == doc.text and standoff(again) == standoff(doc)
    assert not result.report.skipped and not result.report.adjusted
    check_offsets([again])


def doccano_row(doc: Document, shape: str) -> dict:
    if shape == "label":
        return {"text": doc.text, "label": [[s.start, s.end, s.label] for s in doc.spans]}
    ref = {id(span): k for k, span in enumerate(doc.spans, start=1)}
    return {"id": 7, "text": doc.text,
            "entities": [{"id": ref[id(s)], "label": s.label, "start_offset": s.start,
                          "end_offset": s.end} for s in doc.spans],
            "relations": [{"id": 100 + k, "from_id": ref[id(r.head)], "to_id": ref[id(r.tail)],
                           "type": r.label} for k, r in enumerate(doc.relations)]}


@PROPERTY
@given(documents(unchanged_by_trimming), st.sampled_from(["label", "entities"]))
def test_doccano_round_trips(doc, shape):
    if shape == "label":
        doc.relations = []  # the label shape has no relations
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.jsonl"
        # ensure_ascii=False: U+2028, U+0085 and the like stay raw inside the line.
        path.write_text(json.dumps(doccano_row(doc, shape), ensure_ascii=False) + "\n",
                        encoding="utf-8")
        result = convert("doccano", [path])
    [again] = result.documents
    assert again.text == doc.text and standoff(again) == standoff(doc)
    assert not result.report.skipped and not result.report.adjusted
    check_offsets([again])


TOKENS = st.text(CHARACTERS.filter(lambda c: c not in " \t\r\n"), min_size=1, max_size=5).filter(
    lambda t: unchanged_by_trimming(t, 0, len(t)) and t != "-DOCSTART-")
CHUNKS = st.lists(st.tuples(st.none() | st.sampled_from(DEFAULT_SCHEMA.span_types),
                            st.lists(TOKENS, min_size=1, max_size=3)), min_size=1, max_size=5)


@PROPERTY
@given(st.lists(CHUNKS, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from([" ", "\t", " NN "]))
def test_conll_reads_the_text_and_spans_its_tags_describe(sentences, newline, separator):
    """Sentences are chunks of tokens, each chunk a span of its label or outside any (None)."""
    lines, text, expected = [], "", []
    for s, sentence in enumerate(sentences):
        tokens = [(token, label, k) for label, chunk in sentence for k, token in enumerate(chunk)]
        for t, (token, label, k) in enumerate(tokens):
            text += ("\n" if t == 0 else " ") if s or t else ""
            if label and k == 0:
                expected.append([label, len(text), None])
            text += token
            if label:
                expected[-1][2] = len(text)
            tag = f"{'I' if k else 'B'}-{label}" if label else "O"
            lines.append(f"{token}{separator}{tag}")
        lines.append("")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.conll"
        path.write_bytes(newline.join(lines).encode("utf-8"))
        result = convert("conll", [path])
    [again] = result.documents
    assert again.text == text
    assert sorted([s.label, s.start, s.end] for s in again.spans) == sorted(expected)
    check_offsets([again])


# --- malformed lines ------------------------------------------------------------------------------

LINE_CHARACTERS = CHARACTERS.filter(lambda c: c not in "\r\n")  # a line, not several


def mutated(row: dict) -> st.SearchStrategy[dict]:
    """`row` with one field, or one field of one span or relation, set to any JSON value."""
    def at(path: tuple, value) -> dict:
        copy = json.loads(json.dumps(row))
        target = copy
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return copy

    paths = [(key,) for key in ("id", "text", "spans", "relations", "annotated")]
    paths += [("annotated", key) for key in ("spans", "relations")]
    paths += [("spans", i, key) for i in range(len(row["spans"]))
              for key in ("id", "label", "start", "end", "text", "attrs", "score")]
    paths += [("relations", i, key) for i in range(len(row["relations"]))
              for key in ("label", "head", "tail", "score")]
    return st.builds(at, st.sampled_from(paths), JSON_VALUES)


def bad_json_lines(valid: dict) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(LINE_CHARACTERS, min_size=1, max_size=20),
        JSON_VALUES.map(json.dumps),
        mutated(valid).map(lambda row: json.dumps(row, ensure_ascii=False)),
        st.sampled_from(["9" * 5000, "[" * 100000, '{"text": "a", "spans": [' + "1" * 4400 + "]}",
                         '{"text": "\\ud800"', "\ufeff{}"]),
    )


def check_located(read: Callable[[], object], path: Path, line: int) -> None:
    """`read()` succeeds, or raises CorpusError naming `path` and `line`."""
    try:
        read()
    except CorpusError as err:
        assert (err.source, err.line) == (str(path), line), str(err)


VALID_ROW = {"id": "d", "text": '"We stay," said Lavrov.', "annotated": {"spans": ["ACTOR"],
                                                                          "relations": []},
             "spans": [{"id": "q", "label": "QUOTE", "start": 1, "end": 9},
                       {"id": "a", "label": "ACTOR", "start": 16, "end": 22}],
             "relations": [{"label": "SPEAKER", "head": "q", "tail": "a"}]}


@PROPERTY
@given(st.data())
def test_corpus_json_lines_malformed_line_is_located(data):
    bad = data.draw(bad_json_lines(VALID_ROW))
    position = data.draw(st.integers(0, 2))
    lines = [json.dumps(VALID_ROW)] * 2
    lines.insert(position, bad)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        check_located(lambda: read_jsonl(path), path, position + 1)


@PROPERTY
@given(st.data())
def test_doccano_malformed_line_is_located(data):
    valid = doccano_row(Document.from_dict(VALID_ROW), "entities")
    bad = data.draw(st.one_of(bad_json_lines(VALID_ROW), mutated_doccano(valid)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.jsonl"
        path.write_text(json.dumps(valid) + "\n" + bad + "\n", encoding="utf-8")
        check_located(lambda: convert("doccano", [path]), path, 2)


def mutated_doccano(row: dict) -> st.SearchStrategy[str]:
    def at(path: tuple, value) -> str:
        copy = json.loads(json.dumps(row))
        target = copy
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return json.dumps(copy)

    paths = [(key,) for key in ("text", "entities", "relations", "label")]
    paths += [("entities", 0, key) for key in ("id", "label", "start_offset", "end_offset")]
    paths += [("relations", 0, key) for key in ("from_id", "to_id", "type")]
    return st.builds(at, st.sampled_from(paths), JSON_VALUES)


BRAT_PIECES = ["T1", "T3", "R1", "R7", "E1", "A1", "#1", "*", "X1", "T", "\t", " ", "ACTOR",
               "SPEAKER", "Arg1:T1", "Arg2:T2", "Arg1:E1", "0", "1", "5", "-1", "3;4", "9" * 30,
               "1" * 5000, "١", "Lavrov", "\r", "Equiv"]
BRAT_LINES = st.lists(st.sampled_from(BRAT_PIECES) | st.text(LINE_CHARACTERS, max_size=3),
                      min_size=1, max_size=9).map("".join)


@PROPERTY
@given(BRAT_LINES)
@example("T3\tACTOR 0 " + "1" * 5000 + "\tx")  # too many digits for int()
@example("T3\tACTOR \u0661 \u0663\tx")  # Arabic-Indic digits: \\d, not what brat writes
@example("R2\tSPEAKER Arg1:T1 Arg2:T9")
def test_brat_malformed_line_is_located(bad):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "a.txt").write_text('"We stay," said Lavrov.', encoding="utf-8")
        (folder / "a.ann").write_text(f"T1\tQUOTE 1 9\tWe stay,\nT2\tACTOR 16 22\tLavrov\n{bad}\n",
                                      encoding="utf-8")
        check_located(lambda: convert("brat", [folder]), folder / "a.ann", 3)


CONLL_PIECES = ["Lavrov", " ", "\t", "B-ACTOR", "I-ACTOR", "E-QUOTE", "O", "X-ACTOR", "B-",
                "-DOCSTART-", "\u00a0", "\u2028", "\x0c"]


@PROPERTY
@given(st.lists(st.sampled_from(CONLL_PIECES) | st.text(LINE_CHARACTERS, max_size=3), min_size=1,
                max_size=6).map("".join))
def test_conll_malformed_line_is_located(bad):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.conll"
        path.write_text(f"Lavrov B-ACTOR\nsaid O\n{bad}\n", encoding="utf-8")
        check_located(lambda: convert("conll", [path]), path, 3)


@pytest.mark.parametrize("line", ["9" * 5000, "[" * 100000])
def test_json_the_parser_refuses_is_a_located_corpus_error(tmp_path, line):
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps(VALID_ROW) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="unreadable JSON") as caught:
        read_jsonl(path)
    assert (caught.value.source, caught.value.line) == (str(path), 2)


# Found by the properties above in `Document.from_dict`: fields it read but could not write back.
@pytest.mark.parametrize(("field", "value", "named"), [
    (("annotated", "spans"), 5, "annotated.spans"),                # was a TypeError
    (("annotated", "relations"), None, "annotated.relations"),     # was a TypeError
    (("spans", 0, "score"), "high", "spans[0].score"),             # read; writing it failed
    (("relations", 0, "score"), [1], "relations[0].score"),        # read; writing it failed
    (("text",), '"We stay," said \ud83d.', "text"),                # a lone surrogate: not UTF-8
])
def test_corpus_reader_refuses_what_it_could_not_write(tmp_path, field, value, named):
    row = json.loads(json.dumps(VALID_ROW))
    target = row
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = value
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        read_jsonl(path)
    assert (caught.value.source, caught.value.line, caught.value.field) == (str(path), 1, named)


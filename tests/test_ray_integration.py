"""`newsie.integrations.ray` and `newsie extract-archive` on a local Ray instance (2 CPUs, shared by
the module): rows are what `Extractor.pipe` gives, a rerun writes only what is missing, a worker
killed midway is retried with nothing lost or duplicated, malformed records go to the rejects.

The killed workers: every Ray worker process runs `crash_when_armed`'s hook at start (Ray's
`worker_process_setup_hook`), which makes an ArchiveWriter end its process (`os._exit`) before it
reads a block while the marker `before` exists, and right after writing a block's part, before Ray
hears of it, while the marker `after` exists. The one process that removes a marker is the one
that dies, so each marker kills one worker."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray  # the `ray` extra: scripts/setup.sh installs it, so CI runs these tests, never skips
from conftest import ARTICLES, make_document

from newsie.cli import main
from newsie.extractor import Extractor
from newsie.integrations.archive import Block, plan_blocks, read_block
from newsie.integrations.ray import Extract
from newsie.integrations.rows import to_document
from newsie.models import save_model_folder

TEXTS = [make_document(m, r).text for m, r in ARTICLES]
LONG_TEXT = " ".join(TEXTS * 6)  # many windows of the tiny model's 64 tokens
# A few dozen documents of every kind: short, empty, many windows.
DOCUMENTS = [
    {"id": f"wire-{i:02d}", "text": f"Report {i}. {TEXTS[i % 3]}"} for i in range(30)
] + [{"id": "long", "text": LONG_TEXT}, {"id": "empty", "text": ""}]
MALFORMED_LINES = [
    '{"id": "no-text", "body": "text under another name"}',
    "{not json",
    '{"id": "number", "text": 12}',
    '["a", "list"]',
]


def crash_when_armed(markers: dict[str, str]):
    """A worker setup hook: ArchiveWriter ends its process before reading a block while the file
    `markers["before"]` exists, and after writing one while `markers["after"]` does; once each."""

    def hook() -> None:
        from newsie.integrations import ray as newsie_ray

        write_block = newsie_ray.ArchiveWriter.__call__

        def crash_if_armed(when: str) -> None:
            try:
                os.unlink(markers[when])  # succeeds in one process only
            except FileNotFoundError:
                return
            os._exit(1)

        def call(self, batch):
            crash_if_armed("before")
            done = write_block(self, batch)
            crash_if_armed("after")
            return done

        newsie_ray.ArchiveWriter.__call__ = call

    return hook


@pytest.fixture(scope="module")
def crash_markers(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("fault")
    return {when: str(folder / f"crash-{when}") for when in ("before", "after")}


@pytest.fixture(scope="module")
def local_ray(crash_markers):
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"worker_process_setup_hook": crash_when_armed(crash_markers)},
    )
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def model_dir(tiny_model, tmp_path_factory):
    """The tiny model with a relation threshold that random heads pass: relations to compare."""
    model, tokenizer = tiny_model
    folder = tmp_path_factory.mktemp("tiny-model-relations")
    threshold = model.config.relation_threshold
    model.config.relation_threshold = 1e-6
    try:
        return save_model_folder(model, tokenizer, folder)
    finally:
        model.config.relation_threshold = threshold


@pytest.fixture(scope="module")
def expected(model_dir) -> dict[str, dict]:
    """What `Extractor.pipe` gives each document, by id."""
    extractor = Extractor.from_pretrained(model_dir, device="cpu")
    documents = extractor.pipe([record["text"] for record in DOCUMENTS])
    found = {
        record["id"]: document.to_dict()
        for record, document in zip(DOCUMENTS, documents, strict=True)
    }
    assert any(e["relations"] for e in found.values())  # the comparisons cover relations
    assert any("attrs" in span for e in found.values() for span in e["spans"])  # and casualties
    return found


@pytest.fixture
def archive(tmp_path):
    """An input folder: a JSON-lines file with malformed lines among the documents, and a
    Parquet file of three row groups in a subfolder."""
    folder = tmp_path / "archive"
    (folder / "2024").mkdir(parents=True)
    lines = [json.dumps(record) for record in DOCUMENTS[:20]]
    for position, bad in zip((3, 9, 15, 21), MALFORMED_LINES, strict=True):
        lines.insert(position, bad)
    lines.insert(5, "")  # blank: skipped, not rejected
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = DOCUMENTS[20:] + [{"id": "null-text", "text": None}]
    pq.write_table(pa.Table.from_pylist(rows), folder / "2024" / "more.parquet", row_group_size=5)
    return folder


def run_archive(archive, output, model_dir, *options) -> int:
    return main(["extract-archive", str(archive), "--output", str(output), "--model",
                 str(model_dir), "--block-size", "4", *options])


def output_rows(output) -> list[dict]:
    return pq.read_table(output).to_pylist()  # part files only: `_` and `.` names are not read


def assert_each_document_once_as_pipe_gives(rows, expected):
    assert sorted(row["id"] for row in rows) == sorted(expected)  # all there, none twice
    for row in rows:
        assert to_document(row).to_dict() == {"id": row["id"], **expected[row["id"]]}


def test_extract_in_map_batches_gives_what_pipe_gives(local_ray, model_dir, expected):
    dataset = ray.data.from_items(DOCUMENTS).map_batches(
        Extract,
        fn_constructor_kwargs={"model": str(model_dir), "device": "cpu"},
        batch_size=5,
        compute=ray.data.ActorPoolStrategy(size=2),
    )
    rows = dataset.take_all()
    assert {"id", "text", "spans", "relations"} <= set(rows[0])
    assert_each_document_once_as_pipe_gives(rows, expected)
    long_spans = json.loads(next(row for row in rows if row["id"] == "long")["spans"])
    assert max(span["end"] for span in long_spans) > len(LONG_TEXT) // 2  # not cut at a window


def test_extract_archive_writes_what_pipe_gives_and_rejects_malformed_records(
    local_ray, model_dir, expected, archive, tmp_path
):
    output = tmp_path / "out.parquet"
    assert run_archive(archive, output, model_dir, "--concurrency", "2") == 0

    assert_each_document_once_as_pipe_gives(output_rows(output), expected)
    parts = sorted(path.name for path in output.glob("*.parquet"))
    assert parts[0] == "2024__more.parquet.000000000-000000004.parquet"  # named after its block
    assert "wire.jsonl.000000024-000000025.parquet" in parts  # 25 lines: 20 + 4 bad + 1 blank
    rows = {row["id"]: row for row in output_rows(output)}
    assert (rows["wire-03"]["source"], rows["wire-03"]["record"]) == ("wire.jsonl", 5)
    rejects = [json.loads(line) for line in (output / "_rejects.jsonl").read_text().splitlines()]
    assert rejects == [
        {"source": "2024/more.parquet", "row": 12, "reason": "'text' is NoneType, not a string"},
        {"source": "wire.jsonl", "line": 4, "reason": "no 'text' field"},
        {"source": "wire.jsonl", "line": 11,
         "reason": "not valid JSON: Expecting property name enclosed in double quotes: line 1 "
                   "column 2 (char 1)"},
        {"source": "wire.jsonl", "line": 17, "reason": "'text' is int, not a string"},
        {"source": "wire.jsonl", "line": 23, "reason": "a JSON list, not an object"},
    ]


def test_a_rerun_after_an_interruption_writes_each_document_once(
    local_ray, model_dir, expected, archive, tmp_path, caplog
):
    output = tmp_path / "out.parquet"
    assert run_archive(archive, output, model_dir) == 0
    parts = sorted(output.glob("*.parquet"))
    # An interrupted run: two blocks never written, one left as a partial file.
    lost = [parts[1], parts[4]]
    for path in lost:
        path.unlink()
    (output / f".{lost[0].name}.999.partial").write_bytes(b"half a part")
    kept = {path: path.stat().st_mtime_ns for path in parts if path not in lost}

    caplog.set_level("INFO", logger="newsie")
    assert run_archive(archive, output, model_dir) == 0

    assert "2 to do" in caplog.text
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in kept.items())  # not redone
    assert sorted(output.glob("*.parquet")) == parts
    assert_each_document_once_as_pipe_gives(output_rows(output), expected)
    assert len((output / "_rejects.jsonl").read_text().splitlines()) == 5  # not gathered twice


def test_a_rerun_with_other_settings_is_refused(local_ray, model_dir, archive, tmp_path, caplog):
    output = tmp_path / "out.parquet"
    (output / "2024").mkdir(parents=True)
    assert run_archive(archive, output, model_dir) == 2  # a folder of something else
    assert "is not an extract-archive output" in caplog.text
    shutil.rmtree(output)
    assert run_archive(archive, output, model_dir) == 0
    assert run_archive(archive, output, model_dir, "--block-size", "5") == 2
    assert "block_size differ" in caplog.text


def test_killed_workers_are_retried_and_nothing_is_lost_or_duplicated(
    local_ray, crash_markers, model_dir, expected, archive, tmp_path
):
    output = tmp_path / "out.parquet"
    for marker in crash_markers.values():  # arm: one worker dies before a block, one after
        open(marker, "w").close()
    assert run_archive(archive, output, model_dir, "--concurrency", "1") == 0
    assert not any(os.path.exists(marker) for marker in crash_markers.values())  # both died
    assert_each_document_once_as_pipe_gives(output_rows(output), expected)
    assert len((output / "_rejects.jsonl").read_text().splitlines()) == 5


def test_parquet_blocks_across_row_groups_read_each_row_once(tmp_path):
    rows = [{"text": f"text {i}", "id": i} for i in range(11)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "a.parquet", row_group_size=3)
    plan = plan_blocks(tmp_path / "a.parquet", 4, "text")
    assert [(b.start, b.stop) for b in plan.blocks] == [(0, 4), (4, 8), (8, 11)]
    read = [record for block in plan.blocks for record in read_block(block, "text", "id")[0]]
    assert [record["id"] for record in read] == [str(i) for i in range(11)]
    assert [record["record"] for record in read] == list(range(11))
    assert Block.from_item(plan.blocks[1].as_item()) == plan.blocks[1]


def test_without_ray_the_command_names_the_extra(monkeypatch, tmp_path, caplog, tiny_model_dir):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails as if not installed
    (tmp_path / "in.jsonl").write_text('{"text": "Rebels shelled Homs."}\n')
    status = main(["extract-archive", str(tmp_path / "in.jsonl"), "--output",
                   str(tmp_path / "out.parquet"), "--model", str(tiny_model_dir)])
    assert status == 2
    assert 'pip install "newsie[ray]"' in caplog.text

"""The benchmark package's parts that need no model: the generated corpus, the options, the
system table and the report."""

from __future__ import annotations

import pytest

from newsie.benchmarks.arguments import BenchmarkArguments, parse_arguments
from newsie.benchmarks.corpus import make_corpus, make_long_text
from newsie.benchmarks.harness import median_run
from newsie.benchmarks.profiling import PROFILE_PARTS
from newsie.benchmarks.report import add_rates, build_report, format_report
from newsie.benchmarks.systems import SYSTEMS, chosen_systems


def test_corpus_is_the_same_for_a_seed_and_differs_across_seeds():
    first, again = make_corpus(4, seed=13), make_corpus(4, seed=13)
    assert [doc.to_dict() for doc in first] == [doc.to_dict() for doc in again]
    assert [doc.text for doc in make_corpus(4, seed=14)] != [doc.text for doc in first]
    assert [doc.id for doc in first] == ["bench-00000", "bench-00001", "bench-00002", "bench-00003"]


def test_corpus_spans_and_relations_point_into_their_document():
    for doc in make_corpus(6, seed=3, min_words=50, max_words=400):
        assert doc.spans and doc.relations
        for span in doc.spans:
            assert doc.text[span.start : span.end] == span.text
        ids = [span.id for span in doc.spans]
        assert len(set(ids)) == len(ids)
        for relation in doc.relations:
            assert relation.head in doc.spans and relation.tail in doc.spans
        assert len(doc.text.split()) >= 50


def test_long_text_reaches_its_size():
    text = make_long_text(30_000, seed=13)
    assert len(text.encode("utf-8")) >= 30_000
    assert text == make_long_text(30_000, seed=13)


def test_options_keep_their_defaults_and_resolve():
    args = parse_arguments(["--device", "cpu"])
    chosen = (args.docs, args.max_length, args.stride, args.warmup, args.seed)
    assert chosen == (40, 512, 128, 4, 13)
    assert (args.dtype, args.batch_size, args.repeat, args.n_process) == ("float32", None, 1, 1)
    assert parse_arguments(["--memory-1mb"]).device == "cpu"
    assert parse_arguments(["--batch-size", "7", "--device", "cpu"]).batch_size == 7


@pytest.mark.parametrize(
    "argv",
    [
        ["--train", "--memory-1mb"],
        ["--device", "cpu", "--profile", "--train"],
        ["--device", "cpu", "--docs", "0"],
        ["--device", "cpu", "--int8", "--dtype", "bfloat16"],
        ["--device", "cpu", "--n-process", "2", "--train"],
    ],
)
def test_options_that_make_no_run_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        parse_arguments(argv)
    assert "error:" in capsys.readouterr().err


def test_every_chosen_system_is_registered():
    runs = [
        BenchmarkArguments(device="cpu", int8=True, profile=True, n_process=2),
        BenchmarkArguments(memory_1mb=True),
        BenchmarkArguments(train=True),
    ]
    chosen = [name for args in runs for name in chosen_systems(args)]
    assert sorted(chosen) == SYSTEMS.names()
    assert chosen_systems(BenchmarkArguments()) == ["newsie", "hf-pipeline", "encoder"]


def test_profile_parts_exist():
    """PROFILE_PARTS names functions inside newsie.inference: each must still be there."""
    for label, owner, name, _ in PROFILE_PARTS:
        assert callable(getattr(owner, name, None)), f"{label}: {owner.__name__}.{name}"


def test_median_run_keeps_every_runs_seconds():
    runs = [{"seconds": 3.0, "n": 1}, {"seconds": 1.0, "n": 2}, {"seconds": 2.0, "n": 3}]
    assert median_run(runs) == {"seconds": 2.0, "n": 3, "runs_s": [3.0, 1.0, 2.0]}
    assert median_run(runs[:2])["n"] == 2  # of two runs, the faster


MACHINE = {
    "cpu": "Test CPU",
    "cores": 2,
    "torch_threads": 2,
    "torch": "2.x",
    "transformers": "5.x",
    "python": "3.11",
    "device": "cpu",
    "device_name": "Test CPU",
}
CORPUS = {
    "source": "generated (seed 13)",
    "documents": 10,
    "words": 1000,
    "tokens": 2000,
    "min_words": 50,
    "max_words": 200,
}
SETTINGS = {
    "device": "cpu",
    "dtype": "float32",
    "batch_size": 5,
    "n_process": 1,
    "max_length": 512,
    "stride": 128,
    "warmup": 4,
    "train_steps": 12,
    "train_batch_size": 8,
    "seed": 13,
}


def fake_report(hf_windows: int = 20, repeat: int = 1) -> dict:
    found = {
        "newsie": {"seconds": 2.0, "spans": 40, "relations": 9, "own_encoder_s": 1.6},
        "hf-pipeline": {"seconds": 4.0, "entities": 44, "windows": hf_windows},
        "encoder": {"seconds": 1.0, "windows": 20, "tokenize_s": 0.1},
    }
    results = {
        name: median_run([add_rates({"system": name, **result}, CORPUS)] * repeat)
        for name, result in found.items()
    }
    return build_report(MACHINE, CORPUS, "a test model", SETTINGS, results)


def test_report_table_has_a_row_per_system_and_the_ratios():
    lines = format_report(fake_report()).splitlines()
    heading = next(line for line in lines if line.lstrip().startswith("system"))
    columns = "system s docs/s tokens/s spans relations entities windows tokenize s"
    assert heading.split() == columns.split()
    rows = {line.split()[0]: line.split() for line in lines[lines.index(heading) + 1 :][:3]}
    assert rows["newsie"][:4] == ["newsie", "2.00", "5.00", "1000"]
    assert rows["hf-pipeline"][:4] == ["hf-pipeline", "4.00", "2.50", "500"]
    assert rows["encoder"][:4] == ["encoder", "1.00", "10.00", "2000"]
    assert "newsie / its own encoder right after, same process (tokens_per_s): 0.80" in lines
    assert "newsie / hf-pipeline (tokens_per_s): 2.00" in lines
    assert "newsie / encoder (tokens_per_s): 0.50  (target >= 0.9: NOT met)" in lines
    assert not any("WARNING" in line or "every run" in line for line in lines)
    corpus = "corpus: generated (seed 13): 10 documents, 1000 words (50-200 a document), 2000"
    assert f"{corpus} tokens" in lines


def test_report_warns_of_a_pipeline_that_skipped_windows_and_shows_repeats():
    report = fake_report(hf_windows=17, repeat=3)
    text = format_report(report)
    assert "WARNING: hf-pipeline forwarded 17 windows where the documents make 20" in text
    assert "every run s" in text and "2.0 2.0 2.0" in text
    assert [ratio["name"] for ratio in report["ratios"]] == [
        "newsie / hf-pipeline",
        "newsie / encoder",
    ]

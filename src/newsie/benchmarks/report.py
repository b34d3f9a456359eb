"""The report: rates, the ratios the project's targets are stated in, the printed tables and the
JSON file.

Every speed row gets documents/s and tokens/s over the whole corpus (tokens counted once per
document). The ratios compare rows on the same work: newsie against the HF pipeline and against
the bare encoder (the ceiling), workers against one process, int8 against float32, newsie's
Trainer against a plain one; each with its target where the project has one. A pipeline row that
forwarded fewer windows than the documents make gets a WARNING: its ratios are void.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import transformers

MEMORY_TARGET_MB = 2048  # one 1 MB document must extract in at most this peak RSS
TRAIN_RATIO_TARGET = 0.8  # newsie's training samples/s over a plain token-classification run
# newsie's tokens/s over the bare encoder's on the same windows, by device type
ENCODER_RATIO_TARGETS = {"cpu": 0.9, "cuda": 0.7}
INT8_RATIO_TARGET = 1.8  # newsie-int8's documents/s over the float32 HF pipeline's
# newsie's host side (encoder replayed) in tokens/s over the fast tokenizer alone's, one process
HOST_RATIO_TARGET = 0.5

# (numerator, denominator, what is compared: one field, or the numerator's and the denominator's,
# target: a number, a number per device type, or None)
RATIOS = [
    ("newsie", "hf-pipeline", "tokens_per_s", None),
    ("newsie", "encoder", "tokens_per_s", ENCODER_RATIO_TARGETS),
    ("newsie-workers", "encoder", "tokens_per_s", ENCODER_RATIO_TARGETS),
    ("newsie-workers", "newsie", "tokens_per_s", None),
    ("newsie-host-workers", "newsie-host", "tokens_per_s", None),
    ("newsie-host", "tokenizer", ("host_tokens_per_s", "tokens_per_s"), HOST_RATIO_TARGET),
    ("newsie-int8", "newsie", "tokens_per_s", None),
    ("hf-pipeline-int8", "hf-pipeline", "tokens_per_s", None),
    ("newsie-int8", "hf-pipeline", "docs_per_s", INT8_RATIO_TARGET),
    ("newsie-int8", "hf-pipeline-int8", "tokens_per_s", None),
    ("train-newsie", "train-hf", "samples_per_s", TRAIN_RATIO_TARGET),
]

# The results table's columns: (result key, heading, format string or function). A column is
# shown when some row has its key.
COLUMNS: list[tuple[str, str, str | Callable[[Any], str]]] = [
    ("system", "system", "{}"),
    ("seconds", "s", "{:.2f}"),
    ("docs_per_s", "docs/s", "{:.2f}"),
    ("tokens_per_s", "tokens/s", "{:.0f}"),
    ("samples_per_s", "samples/s", "{:.2f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
    ("worker_peak_rss_mb", "worker peak RSS MB", "{:.0f}"),
    ("peak_cuda_mb", "peak CUDA MB", "{:.0f}"),
    ("page_faults", "page faults", "{:,}"),
    ("spans", "spans", "{}"),
    ("relations", "relations", "{}"),
    ("entities", "entities", "{}"),
    ("windows", "windows", "{}"),
    ("tokenize_s", "tokenize s", "{:.2f}"),
    ("device_s", "device stages s", "{:.2f}"),
    ("host_s", "host s", "{:.2f}"),
    ("host_tokens_per_s", "host tokens/s", "{:.0f}"),
    ("runs_s", "every run s", lambda runs: " ".join(f"{s:.1f}" for s in runs)),
]


def describe_machine(device: str) -> dict:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "device": device,
        "device_name": torch.cuda.get_device_name() if device == "cuda" else cpu,
    }


def add_rates(result: dict, corpus: dict) -> dict:
    """Documents/s and tokens/s of a row timed on the whole corpus (not training, the profile or
    the one-megabyte document)."""
    if "samples_per_s" not in result and "parts" not in result and "bytes" not in result:
        result["docs_per_s"] = corpus["documents"] / result["seconds"]
        result["tokens_per_s"] = corpus["tokens"] / result["seconds"]
    if "host_s" in result:
        result["host_tokens_per_s"] = corpus["tokens"] / result["host_s"]
    return result


def ratios(results: dict[str, dict], device: str) -> list[dict]:
    """The RATIOS whose two rows both ran, each with its target for `device` and verdict."""
    found = []
    for top, bottom, field, target in RATIOS:
        if isinstance(target, dict):
            target = target.get(device)
        top_field, bottom_field = (field, field) if isinstance(field, str) else field
        if top in results and bottom in results:
            value = results[top][top_field] / results[bottom][bottom_field]
            found.append(
                {
                    "name": f"{top} / {bottom}",
                    "of": top_field
                    if top_field == bottom_field
                    else f"{top_field} / {bottom_field}",
                    "value": value,
                    "target": target,
                    "met": None if target is None else value >= target,
                }
            )
    return found


def coverage_warnings(results: dict[str, dict]) -> list[str]:
    """A pipeline row that forwarded fewer windows than the documents make did not read all of
    every document: it looks faster than it is, and every ratio against it is void."""
    expected = results.get("encoder", {}).get("windows")
    return [
        f"{name} forwarded {result['windows']} windows where the documents make {expected}: it "
        "did not read all of every document, so its speed is overstated and ratios against it "
        "are void. tokenizers 0.23.2 with transformers 5.24 drops the pipeline's overflowing "
        "windows this way; install the tokenizers release newsie is tested with."
        for name, result in results.items()
        if name.startswith("hf-pipeline") and expected and result["windows"] != expected
    ]


def build_report(
    machine: dict, corpus: dict, model: str, settings: dict, results: dict[str, dict]
) -> dict:
    """Everything a run found, as written to --json."""
    return {
        "machine": machine,
        "corpus": corpus,
        "model": model,
        "settings": settings,
        "results": list(results.values()),
        "ratios": ratios(results, machine["device"]),
        "warnings": coverage_warnings(results),
    }


def write_json(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def header_lines(report: dict) -> list[str]:
    """The machine, the corpus, the settings and the model a run used."""
    machine, corpus, settings = report["machine"], report["corpus"], report["settings"]
    lines = [
        "",
        f"machine: {machine['cpu']}, {machine['cores']} cores ({machine['torch_threads']} torch "
        f"threads); torch {machine['torch']}, transformers {machine['transformers']}, "
        f"python {machine['python']}; device {machine['device']} ({machine['device_name']})",
    ]
    if not any("bytes" in r for r in report["results"]):  # --memory-1mb times its own text
        lines.append(
            f"corpus: {corpus['source']}: {corpus['documents']} documents, {corpus['words']} words "
            f"({corpus['min_words']}-{corpus['max_words']} a document), {corpus['tokens']} tokens"
        )
    if any("samples_per_s" in r for r in report["results"]):
        batches = f"{settings['train_batch_size']} windows a step, {settings['train_steps']} steps"
    else:
        batches = (
            f"{settings['batch_size']} windows a batch, warm-up {settings['warmup']} documents"
        )
    lines.append(
        f"settings: dtype {settings['dtype']}, window {settings['max_length']} tokens, stride "
        f"{settings['stride']}, {batches}"
    )
    lines.append(f"model: {report['model']}")
    return lines


def _cell(fmt: str | Callable[[Any], str], value: Any) -> str:
    return fmt(value) if callable(fmt) else fmt.format(value)


def results_table(results: list[dict]) -> list[str]:
    """One right-aligned line per row, under a heading; the profile's result is reported apart,
    and "every run s" only when some system ran more than once."""
    rows = [r for r in results if "parts" not in r]
    shown = [c for c in COLUMNS if any(c[0] in r for r in rows)]
    shown = [c for c in shown if c[0] != "runs_s" or any(len(r["runs_s"]) > 1 for r in rows)]
    table = [[heading for _, heading, _ in shown]]
    table += [[_cell(fmt, r[key]) if key in r else "" for key, _, fmt in shown] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(shown))]
    return [
        "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in table
    ]


def ratio_lines(report: dict) -> list[str]:
    lines = [
        f"{result['system']} / its own encoder right after, same process (tokens_per_s): "
        f"{result['own_encoder_s'] / result['seconds']:.2f}"
        for result in report["results"]
        if "own_encoder_s" in result
    ]
    for ratio in report["ratios"]:
        verdict = (
            ""
            if ratio["target"] is None
            else f"  (target >= {ratio['target']}: {'met' if ratio['met'] else 'NOT met'})"
        )
        lines.append(f"{ratio['name']} ({ratio['of']}): {ratio['value']:.2f}{verdict}")
    return lines


def one_megabyte_line(result: dict) -> str:
    met = "met" if result["peak_rss_mb"] <= MEMORY_TARGET_MB else "NOT met"
    return (
        f"one document of {result['bytes']:,} bytes: {result['seconds']:.1f} s, peak RSS "
        f"{result['peak_rss_mb']:.0f} MB ({result['peak_rss_after_load_mb']:.0f} MB "
        f"after loading; target <= {MEMORY_TARGET_MB} MB: {met}); "
        f"{result['spans']} spans"
    )


def profile_lines(result: dict) -> list[str]:
    """newsie's time by part (own time, share of the pass) and cProfile's top functions."""
    total = result["seconds"]
    lines = [
        "",
        f"newsie's time by part: {total:.2f} s in all (wall clock, one more pass)",
        f"  {'part':<24} {'calls':>8} {'total s':>8} {'own s':>8} {'own %':>6}",
    ]
    for row in result["parts"]:
        share = 100 * row["own_seconds"] / total
        lines.append(
            f"  {row['part']:<24} {row['calls']:>8} {row['seconds']:>8.2f} "
            f"{row['own_seconds']:>8.2f} {share:>6.1f}"
        )
    rest = total - sum(row["own_seconds"] for row in result["parts"])
    lines.append(
        f"  {'the rest (glue)':<24} {'':>8} {'':>8} {rest:>8.2f} {100 * rest / total:>6.1f}"
    )
    lines.append("  most own time under cProfile (which slows Python code more than kernels):")
    lines += [
        f"    {row['function']:<64} {row['seconds']:7.2f} s  {row['calls']} calls"
        for row in result["top_own_time"]
    ]
    return lines


def format_report(report: dict) -> str:
    """The report as printed: header, results table, ratios, then the one-megabyte document's
    and the profile's sections, and the warnings."""
    lines = [*header_lines(report), "", *results_table(report["results"]), *ratio_lines(report)]
    for result in report["results"]:
        if "bytes" in result:
            lines.append(one_megabyte_line(result))
        if "parts" in result:
            lines += profile_lines(result)
    for warning in report["warnings"]:
        lines += ["", f"WARNING: {warning}"]
    return "\n".join(lines)

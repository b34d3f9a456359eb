"""The benchmark's entry point: `main()` behind `scripts/benchmark.py` and
`python -m newsie.benchmarks`, for the parent run and for each system's worker process.

The results (the tables, ratios and warnings) go to standard output; progress messages go
through `logging` to standard error.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict
from pathlib import Path

from newsie.benchmarks.arguments import BenchmarkArguments, parse_arguments
from newsie.benchmarks.harness import median_run, run_in_worker, run_round_robin
from newsie.benchmarks.report import (
    add_rates,
    build_report,
    describe_machine,
    format_report,
    write_json,
)
from newsie.benchmarks.systems import SYSTEMS, chosen_systems
from newsie.benchmarks.workspace import prepare_workspace

logger = logging.getLogger(__name__)
# Job fields that name this run's temporary folders: left out of the report's settings.
WORKSPACE_FIELDS = ("workspace", "model_dir", "encoder_dir")


def show_progress() -> None:
    """The benchmark's messages, bare, on standard error (once per process)."""
    package = logging.getLogger("newsie.benchmarks")
    if not package.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        package.addHandler(handler)
        package.setLevel(logging.INFO)


def run_benchmark(args: BenchmarkArguments) -> dict:
    """Prepare a workspace, run the chosen systems in it and return the report."""
    machine = describe_machine(args.device)
    with tempfile.TemporaryDirectory(prefix="newsie-benchmark-") as folder:
        logger.info("preparing the corpus and model folders in %s ...", folder)
        job, corpus, model = prepare_workspace(args, Path(folder))
        runs = run_round_robin(chosen_systems(args), Path(folder), args.repeat)
    results = {
        name: median_run([add_rates(run, corpus) for run in found]) for name, found in runs.items()
    }
    settings = {k: v for k, v in asdict(job).items() if k not in WORKSPACE_FIELDS}
    return build_report(machine, corpus, model, settings, results)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    if args.worker:
        run_in_worker(args.worker, SYSTEMS[args.worker], args.workspace)
        return
    show_progress()
    report = run_benchmark(args)
    if args.json:  # first: a report is never lost to a printing error
        write_json(report, args.json)
    print(format_report(report))
    if args.json:
        logger.info("wrote %s", args.json)

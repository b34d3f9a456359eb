"""`newsie extract-archive`: a JSON-lines or Parquet archive (a file, or a folder of them) through
a pool of Ray actors into a folder of Parquet parts, one per block of input records
(`newsie.integrations.ray.extract_archive`; the files are described in
`newsie.integrations.archive`).

A rerun of the same command resumes: blocks whose part exists are skipped, the others are
extracted, and no document is written twice. Malformed records go to the rejects file (source,
line or row, reason) and the run goes on. Progress and documents/s are logged on standard error.

Exit status: 0 when every block was written (rejected records are counted in a warning); 2 when
an error stopped it (no input, an output folder of another run, Ray not installed or not found
at `--address`); 130 after
Ctrl-C, with the blocks written so far kept for the rerun.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from newsie.cli.command import USAGE_ERRORS, Command

logger = logging.getLogger(__name__)

INTERRUPTED_STATUS = 130


def configure_extract_archive(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        type=Path,
        metavar="INPUT",
        help="a .jsonl or .parquet file, or a folder of them (searched recursively)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        required=True,
        metavar="OUT.parquet",
        help="the output folder of Parquet parts (rerun with the same one to resume)",
    )
    parser.add_argument("--model", type=Path, required=True, help="a model folder saved by newsie")
    parser.add_argument(
        "--address",
        default=None,
        help="the Ray cluster to run on ('auto': the one this machine belongs to; default: "
        "start one on this machine)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="Ray actors, each with its own copy of the model (default: 1)",
    )
    parser.add_argument(
        "--num-gpus-per-worker",
        type=float,
        default=0,
        metavar="G",
        help="GPUs each actor reserves (default: 0, CPU workers)",
    )
    parser.add_argument(
        "--num-cpus-per-worker",
        type=float,
        default=1,
        metavar="C",
        help="CPUs each actor reserves; Ray gives torch that many threads (default: 1)",
    )
    parser.add_argument("--text-column", default="text", help="the field holding the text")
    parser.add_argument(
        "--id-column",
        default="id",
        help="the field holding the id (default: id; records without one get FILE:LINE)",
    )
    parser.add_argument(
        "--block-size",
        type=int,
        default=1000,
        metavar="RECORDS",
        help="input records per block, the unit of work, retry and resume (default: 1000)",
    )
    parser.add_argument(
        "--rejects",
        type=Path,
        default=None,
        metavar="FILE",
        help="where the malformed records go, as JSON lines (default: OUT.parquet/_rejects.jsonl)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="windows per forward pass (default: sized to the device, see Extractor)",
    )


def run_extract_archive(args: argparse.Namespace) -> int:
    from transformers.utils import logging as transformers_logging

    from newsie.integrations.ray import Workers, extract_archive

    transformers_logging.disable_progress_bar()
    workers = Workers(
        args.address, args.concurrency, args.num_gpus_per_worker, args.num_cpus_per_worker
    )
    try:
        report = extract_archive(
            args.input,
            args.output,
            args.model,
            workers,
            text_column=args.text_column,
            id_column=args.id_column,
            block_size=args.block_size,
            rejects=args.rejects,
            batch_size=args.batch_size,
        )
    except KeyboardInterrupt:
        logger.warning(
            "newsie extract-archive: stopped; the parts written are whole: rerun the same "
            "command to extract the rest"
        )
        return INTERRUPTED_STATUS
    logger.info(
        "newsie extract-archive: %d documents in %.1f s (%.1f documents/s); %d of %d blocks "
        "were written by an earlier run",
        report.documents,
        report.seconds,
        report.documents_per_second,
        report.skipped,
        report.blocks,
    )
    if report.rejects:
        logger.warning(
            "newsie extract-archive: %d malformed records were not extracted: see %s",
            report.rejects,
            report.rejects_file,
        )
    return 0


COMMAND = Command(
    "extract-archive",
    "extract a JSON-lines or Parquet archive to Parquet on Ray, resumably",
    configure_extract_archive,
    run_extract_archive,
    errors=(*USAGE_ERRORS, ImportError, ConnectionError),  # ConnectionError: no Ray at --address
)

"""newsie on Ray Data (`pip install "newsie[ray]"`): extraction spread over a cluster.

    import ray
    from newsie.integrations.ray import Extract

    documents = ray.data.read_parquet("archive/").map_batches(
        Extract,
        fn_constructor_kwargs={"model": "/shared/models/newsie-default"},
        compute=ray.data.ActorPoolStrategy(size=4),  # four actors, each with its model
        batch_size=64,
        num_gpus=1,  # per actor; leave out on CPU workers
    )

`Extract` loads an Extractor once per actor and maps each batch's texts to the row format of
`newsie.integrations.rows` (`spans`, `relations` and the document-level fields, JSON strings),
keeping the batch's own columns (`id`, ...). A long text is split into windows, never cut.

`extract_archive` is `newsie extract-archive`: a JSON-lines or Parquet archive, in blocks
(`newsie.integrations.archive`), through a pool of `ArchiveWriter` actors that each read a
block, extract it with `Extract` and write its Parquet part and rejects. Ray retries the block of
an actor that dies (it restarts the actor: `map_batches`' defaults for actors) and a part is
written whole or not at all, so a block is written once whatever fails; a rerun skips the blocks
already written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsie.allocator import keep_freed_memory
from newsie.extractor import Extractor
from newsie.integrations.archive import (
    DEFAULT_REJECTS,
    ArchiveOutput,
    Block,
    part_table,
    plan_blocks,
    read_block,
)
from newsie.integrations.rows import batch_texts, check_no_clash, document_columns, output_fields

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 10.0  # at most one progress message this often


def import_ray():
    """The `ray` module, or an ImportError naming the extra that installs it."""
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data is the `data` extra of ray)
    except ImportError as err:
        raise ImportError(
            f'newsie\'s Ray integration needs Ray Data ({err}): pip install "newsie[ray]"'
        ) from err
    return ray


class Extract:
    """A callable class for `ray.data.Dataset.map_batches`: each actor loads the model folder
    `model` once (`settings` are Extractor.from_pretrained's: device, batch_size, quantize, ...)
    and adds `{prefix}spans`, `{prefix}relations` and the document-level fields to each batch,
    predicted from `text_column`. A column of those names already in the batch is an error."""

    def __init__(
        self, model: str | Path, text_column: str = "text", prefix: str = "", **settings: Any
    ) -> None:
        self.extractor = Extractor.from_pretrained(model, **settings)
        if self.extractor.device.type == "cpu":
            keep_freed_memory()  # the actor's own process: see newsie.allocator
        self.fields = output_fields(self.extractor)
        self.text_column, self.prefix = text_column, prefix

    def __call__(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        texts = batch_texts(batch, self.text_column)
        check_no_clash(batch, self.fields, self.prefix, "fn_constructor_kwargs={'prefix': ...}")
        columns = dict(batch.items())
        columns.update(document_columns(self.extractor.pipe(texts), self.fields, self.prefix))
        return columns


class ArchiveWriter:
    """A callable class for `map_batches` over blocks (`Block.as_item()` rows): reads each block,
    extracts its records, writes its part and rejects to `output`, and returns one row per block
    (its name, documents, rejects). `settings` go to `Extract`."""

    def __init__(
        self, output: str, text_column: str, id_column: str, model: str, **settings: Any
    ) -> None:
        self.output = ArchiveOutput(Path(output))
        self.text_column, self.id_column = text_column, id_column
        self.extract = Extract(model, **settings)

    def __call__(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, list]:
        done: dict[str, list] = {"block": [], "documents": [], "rejects": []}
        for index in range(len(batch["source"])):
            block = Block.from_item({key: values[index] for key, values in batch.items()})
            records, rejects = read_block(block, self.text_column, self.id_column)
            columns = self.extract({"text": [record["text"] for record in records]})
            del columns["text"]
            self.output.write(block, part_table(records, columns), rejects)
            done["block"].append(block.name)
            done["documents"].append(len(records))
            done["rejects"].append(len(rejects))
        return done


@dataclass
class ArchiveReport:
    """What a run of `extract_archive` did."""

    blocks: int  # in the input
    skipped: int  # written by an earlier run
    documents: int  # extracted by this run
    rejects: int  # in the rejects file (all runs)
    rejects_file: Path
    seconds: float

    @property
    def documents_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Workers:
    """Where and on how many workers to run: `address` of a Ray cluster (None: start one here),
    `concurrency` actors, each reserving `num_gpus` GPUs and `num_cpus` CPUs."""

    address: str | None = None
    concurrency: int = 1
    num_gpus: float = 0
    num_cpus: float = 1


def extract_archive(
    input_path: Path,
    output: Path,
    model: Path,
    workers: Workers | None = None,
    *,
    text_column: str = "text",
    id_column: str = "id",
    block_size: int = 1000,
    rejects: Path | None = None,
    batch_size: int | None = None,
) -> ArchiveReport:
    """Extract every record of `input_path` into the Parquet parts of the folder `output`,
    skipping blocks an earlier run wrote; malformed records go to `rejects` (default
    `output/_rejects.jsonl`). `workers` default: one actor on a Ray instance started here.
    Progress and documents/s go to the `newsie` logger."""
    ray = import_ray()
    workers = workers or Workers()
    plan = plan_blocks(input_path, block_size, text_column)
    archive = ArchiveOutput(output)
    model = model.resolve()
    archive.claim(
        {
            "input": str(input_path.resolve()),
            "model": str(model),
            "text_column": text_column,
            "id_column": id_column,
            "block_size": block_size,
            "records": plan.records,
        }
    )
    todo = [block for block in plan.blocks if not archive.is_written(block)]
    logger.info(
        "%d blocks of up to %d records in %d files; %d written by an earlier run, %d to do",
        len(plan.blocks),
        block_size,
        len(plan.records),
        len(plan.blocks) - len(todo),
        len(todo),
    )
    started = time.monotonic()
    documents = _run_blocks(ray, todo, archive, model, workers, text_column, id_column, batch_size)
    seconds = time.monotonic() - started
    rejects = rejects or output / DEFAULT_REJECTS
    rejected = archive.gather_rejects(plan.blocks, rejects)
    return ArchiveReport(
        len(plan.blocks), len(plan.blocks) - len(todo), documents, rejected, rejects, seconds
    )


def _run_blocks(
    ray,
    todo: list[Block],
    archive: ArchiveOutput,
    model: Path,
    workers: Workers,
    text_column: str,
    id_column: str,
    batch_size: int | None,
) -> int:
    """Extract the blocks `todo` on a pool of `ArchiveWriter` actors; the documents written."""
    if not todo:
        return 0
    if not ray.is_initialized():
        ray.init(address=workers.address, include_dashboard=False, logging_level=logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False  # newsie logs progress
    blocks = ray.data.from_items(
        [block.as_item() for block in todo], override_num_blocks=len(todo)
    )  # one task a block: retries
    written = blocks.map_batches(
        ArchiveWriter,
        fn_constructor_kwargs={
            "output": str(archive.folder.resolve()),
            "text_column": text_column,
            "id_column": id_column,
            "model": str(model),
            "batch_size": batch_size,
        },
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=workers.concurrency),
        num_gpus=workers.num_gpus or None,
        num_cpus=workers.num_cpus,
    )
    progress = _Progress(len(todo))
    for row in written.iter_rows():
        progress.add(row["block"], row["documents"], row["rejects"])
    progress.report(final=True)
    return progress.documents


class _Progress:
    """Blocks and documents done, logged at most every PROGRESS_SECONDS, with documents/s."""

    def __init__(self, blocks: int) -> None:
        self.blocks, self.done, self.documents, self.rejects = blocks, 0, 0, 0
        self.started = self.reported = time.monotonic()

    def add(self, name: str, documents: int, rejects: int) -> None:
        self.done += 1
        self.documents += documents
        self.rejects += rejects
        logger.debug("block %s: %d documents, %d rejected", name, documents, rejects)
        if time.monotonic() - self.reported >= PROGRESS_SECONDS:
            self.report()

    def report(self, final: bool = False) -> None:
        self.reported = time.monotonic()
        seconds = self.reported - self.started
        logger.info(
            "%s%d/%d blocks, %d documents (%.1f documents/s), %d records rejected",
            "done: " if final else "",
            self.done,
            self.blocks,
            self.documents,
            self.documents / seconds if seconds else 0.0,
            self.rejects,
        )

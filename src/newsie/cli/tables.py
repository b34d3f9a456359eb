"""`newsie extract --format parquet|csv -o DIR`: the extracted documents as four tables in DIR
(`spans`, `relations`, `casualties`, `events`; columns in `newsie.tables`) instead of lines on
standard output. The tables are written once every document is extracted."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from newsie.data import Document
from newsie.tables import TABLE_FORMATS, TableBuilder, write_tables

__all__ = ["TABLE_FORMATS", "TableOutput", "add_table_arguments"]

logger = logging.getLogger(__name__)


def add_table_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="with --format parquet or csv: the folder for spans, relations and casualties",
    )


class TableOutput:
    """Where `newsie extract` puts documents when the format is a table format."""

    def __init__(self, folder: Path, format: str) -> None:
        self.folder, self.format = folder, format
        self._builder = TableBuilder()

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TableOutput | None:
        """The output `--format` and `-o` ask for; None for a format printed line by line."""
        if args.format not in TABLE_FORMATS:
            if args.output is not None:
                raise ValueError(f"-o is for --format {' or '.join(TABLE_FORMATS)}; "
                                 f"--format {args.format} prints to standard output")
            return None
        if args.output is None:
            raise ValueError(f"--format {args.format} writes four tables: name their folder "
                             "with -o DIR")
        if args.output.exists() and not args.output.is_dir():
            raise ValueError(f"-o {args.output}: not a folder")
        return cls(args.output, args.format)

    def add(self, record: dict, doc: Document) -> None:
        """Add the document extracted from `record`, which names it when it has an 'id'."""
        if doc.id is None and record.get("id") is not None:
            doc.id = str(record["id"])
        self._builder.add(doc)

    def write(self) -> None:
        paths = write_tables(self._builder.tables(), self.folder, self.format)
        logger.info("wrote %s", ", ".join(str(path) for path in paths))

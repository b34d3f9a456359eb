"""The `newsie` command line: extract, extract-archive, render, train, evaluate, convert, export,
corpus stats.

One module per command, each with a `COMMAND` (`newsie.cli.command.Command`): the function that
adds its arguments and the one that runs it. Messages go to standard error through the `newsie`
logger (`newsie.cli.messages`); what a command produces goes to standard output. A command that
cannot write its product (a closed pipe, a full disk, an unwritable output file) ends with one
line and status 1 (`newsie.cli.output`).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable

from newsie.cli import (
    convert,
    corpus_stats,
    evaluate,
    export,
    extract,
    extract_archive,
    render,
    train,
)
from newsie.cli.command import Command
from newsie.cli.messages import configure_logging
from newsie.cli.output import OUTPUT_ERROR_STATUS, OutputError, visible
from newsie.registry import Registry

__all__ = ["COMMANDS", "build_parser", "main"]

logger = logging.getLogger(__name__)


def _command_table(commands: Iterable[Command]) -> Registry[Command]:
    table: Registry[Command] = Registry("command")
    for command in commands:
        table.add(command.name, command)
    return table


# In the order `newsie --help` lists them.
COMMANDS = _command_table(
    module.COMMAND
    for module in (
        extract, extract_archive, render, train, evaluate, convert, export, corpus_stats
    )
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsie", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}  # "corpus stats" -> group "corpus"
    for command in COMMANDS.values():
        *group, leaf = command.name.split()
        target = commands
        if group:
            if group[0] not in groups:
                groups[group[0]] = commands.add_parser(
                    group[0], help=f"{group[0]} tools"
                ).add_subparsers(dest=f"{group[0]}_command", required=True, metavar="COMMAND")
            target = groups[group[0]]
        sub = target.add_parser(leaf, help=command.help)
        command.configure(sub)
        sub.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            help="no progress bar or messages from newsie, only errors",
        )
        sub.set_defaults(selected_command=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command `argv` names (default: the process's arguments); its exit status."""
    args = build_parser().parse_args(argv)
    command: Command = args.selected_command
    configure_logging(quiet=args.quiet)
    try:
        return command.run(args)
    except OutputError as err:
        _report_error(command, err)
        return OUTPUT_ERROR_STATUS
    except command.errors as err:
        _report_error(command, err)
        return command.error_status


def _report_error(command: Command, err: Exception) -> None:
    # One line, whatever the message embeds (a file name with a line break in it).
    logger.error("newsie %s: error: %s", command.name, visible(str(err)))

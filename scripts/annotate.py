"""The annotation workbench for newsie-wikinews and WCEP (docs/annotation-procedure.md).

    python scripts/annotate.py show ID                  # the text with offsets, the working file
    python scripts/annotate.py pre ID... | --batch wikinews-01 [--second] [--model DIR]
    python scripts/annotate.py save work/annotation/wikinews-01/ID.ann [...]
    python scripts/annotate.py load ID [--second]            # a saved record back to a working file
    python scripts/annotate.py diff ID... | --batch wikinews-01  # first vs second, for adjudication
    python scripts/annotate.py assemble                      # batches -> the split files

Working files live in `work/annotation/BATCH/ID.ann` (`BATCH.second/` for a second, independent
annotation), outside git; `save` checks one against its text and the guidelines
(`newsie.workbench`) and writes its stand-off record into
`corpus/realnews/batches/BATCH.standoff.jsonl` (`corpus/realnews/double/` for a second
annotation). `assemble` writes the adjudicated corpus,
`corpus/realnews/SOURCE-SPLIT.standoff.jsonl`, from the batches and `selection.jsonl`.
The data folder is --data-dir, else $NEWSIE_DATA_DIR, else ../shared/data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsie.corpus import json_objects
from newsie.standoff import attach_text, resolve_data_dir, source_text, write_standoff
from newsie.workbench import (
    ANNOTATED,
    AnnotationError,
    numbered_text,
    parse_working_file,
    record_differences,
    saved_working_file_text,
    working_file_text,
    working_file_to_record,
)

CORPUS = Path("corpus/realnews")
SELECTION = CORPUS / "selection.jsonl"
WORK = Path("work/annotation")
SECTIONS = {"wikinews": ("events", "actors"), "wcep": ("events",)}


def selection() -> dict[str, dict]:
    with SELECTION.open(encoding="utf-8") as handle:
        return {row["id"]: row for _, row in json_objects(handle, str(SELECTION))}


def entry(item_id: str) -> dict:
    rows = selection()
    if item_id not in rows:
        raise SystemExit(f"{item_id!r} is not in {SELECTION}")
    return rows[item_id]


def working_path(row: dict, second: bool) -> Path:
    return WORK / (row["batch"] + (".second" if second else "")) / f"{row['id']}.ann"


def record_path(batch: str, second: bool) -> Path:
    return CORPUS / ("double" if second else "batches") / f"{batch}.standoff.jsonl"


def read_records(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {row["id"]: row for _, row in json_objects(handle, str(path))}


def header(row: dict, annotator: str, second: bool) -> dict[str, str]:
    return {"id": row["id"], "source": row["source"], "sha256": row["sha256"],
            "batch": row["batch"], "role": "second" if second else "first",
            "annotator": annotator}


def write_working(row: dict, content: str, args: argparse.Namespace) -> Path:
    path = working_path(row, args.second)
    if path.exists() and not args.force:
        print(f"kept {path} (exists; --force replaces it)")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    print(f"wrote {path}")
    return path


def run_show(args: argparse.Namespace) -> None:
    row = entry(args.id)
    print(numbered_text(source_text(resolve_data_dir(args.data_dir), row["source"], row["id"])))
    path = working_path(row, args.second)
    print(f"\n== {path}" + ("" if path.exists() else " (none yet: run pre)"))
    if path.exists():
        print(path.read_text(encoding="utf-8"))


def run_pre(args: argparse.Namespace) -> None:
    from newsie import Extractor

    rows = selection()
    ids = args.ids or [i for i, r in rows.items() if r["batch"] == args.batch
                       and (r["double"] or not args.second)]
    missing = [i for i in ids if i not in rows]
    if missing or not ids:
        raise SystemExit(f"not in {SELECTION}: {missing or args.batch}")
    if not Path(args.model).is_dir():
        raise SystemExit(f"model folder {args.model} does not exist; give --model DIR")
    data_dir = resolve_data_dir(args.data_dir)
    texts = [source_text(data_dir, rows[i]["source"], i) for i in ids]
    extractor = Extractor.from_pretrained(args.model, device="cpu")
    for item_id, document in zip(ids, extractor.pipe(texts), strict=True):
        span_types, relation_types = ANNOTATED[rows[item_id]["source"]]
        document.spans = [s for s in document.spans if s.label in span_types]
        document.relations = [r for r in document.relations if r.label in relation_types]
        row = rows[item_id]
        write_working(row, working_file_text(document, header(row, args.annotator, args.second),
                                             SECTIONS[row["source"]]), args)


def run_load(args: argparse.Namespace) -> None:
    row = entry(args.id)
    record = read_records(record_path(row["batch"], args.second)).get(row["id"])
    if record is None:
        raise SystemExit(f"{row['id']} has no record in {record_path(row['batch'], args.second)}")
    data = attach_text(record, resolve_data_dir(args.data_dir), source="saved record")
    args.force = True
    # `save` of the unedited file gives back the same record, its annotator included.
    args.annotator = args.annotator or record.get("annotator", "")
    write_working(row, saved_working_file_text(
        data, header(row, args.annotator, args.second), SECTIONS[row["source"]]), args)


def run_diff(args: argparse.Namespace) -> None:
    rows = selection()
    ids = args.ids or [i for i, r in rows.items() if r["batch"] == args.batch and r["double"]]
    data_dir = resolve_data_dir(args.data_dir)
    records: dict[Path, dict[str, dict]] = {}  # each batch file read once
    for item_id in ids:
        row = entry(item_id)
        first, second = (records.setdefault(path, read_records(path)).get(item_id)
                         for path in (record_path(row["batch"], False),
                                      record_path(row["batch"], True)))
        if first is None or second is None:
            print(f"{item_id}: no {'first' if first is None else 'second'} annotation saved")
            continue
        lines = record_differences(first, second, source_text(data_dir, row["source"], item_id))
        print(f"{item_id}: " + ("the same" if not lines else f"{len(lines)} differences"))
        for line in lines:
            print(line)


def run_save(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    failed = 0
    for path in args.files:
        try:
            working = parse_working_file(path.read_text(encoding="utf-8"), str(path))
            item_id, source = working.header.get("id"), working.header.get("source")
            record = working_file_to_record(working, source_text(data_dir, source, item_id))
        except (AnnotationError, KeyError) as err:
            print(f"NOT SAVED {path}:\n{err}", file=sys.stderr)
            failed += 1
            continue
        second = working.header.get("role") == "second"
        target = record_path(working.header.get("batch") or entry(item_id)["batch"], second)
        records = read_records(target)
        records[item_id] = record
        write_standoff(records.values(), target)
        spans = len(record["spans"])
        print(f"saved {item_id} ({spans} spans, {len(record['relations'])} relations, "
              f"doc_counts {record.get('doc_counts')}) to {target}")
    return 1 if failed else 0


def run_assemble(args: argparse.Namespace) -> None:
    rows = selection()
    splits: dict[tuple[str, str], list[dict]] = {}
    for path in sorted((CORPUS / "batches").glob("*.standoff.jsonl")):
        for item_id, record in read_records(path).items():
            row = rows[item_id]
            splits.setdefault((row["source"], row["split"]), []).append(record)
    for (source, split), records in sorted(splits.items()):
        target = CORPUS / f"{source}-{split}.standoff.jsonl"
        print(f"{target}: {write_standoff(records, target)} documents")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    top.add_argument("--data-dir", default=None, help="the data folder (default: "
                     "$NEWSIE_DATA_DIR, else ../shared/data beside the repository)")
    commands = top.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="the text with offsets, and its working file")
    show.add_argument("id")
    pre = commands.add_parser("pre", help="pre-annotate with the model into working files")
    pre.add_argument("ids", nargs="*")
    pre.add_argument("--batch", help="every document of a batch of selection.jsonl")
    pre.add_argument("--model", default="models/newsie-default", help="the model folder")
    pre.add_argument("--force", action="store_true", help="replace existing working files")
    load = commands.add_parser("load", help="a saved record back into its working file")
    load.add_argument("id")
    for sub in (show, pre, load):
        sub.add_argument("--second", action="store_true",
                         help="the second, independent annotation (double-annotated documents)")
    pre.add_argument("--annotator", default="unknown", help="your name, kept in the record")
    load.add_argument("--annotator", default=None,
                      help="your name, kept in the record (default: the record's annotator)")
    diff = commands.add_parser("diff", help="where the first and second annotations differ")
    diff.add_argument("ids", nargs="*")
    diff.add_argument("--batch", help="every double-annotated document of a batch")
    save = commands.add_parser("save", help="check working files and save their records")
    save.add_argument("files", nargs="+", type=Path)
    commands.add_parser("assemble", help="write the split files from the batches")
    return top


def main() -> int:
    args = parser().parse_args()
    if args.command in ("pre", "diff") and not (args.ids or args.batch):
        raise SystemExit("give IDs or --batch NAME")
    runner = {"show": run_show, "pre": run_pre, "load": run_load, "diff": run_diff,
              "save": run_save, "assemble": run_assemble}[args.command]
    return runner(args) or 0


if __name__ == "__main__":
    sys.exit(main())

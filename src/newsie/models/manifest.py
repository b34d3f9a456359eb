"""A model folder's manifest: what the save wrote, so that loading tells a damaged or altered
folder from the one that was saved.

`manifest.json` holds the size and SHA-256 of every file the save wrote but config.json; for
config.json, the SHA-256 of the fields that give the weights their meaning
(`configuration.WEIGHT_FIELDS`: the encoder, the label schema, the heads' sizes), so that decoding
settings such as `relation_threshold` stay editable; the weights' tensors with their shapes; and
the newsie version that wrote it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from safetensors import SafetensorError, safe_open

from newsie import __version__
from newsie.models.configuration import WEIGHT_FIELDS, NewsieConfig

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
_READ_CHUNK = 1 << 20
_FIX = "copy the whole model folder again from where it came from, or save the model again"


def write_manifest(folder: Path) -> None:
    """Describe the model files in `folder` (written by a save, config.json included)."""
    files = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and p.name not in (MANIFEST_NAME, CONFIG_NAME)
    )
    shapes = tensor_shapes(folder / WEIGHTS_NAME)
    manifest = {
        "format": MANIFEST_FORMAT,
        "newsie_version": __version__,
        "files": {name: _file_entry(folder / name) for name in files},
        "config": {
            "fields": list(WEIGHT_FIELDS),
            "sha256": config_fingerprint(NewsieConfig.from_pretrained(folder), WEIGHT_FIELDS),
        },
        "tensors": {name: list(shape) for name, shape in shapes.items()},
    }
    text = json.dumps(manifest, indent=2) + "\n"
    (folder / MANIFEST_NAME).write_text(text, encoding="utf-8")


def manifest_files(folder: Path) -> set[str]:
    """The names of the model files a folder's manifest lists (itself and config.json included);
    none when it has no readable manifest. Only plain names: a save deletes what it replaces, and
    must not follow a damaged manifest out of the folder."""
    try:
        listed = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
        names = {name for name in listed if Path(name).name == name and name != ".."}
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return names | {MANIFEST_NAME, CONFIG_NAME}


def verify_manifest(folder: Path, config: NewsieConfig) -> None:
    """Check `folder` against its manifest: every listed file present and unchanged, the weights'
    tensors as listed, config.json's weight fields as saved. A folder without a manifest (saved
    before newsie wrote one) passes with a warning."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        logger.warning(
            "%s has no %s (saved by an older newsie?): its files cannot be checked against what "
            "was saved; save the model again to add one",
            folder,
            MANIFEST_NAME,
        )
        return
    manifest = _read_manifest(path)
    for name in manifest["files"]:
        if not (folder / name).is_file():
            raise FileNotFoundError(
                f"{folder / name} is missing, and {MANIFEST_NAME} lists it as part of the saved "
                f"model: the folder is incomplete; {_FIX}"
            )
    _check_tensor_listing(folder / WEIGHTS_NAME, manifest["tensors"])
    for name, entry in manifest["files"].items():
        if _file_entry(folder / name) != entry:
            raise ValueError(
                f"{folder / name} is not the file that was saved (its size or SHA-256 differs "
                f"from {MANIFEST_NAME}'s): the folder was altered or damaged after saving; {_FIX}"
            )
    fields = tuple(manifest["config"]["fields"])
    if config_fingerprint(config, fields) != manifest["config"]["sha256"]:
        raise ValueError(
            f"{folder / CONFIG_NAME}: {', '.join(fields)} differ from what was saved "
            f"({MANIFEST_NAME}), and the weights were trained for those: undo the change, or "
            f"{_FIX}; only the other settings (relation_threshold, trim_boundaries, ...) may be "
            "edited"
        )


def tensor_shapes(weights: Path) -> dict[str, tuple[int, ...]]:
    """Each tensor's shape, from the safetensors header alone."""
    try:
        with safe_open(str(weights), framework="pt") as handle:
            return {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}
    except (SafetensorError, OSError) as error:
        raise ValueError(
            f"{weights} is not a readable safetensors file ({error}): it is damaged; {_FIX}"
        ) from error


def config_fingerprint(config: NewsieConfig, fields: tuple[str, ...]) -> str:
    values = {field: getattr(config, field, None) for field in fields}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode("utf-8")).hexdigest()


def _file_entry(path: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({error}): it is damaged; {_FIX}") from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise ValueError(f"{path} is not a newsie model manifest: it is damaged; {_FIX}")
    if manifest["format"] > MANIFEST_FORMAT:
        raise ValueError(
            f"{path} was written by newsie {manifest.get('newsie_version')}, in a manifest format "
            f"newer than this newsie ({__version__}) reads: upgrade newsie"
        )
    missing = [key for key in ("files", "tensors", "config") if key not in manifest]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}: it is damaged; {_FIX}")
    return manifest


def _check_tensor_listing(weights: Path, listed: dict[str, list[int]]) -> None:
    """Name the first tensor that is missing or reshaped, before the checksum says only that the
    file changed."""
    shapes = tensor_shapes(weights)
    for name, shape in listed.items():
        if name not in shapes:
            problem = f"has no tensor {name} ({MANIFEST_NAME} lists it, shape {shape})"
        elif list(shapes[name]) != shape:
            problem = f"holds {name} in shape {list(shapes[name])}, saved as {shape}"
        else:
            continue
        raise ValueError(f"{weights} {problem}: the weights were altered or damaged; {_FIX}")

"""What a store says about itself, and whether its files still say the same.

A store proves it is ours by its own metadata (``attrs["regzoo"]["format"]`` in the
group's ``zarr.json``), not by the file's existence: that is what ``--overwrite`` checks
before removing anything (STORE.md).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["read_json", "store_meta", "is_fastio_store"]


def read_json(file: str | os.PathLike, what: str) -> dict[str, Any]:
    """Parse a zarr metadata file; an empty, truncated or missing one is an error naming it."""
    file = Path(file)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{file}: missing; expected the {what} (zarr.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file}: damaged {what} (expected JSON zarr metadata, {exc}); "
                         "the store cannot be read — reconvert it") from None
    if not isinstance(data, dict):
        raise ValueError(f"{file}: damaged {what} (expected a JSON object, got {type(data).__name__})")
    return data


def store_meta(path: str | os.PathLike) -> dict[str, Any] | None:
    """``attrs["regzoo"]`` of the group at ``path``; None when it carries none."""
    meta = read_json(Path(path) / "zarr.json", "store metadata")
    regzoo = (meta.get("attributes") or {}).get("regzoo")
    return regzoo if isinstance(regzoo, dict) else None


def is_fastio_store(path: str | os.PathLike) -> bool:
    """True only when ``path`` is a folder whose ``zarr.json`` a fastio writer wrote (any
    format version: an older store of ours is still ours to replace)."""
    path = Path(path)
    if path.is_symlink() or not (path / "zarr.json").is_file():
        return False
    try:
        meta = store_meta(path)
    except ValueError:
        return False
    return meta is not None and isinstance(meta.get("format"), int) and "shard_size" in meta

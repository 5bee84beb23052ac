"""The store a conversion or a merge writes into: checked before any work, created
atomically or opened to resume, and finalised last.

``fastio.conversion.convert`` and ``fastio.parts.merge_parts`` share this life cycle;
only a store fastio can prove it wrote (``fastio.integrity.is_fastio_store``) is ever
replaced or removed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from fastio.integrity import is_fastio_store
from fastio.safefs import UnsafePathError, check_removable, is_within, remove_owned
from fastio.spec import TensorSpec
from fastio.store import Store, create_store, open_store

__all__ = ["check_store_target", "prepare_store", "finalize_store"]


def _changed(old: dict, new: dict) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _describe_tensors(old: list[dict], new: list[dict]) -> str:
    """Which tensor's spec differs and how: after a catalogue default changed (a codec),
    the user must see which setting to pass to resume the store as it was written."""
    old_by, new_by = {t["name"]: t for t in old}, {t["name"]: t for t in new}
    out = []
    for name in sorted(set(old_by) | set(new_by)):
        if name not in old_by or name not in new_by:
            out.append(f"{name} {'not in the store' if name not in old_by else 'not asked for'}")
        elif old_by[name] != new_by[name]:
            out.append(f"{name} " + ", ".join(f"{f} {old_by[name].get(f)!r} in the store, {new_by[name].get(f)!r} now"
                                              for f in _changed(old_by[name], new_by[name])))
    return "; ".join(out)


def _describe_mismatch(old: dict, new: dict) -> str:
    keys = _changed(old, new)
    if "tensors" in keys and isinstance(old.get("tensors"), list) and isinstance(new.get("tensors"), list):
        keys[keys.index("tensors")] = f"tensors: {_describe_tensors(old['tensors'], new['tensors'])}"
    return ", ".join(keys) or "nothing"


def check_store_target(path: str | os.PathLike, *, overwrite: bool,
                       sources: Iterable[str | os.PathLike] = ()) -> Path:
    """Validate the output store path before any filesystem action: a folder name (not
    ``.``/``..``), not a file, holding none of the sources, and with ``overwrite`` only a
    fastio store this tool wrote (its zarr.json metadata), never through a symlink."""
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise UnsafePathError(f"{path}: expected a new folder name for the store, got {path.name or str(path)!r}")
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path}: is a file; expected a store folder")
    for src in sources:
        if is_within(src, path):
            raise UnsafePathError(f"{path}: holds the source {src}; write the store outside the source folder")
    if path.exists() and overwrite and any(path.iterdir()):
        check_removable(path, marker="zarr.json", what="fastio store", sources=sources, owned=is_fastio_store)
    elif path.is_symlink() and overwrite:
        raise UnsafePathError(f"{path}: is a symlink; refusing to replace what it points to")
    return path


def _clear_leftover(tmp: Path, sources: Iterable[str | os.PathLike]) -> None:
    """Remove what a killed creation left at ``tmp``: an empty folder or a store of ours."""
    if tmp.is_dir() and not tmp.is_symlink() and not any(tmp.iterdir()):
        tmp.rmdir()
    elif tmp.exists() or tmp.is_symlink():
        remove_owned(tmp, marker="zarr.json", what="fastio store being created", sources=sources,
                     owned=is_fastio_store)


def prepare_store(path: str | os.PathLike, config: dict[str, Any], sample_ids: list[str],
                  source_files: list[str], specs: Sequence[TensorSpec], provenance: dict[str, Any],
                  overwrite: bool = False, sources: Iterable[str | os.PathLike] = ()) -> Store:
    """Open the store to resume, or create it. Creation happens in a sibling folder that
    is renamed into place, so a kill during creation leaves nothing half-made; with
    ``overwrite`` the old store is removed only once the new one is ready, and only if
    :func:`check_store_target` proves it is ours."""
    sources = list(sources)
    path = check_store_target(path, overwrite=overwrite, sources=sources)
    if (path / "zarr.json").is_file() and not overwrite:
        try:
            store = open_store(path, mode="r+")
        except ValueError as exc:
            hint = ("pass overwrite=True to replace it" if is_fastio_store(path) else
                    "fastio cannot prove it wrote it, so it will not remove it: choose another path")
            raise ValueError(f"{path}: exists but cannot be resumed ({exc}); {hint}") from None
        old = store.provenance.get("conversion", {})
        if old != config or store.provenance.get("part") != provenance.get("part"):
            raise ValueError(
                f"{path}: exists and was written by a different conversion (differs in "
                f"{_describe_mismatch(old, config) if old != config else 'part'}); expected the same "
                "source files, tensors (codecs included: `fastio convert --codec NAME=CODEC`) and shard size "
                "to resume, or pass overwrite=True"
            )
        for stale in path.rglob("*.partial"):  # temp files of writes a kill interrupted
            stale.unlink(missing_ok=True)
        return store
    if path.exists() and not overwrite and any(path.iterdir()):
        raise ValueError(f"{path}: exists and is not a zarr store; expected a new path or overwrite=True")
    tmp = path.with_name(path.name + ".creating")
    _clear_leftover(tmp, sources)
    store = create_store(tmp, sample_ids, shard_size=config["shard_size"],
                         source_files=source_files, provenance={**provenance, "conversion": config})
    for spec in specs:
        store.create_tensor(spec)
    if path.is_dir() and any(path.iterdir()):
        remove_owned(path, marker="zarr.json", what="fastio store", sources=sources, owned=is_fastio_store)
    elif path.is_dir():
        path.rmdir()
    os.replace(tmp, path)
    return open_store(path, mode="r+")


def finalize_store(store: Store) -> None:
    """Stats per tensor, the failures table, then the ``complete`` flag (last)."""
    for name in store.tensors:
        store.finalize_tensor(name)
    store.finalize_failures()
    store.mark_complete(True)

"""Where a recipe's tensors come from: a fastio store, or ml4h ``.hd5`` files that are
converted once into ``{output_folder}/{id}/tensors.zarr`` (later runs reuse it)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from fastio.catalogue import short_name
from fastio.conversion import convert
from fastio.store import open_store

__all__ = ["is_store", "resolve_store", "store_specs"]


def is_store(path: Path) -> bool:
    return (Path(path) / "zarr.json").is_file()


def resolve_store(tensors: str | os.PathLike, run_dir: Path, names: Sequence[str], scale: str,
                  workers: int | None = None) -> Path:
    """The store to read ``names`` from; converts a directory of ``.hd5`` files."""
    src = Path(tensors)
    if is_store(src):
        return src
    if not src.is_dir():
        raise ValueError(f"--tensors {src}: expected a fastio zarr store or a directory of .hd5 files, "
                         "found nothing there")
    if not any(src.glob("*.hd5")) and not any(src.rglob("*.hd5")):
        raise ValueError(f"--tensors {src}: expected a fastio zarr store (zarr.json) or .hd5 files, found neither")
    target = Path(run_dir) / "tensors.zarr"
    wanted = {short_name(n) for n in names}
    if is_store(target):
        store = open_store(target)
        if store.complete and wanted <= set(store.tensors):
            return target
    target.parent.mkdir(parents=True, exist_ok=True)
    convert(src, target, sorted(wanted), scale=scale, workers=workers or min(4, os.cpu_count() or 1),
            progress=True)
    return target


def store_specs(store, names: Sequence[str]):
    """TensorSpecs of ``names`` as the store recorded them (its shapes win over the
    catalogue's); an error names the store and what it holds."""
    specs = []
    for name in names:
        short = short_name(name)
        if short not in store.tensors:
            raise ValueError(f"{store.path}: expected tensor {name!r} in the store, which holds "
                             f"{sorted(store.tensors)}")
        specs.append(store.spec(short))
    return specs

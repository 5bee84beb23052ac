"""Conversion in independent parts (``--part i/n``), their merge, and a Dask schedule.

Part i of n converts a contiguous run of blocks into its own store (same rows, same
layout, only its blocks written), so parts can run on different machines with nothing
shared but the source tree. :func:`merge_parts` copies each part's shards into one store
and computes stats and the failures table over the whole cohort: the result holds the
same values as a single run.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from fastio.blocks import part_blocks
from fastio.catalogue import resolve_specs
from fastio.conversion import convert
from fastio.integrity import is_fastio_store
from fastio.safefs import remove_owned
from fastio.store import open_store
from fastio.summary import ConvertSummary
from fastio.target import check_store_target, finalize_store, prepare_store

__all__ = ["merge_parts", "convert_dask"]


def merge_parts(parts: Iterable[str | os.PathLike], out: str | os.PathLike, *,
                progress: bool = True, overwrite: bool = False):
    """Join the stores of parts 0..n-1 of one conversion into ``out``. Resumable like
    ``convert``: a rerun copies only the blocks not yet written."""
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    stores = [open_store(p) for p in parts]
    if not stores:
        raise ValueError("Expected at least one part store to merge, got none")
    by_index, first = {}, stores[0]
    config = first.provenance.get("conversion")
    for st in stores:
        part = st.provenance.get("part")
        if not part:
            raise ValueError(f"{st.path}: expected a part store (written with part='i/n'), got a whole store")
        if st.provenance.get("conversion") != config or st.sample_ids != first.sample_ids:
            raise ValueError(f"{st.path}: expected the same conversion (sources, tensors, shard size) "
                             f"as {first.path}, got a different one")
        if part[1] != first.provenance["part"][1]:
            raise ValueError(f"{st.path}: expected a part of {first.provenance['part'][1]}, got part {part}")
        if part[0] in by_index:
            raise ValueError(f"{st.path}: part {part[0]}/{part[1]} given twice (also {by_index[part[0]].path})")
        if not st.complete:
            raise ValueError(f"{st.path}: part {part[0]}/{part[1]} is incomplete; rerun its convert command first")
        by_index[part[0]] = st
    n_parts = first.provenance["part"][1]
    missing = sorted(set(range(n_parts)) - set(by_index))
    if missing:
        raise ValueError(f"Expected all {n_parts} parts, missing parts {missing}")
    specs = [first.spec(name) for name in first.tensors]
    provenance = {k: v for k, v in first.provenance.items() if k != "conversion"}
    provenance.update(part=None, merged_from=n_parts)
    dest = prepare_store(out, config, first.sample_ids, first.source_files, specs, provenance,
                         overwrite=overwrite, sources=[st.path for st in stores])
    marks = np.ones(dest.n_blocks(), dtype=bool)
    for spec in specs:
        marks &= dest.written(spec.name)
    todo = [(b, by_index[i]) for i in range(n_parts) for b in part_blocks(dest.n_blocks(), (i, n_parts))
            if not marks[b]]
    masks = {}  # (part, tensor) -> presence, read once rather than once per block
    for block, src in tqdm(todo, desc=f"merge {dest.path.name}", unit="block", disable=not progress):
        a, e = dest.block_range(block)
        dest.restage(block, src.staged_sources(block))
        for spec in specs:
            key = (str(src.path), spec.name)
            if key not in masks:
                masks[key] = src.present(spec.name)
            dest.write_block(spec.name, a, src[spec.name][a:e], masks[key][a:e])
    if todo or not dest.complete:
        finalize_store(dest)
    return ConvertSummary.from_store(open_store(dest.path), blocks_converted=len(todo),
                                     blocks_total=dest.n_blocks(), seconds=time.perf_counter() - t0)


def _run_part(src_dir: str, path: str, specs: list, part: tuple[int, int], kwargs: dict):
    """One part on a Dask worker. Dask workers are daemonic processes, which may not start
    children: a process executor there falls back to threads."""
    if multiprocessing.current_process().daemon and kwargs.get("workers", 1) > 1:
        kwargs = dict(kwargs, executor="thread")
    return convert(src_dir, path, specs, part=part, **kwargs).to_dict()


def convert_dask(src_dir: str | os.PathLike, store: str | os.PathLike, tensors: Sequence[Any], *,
                 client=None, n_parts: int | None = None, parts_dir: str | os.PathLike | None = None,
                 keep_parts: bool = False, progress: bool = True, **convert_kwargs):
    """Schedule the parts of a conversion on a Dask cluster, then merge them here.

    Each part runs ``convert(..., part=(i, n), workers=1)`` on some Dask worker and writes
    ``{parts_dir}/part-i-of-n.zarr`` (default ``{store}.parts``): workers must see the
    source folder and ``parts_dir`` at the same paths (a shared file system)."""
    from distributed import get_client

    # Before any part runs: a refused --overwrite must not cost a whole cluster run.
    check_store_target(store, overwrite=convert_kwargs.get("overwrite", False), sources=[src_dir])
    client = client or get_client()
    if n_parts is None:
        n_parts = max(1, len(client.scheduler_info().get("workers", {})))
    if n_parts < 1:
        raise ValueError(f"Expected n_parts >= 1, got {n_parts}")
    specs = resolve_specs(tensors, convert_kwargs.pop("scale", "full"))
    root = Path(parts_dir) if parts_dir else Path(f"{store}.parts")
    root.mkdir(parents=True, exist_ok=True)
    paths = [root / f"part-{i}-of-{n_parts}.zarr" for i in range(n_parts)]
    convert_kwargs.setdefault("workers", 1)
    # Arguments travel as one dict: Client.submit would take ``workers=`` as its own
    # (which Dask workers may run the task), not as convert's.
    kwargs = dict(convert_kwargs, progress=False)
    futures = [client.submit(_run_part, str(src_dir), str(p), specs, (i, n_parts), kwargs, pure=False)
               for i, p in enumerate(paths)]
    client.gather(futures)
    summary = merge_parts(paths, store, progress=progress, overwrite=convert_kwargs.get("overwrite", False))
    if not keep_parts:
        # Only the part stores this call wrote; the folder goes only if nothing else is left.
        for p in paths:
            remove_owned(p, marker="zarr.json", what="part store", owned=is_fastio_store)
        if not any(root.iterdir()):
            root.rmdir()
    return summary

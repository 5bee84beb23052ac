"""Convert a folder of ml4h ``{sample_id}.hd5`` files into one zarr store (STORE.md).

The unit of work is a *block*: the S samples of one shard, for every tensor. A block is
read, its failures staged, then each tensor's shard written and marked; a rerun redoes
every block that is not marked for all tensors, so killing the process at any moment and
running the same call again gives the store an uninterrupted run would have written.
Blocks run in worker processes (spawn: numba and h5py do not like fork) or threads.
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from fastio.blocks import EXECUTORS, parse_part, part_blocks
from fastio.bounded import bounded_map
from fastio.catalogue import resolve_specs
from fastio.hdf5 import read_sample
from fastio.inventory import Inventory, scan_sources
from fastio.spec import TensorSpec
from fastio.store import Store, open_store
from fastio.summary import ConvertSummary
from fastio.target import check_store_target, finalize_store, prepare_store
from fastio.versions import versions

__all__ = ["convert", "conversion_config", "repair_store"]



def conversion_config(specs: Sequence[TensorSpec], shard_size: int, inventory: Inventory) -> dict[str, Any]:
    """What must match for a rerun to resume into an existing store."""
    return {
        "tensors": [s.to_dict() for s in sorted(specs, key=lambda s: s.name)],  # order is irrelevant
        "shard_size": int(shard_size),
        "inventory_sha256": inventory.digest(),
        "n_files": inventory.n_files,
    }


def repair_store(store: Store, inventory: Inventory, names: Sequence[str], blocks: Sequence[int]) -> int:
    """Check every byte of the blocks a rerun resumes over; mark the damaged ones unwritten
    so this run rewrites them from the source (and rewrite damaged sample ids). Returns
    the number of (tensor, block) pairs repaired."""
    try:
        store.sample_ids
    except ValueError:
        store.rewrite_ids(list(inventory.sample_ids), inventory.source_files)
    repaired = sum(len(store.invalidate_damaged(name, blocks)) for name in names)
    if repaired:
        store.mark_complete(False)
    return repaired


def _convert_block(store_path: str | Store, root: str, block: int, rows: list[tuple[str, tuple[str, ...]]],
                   specs: list[TensorSpec]) -> dict[str, Any]:
    """Read the files of one block and write its shard of every tensor. In-process runs
    pass the open Store (its cached array handles); workers open it by path."""
    store = store_path if isinstance(store_path, Store) else open_store(store_path, mode="r+")
    start, end = store.block_range(block)
    if len(rows) != end - start:
        raise ValueError(f"{store_path}: block {block} expects {end - start} samples, got {len(rows)}")
    values = {s.name: np.zeros((end - start, *s.shape), dtype=s.dtype) for s in specs}
    present = {s.name: np.zeros(end - start, dtype=np.bool_) for s in specs}
    failures: list[dict[str, str]] = []
    for i, (sample_id, files) in enumerate(rows):
        if len(files) > 1:
            reason = f"duplicate sample id ({len(files)} files: {', '.join(files)}); none used"
            failures += [dict(sample_id=sample_id, file=f, tensor=s.name, reason=reason)
                         for f in files for s in specs]
            continue
        for name, result in read_sample(Path(root) / files[0], specs).items():
            if isinstance(result, Exception):
                failures.append(dict(sample_id=sample_id, file=files[0], tensor=name, reason=result.reason))
            else:
                values[name][i] = result
                present[name][i] = True
    store.stage_failures(block, failures)
    for spec in specs:
        store.write_block(spec.name, start, values[spec.name], present[spec.name])
    return {"block": block, "samples": end - start, "failures": len(failures)}


def _run_blocks(store: Store, inventory: Inventory, blocks: list[int], specs: list[TensorSpec],
                workers: int, executor: str, progress: bool) -> None:
    from tqdm.auto import tqdm

    jobs = []
    for b in blocks:
        a, e = store.block_range(b)
        jobs.append((str(store.path), inventory.root, b,
                     list(zip(inventory.sample_ids[a:e], inventory.files[a:e])), specs))
    total = sum(len(j[3]) for j in jobs)
    with tqdm(total=total, unit="sample", desc=f"convert {store.path.name}", disable=not progress,
              file=sys.stderr) as bar:
        if workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                bar.update(_convert_block(store, *job[1:])["samples"])
            return
        if executor == "process":
            import multiprocessing

            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        else:
            pool = ThreadPoolExecutor(workers)
        with pool:
            # At most 2 blocks per worker in flight; a worker's error is re-raised here.
            for done in bounded_map(pool, _convert_block, jobs, in_flight=2 * workers, ordered=False):
                bar.update(done["samples"])


def convert(src_dir: str | os.PathLike, store: str | os.PathLike, tensors: Iterable[str | TensorSpec],
            *, scale: str = "full", shard_size: int = 64, workers: int | None = None,
            executor: str = "process", part: str | tuple[int, int] | None = None,
            progress: bool = True, overwrite: bool = False) -> ConvertSummary:
    """Convert every ``{sample_id}.hd5`` under ``src_dir`` into the zarr store ``store``.

    ``tensors``: catalogue names (``dxa.dxa_2`` or ``dxa_2``, at ``scale``) or TensorSpecs.
    ``workers``: parallel blocks (default: CPU count); ``executor``: ``process`` (spawn)
    or ``thread``. ``part='i/n'`` converts only the i-th of n contiguous runs of blocks
    (0-based) into its own store; :func:`fastio.parts.merge_parts` joins them. Rerunning the same call
    resumes; a different call on an existing store is an error unless ``overwrite``.
    """
    t0 = time.perf_counter()
    specs = resolve_specs(tensors, scale)
    if not specs:
        raise ValueError("Expected at least one tensor to convert, got none")
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"Expected distinct tensors, got {names}")
    if executor not in EXECUTORS:
        raise ValueError(f"Expected executor in {EXECUTORS}, got {executor!r}")
    workers = int(os.cpu_count() or 1) if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"Expected workers >= 1, got {workers}")
    part_t = parse_part(part)
    check_store_target(store, overwrite=overwrite, sources=[src_dir])
    inventory = scan_sources(src_dir)
    config = conversion_config(specs, shard_size, inventory)
    provenance = {
        "source": {"root": inventory.root, "n_files": inventory.n_files,
                   "n_samples": len(inventory.sample_ids), "duplicate_ids": len(inventory.duplicates)},
        "versions": versions("regzoo", "numpy", "zarr", "numcodecs", "h5py"),
        "part": list(part_t) if part_t else None,
    }
    st = prepare_store(store, config, list(inventory.sample_ids), inventory.source_files, specs,
                       provenance, overwrite=overwrite, sources=[inventory.root])
    mine = part_blocks(st.n_blocks(), part_t)
    repaired = repair_store(st, inventory, names, mine)
    marks = np.ones(st.n_blocks(), dtype=bool)
    for name in names:
        marks &= st.written(name)
    todo = [b for b in mine if not marks[b]]
    if todo:
        st.mark_complete(False)
    _run_blocks(st, inventory, todo, specs, workers, executor, progress)
    if part_t is None:
        if todo or not st.complete:
            finalize_store(st)
    else:
        # A part's own table and stats cover its blocks; merge_parts recomputes both.
        if todo or not st.complete:
            for name in names:
                st.finalize_tensor(name)
            st.finalize_failures()
            st.mark_complete(True)
    return ConvertSummary.from_store(open_store(st.path), n_files=inventory.n_files,
                                     blocks_converted=len(todo), blocks_total=len(mine),
                                     seconds=time.perf_counter() - t0, blocks_repaired=repaired)


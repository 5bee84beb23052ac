"""``fastio.Loader``: a Keras ``PyDataset`` of normalised, augmented float32 batches.

Per batch, the loader's threads each take a contiguous share of the batch slots and, for
every requested tensor, decode the sample's chunk from the shard file's mapping into a
per-thread scratch that stays in cache and run one fused numba kernel (normalise →
warp/shift → intensity → noise) that writes it into its batch row: the row is written
once and never read. An uncompressed sample that is not moved is read where it lies
(:mod:`fastio.reader`): the thread collects the addresses of its share and one kernel call
normalises them all, so a batch costs one dispatch per thread rather than one per sample. A
per-sample z-score's statistics are memoised on a sample's first read. A tensor that is both input and output under value-corrupting augmentation gets
a second buffer, its target: the same geometry without intensity changes or noise
(:mod:`fastio.augment`). Kernels and decoders release the GIL, so threads scale; threads, not processes,
because numba's parallel layer hangs in forked children.

Batch buffers are reused, but only once nobody else holds them: a batch the caller (or
a TF prefetch queue) still references is never overwritten.

Keras is imported when ``Loader`` is first touched, not when this module is imported.
"""
from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Mapping, Sequence

import numpy as np

from fastio import augment as _aug
from fastio._kernels import api as _k
from fastio._loader_tensors import LoadedTensor, per_tensor_augment, resolve_spec
from fastio._storeview import open_view
from fastio.reader import ChunkReader
from fastio.split import SPLITS, read_id_csv, split_ids

__all__ = ["Loader", "LoaderCore", "MISSING_MODES"]

MISSING_MODES = ("exclude", "mask")


class LoaderCore:
    """The loader without Keras (``Loader`` adds the ``PyDataset`` base). See ``Loader``."""

    def __init__(self, store, inputs: Sequence = (), outputs: Sequence = (), batch_size: int = 8,
                 split: str = "train", shuffle: bool = True, seed: int = 0, augment=None,
                 valid_ratio: float = 0.1, test_ratio: float = 0.1, sample_csv=None,
                 missing: str = "exclude", drop_remainder: bool | None = None, workers: int = 2,
                 split_csvs: Mapping[str, Any] | None = None, split_seed: int = 0,
                 allow_incomplete: bool = False):
        view = open_view(store, allow_incomplete=allow_incomplete)
        self.store_path = str(view.path)
        if split not in (*SPLITS, "all"):
            raise ValueError(f"Expected split in {(*SPLITS, 'all')}, got {split!r}")
        if missing not in MISSING_MODES:
            raise ValueError(f"Expected missing in {MISSING_MODES}, got {missing!r}")
        if int(batch_size) < 1:
            raise ValueError(f"Expected a positive batch_size, got {batch_size!r}")
        if int(workers) < 1:
            raise ValueError(f"Expected workers >= 1, got {workers!r}")
        in_specs = [resolve_spec(view, t) for t in inputs]
        out_specs = [resolve_spec(view, t) for t in outputs]
        if not in_specs and not out_specs:
            raise ValueError("Expected at least one input or output tensor")
        self.input_specs, self.output_specs = in_specs, out_specs
        self.batch_size, self.split, self.shuffle = int(batch_size), split, bool(shuffle)
        # Not ``self.workers``: that is Keras' PyDataset property, and setting it would
        # make Keras start its own thread pool on top of ours.
        self.seed, self.missing, self.threads = int(seed), missing, int(workers)
        # The split has its own seed: loaders built with different training seeds
        # (order, augmentation) must still hold out the same samples.
        self.split_seed = int(split_seed)
        self.drop_remainder = (split == "train") if drop_remainder is None else bool(drop_remainder)
        self.epoch = 0

        # Inputs are augmented; an output-only tensor is only normalised (a target).
        names = list(dict.fromkeys([s.name for s in in_specs] + [s.name for s in out_specs]))
        specs = {s.name: s for s in out_specs} | {s.name: s for s in in_specs}
        input_names = {s.name for s in in_specs}
        augments = per_tensor_augment(augment, [s.name for s in in_specs], list(view.tensors))
        self._tensors = {}
        for name in names:
            reader = ChunkReader(view.array_path(name), workers=1)
            if reader.sample_shape != tuple(specs[name].shape):
                raise ValueError(f"{reader.path}: tensor {name} has samples of shape {reader.sample_shape}, "
                                 f"its spec says {specs[name].shape}")
            self._tensors[name] = LoadedTensor(view, specs[name], reader,
                                          augments.get(name) if name in input_names else None)
        for s in out_specs:
            t = self._tensors[s.name]
            # A purely geometric augmentation leaves the input a valid target: share it.
            t.clean_target = t.augment is not None and t.augment.corrupts_values
        sigmas = [t.augment.noise for t in self._tensors.values() if t.augment is not None]
        largest = max(int(np.prod(t.shape)) for t in self._tensors.values())
        self._table_size = _aug.table_size_for(largest)
        self._table = _aug.noise_table(self.seed, self._table_size) if any(sigmas) else None

        self._select_rows(view, sample_csv, valid_ratio, test_ratio, split_csvs)
        # the calling thread fills a share of each batch too: the pool has the others
        self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="fastio-load") if self.threads > 1 else None
        self._local = threading.local()
        self._buffers: list[dict[str, np.ndarray]] = []
        self._lock = threading.Lock()
        self._order = self._epoch_order(self.epoch)
        if len(self) == 0:
            raise ValueError(f"{self.store_path}: split {split!r} has {self.rows.size} usable samples, "
                             f"fewer than one batch of {self.batch_size} (drop_remainder={self.drop_remainder})")

    # -- cohort ------------------------------------------------------------------------
    def _select_rows(self, view, sample_csv, valid_ratio, test_ratio, split_csvs) -> None:
        ids = list(view.sample_ids)
        self._ids = np.array(ids, dtype=object)
        keep = np.ones(len(ids), dtype=bool)
        if sample_csv is not None:
            wanted = set(read_id_csv(sample_csv))
            keep &= np.array([s in wanted for s in ids], dtype=bool)
        masks = [t.present for t in self._tensors.values()]
        for t in self._tensors.values():
            if t.present.shape != (len(ids),):
                raise ValueError(f"{view.path}: present/{t.name} has shape {t.present.shape}, expected ({len(ids)},)")
        keep &= np.logical_and.reduce(masks) if self.missing == "exclude" else np.logical_or.reduce(masks)
        if self.split != "all":
            chosen = set(split_ids(ids, valid_ratio, test_ratio, self.split_seed, csvs=split_csvs)[self.split])
            keep &= np.array([s in chosen for s in ids], dtype=bool)
        self.rows = np.flatnonzero(keep)

    def _epoch_order(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return self.rows
        return np.random.default_rng([self.seed, epoch, 0x10AD]).permutation(self.rows)

    def set_epoch(self, epoch: int) -> None:
        """Jump to an epoch (order and augmentation are functions of seed and epoch)."""
        self.epoch = int(epoch)
        self._order = self._epoch_order(self.epoch)

    def on_epoch_end(self) -> None:
        self.set_epoch(self.epoch + 1)

    # -- sizes and ids -----------------------------------------------------------------
    def __len__(self) -> int:
        n = self.rows.size
        return n // self.batch_size if self.drop_remainder else -(-n // self.batch_size)

    @property
    def sample_ids(self) -> list[str]:
        """Ids in yield order for the current epoch (only those that are yielded)."""
        n = min(len(self) * self.batch_size, self.rows.size)
        return [str(s) for s in self._ids[self._order[:n]]]

    def batch_rows(self, index: int) -> np.ndarray:
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        return self._order[index * self.batch_size:(index + 1) * self.batch_size]

    def batch_sample_ids(self, index: int) -> list[str]:
        return [str(s) for s in self._ids[self.batch_rows(index)]]

    # -- batches -----------------------------------------------------------------------
    def __getitem__(self, index: int):
        if index < 0:
            index += len(self)
        rows = self.batch_rows(int(index))
        with self._lock:
            bufs = self._acquire()
            n = rows.size
            params = {name: _aug.draw_params(t.augment, t.shape, self.seed, self.epoch, name, rows,
                                             self._table_size) if t.augment is not None
                      else _aug.identity_params(n, t.shape)
                      for name, t in self._tensors.items()}
            self._fill_batch(n, rows, bufs, params)
        views = {name: bufs[name][:n] for name in self._tensors}
        x = {s.input_name: views[s.name] for s in self.input_specs}
        y = {s.output_name: bufs["__y__" + s.name][:n] if self._tensors[s.name].clean_target else views[s.name]
             for s in self.output_specs}
        if self.missing == "mask" and self.output_specs:
            w = {s.output_name: bufs["__w__" + s.name][:n] for s in self.output_specs}
            return x, y, w
        return (x, y) if self.output_specs else (x,)

    def _fill_batch(self, n: int, rows: np.ndarray, bufs, params) -> None:
        """Every slot of every tensor, spread over the calling thread and the pool's. Where
        samples are decoded one by one (compressed, or moved), each thread takes the next
        free slot when it is done with one: decode times differ from sample to sample, and
        fixed halves would leave one core waiting for the other. Otherwise (all read in
        place) each thread takes a fixed contiguous share and gathers it in one kernel call."""
        if self._pool is None or n == 1:
            self._fill({name: range(n) for name in self._tensors}, rows, bufs, params)
            return
        if any(t.per_sample for t in self._tensors.values()):
            # list iterators hand out each item once across threads (atomic under the GIL)
            shared = {name: iter(range(n)) for name in self._tensors}
            jobs = [shared] * self.threads
        else:
            jobs = [{name: g for name in self._tensors}
                    for g in np.array_split(np.arange(n), self.threads) if g.size]
        futures = [self._pool.submit(self._fill, job, rows, bufs, params) for job in jobs[1:]]
        try:
            self._fill(jobs[0], rows, bufs, params)
        finally:
            # even when this thread failed: no worker may still write into the buffers
            errors = [f.exception() for f in futures]
        for err in errors:
            if err is not None:
                raise err

    def _acquire(self) -> dict[str, np.ndarray]:
        # A buffer set is free when only our list (and getrefcount's argument) refers to
        # its arrays: slicing for the caller creates views that keep the base alive.
        for bufs in self._buffers:
            if all(sys.getrefcount(bufs[k]) <= 2 for k in bufs):
                return bufs
        bufs = {name: np.empty((self.batch_size, *t.shape), dtype=np.float32)
                for name, t in self._tensors.items()}
        # Weights shaped (B, 1, ..., 1): Keras reduces only the last axis of a per-value
        # loss, so a (B,) weight would not broadcast against a (B, T) loss of a (T, C) output.
        bufs.update({"__w__" + name: np.empty((self.batch_size, *[1] * (len(t.shape) - 1)), dtype=np.float32)
                     for name, t in self._tensors.items()})
        bufs.update({"__y__" + name: np.empty((self.batch_size, *t.shape), dtype=np.float32)
                     for name, t in self._tensors.items() if t.clean_target})
        self._buffers.append(bufs)
        return bufs

    def _scratch(self, name: str, shape, dtype=np.float32) -> np.ndarray:
        cache = getattr(self._local, "bufs", None)
        if cache is None:
            cache = self._local.bufs = {}
        key = (name, np.dtype(dtype).str)
        if key not in cache:
            cache[key] = np.empty(shape, dtype=dtype)
        return cache[key]

    def _fill(self, slots: dict, rows: np.ndarray, bufs, params) -> None:
        """The slots ``slots[name]`` (an iterable of batch slots; shared with other threads
        when it is an iterator) of each tensor."""
        for name, t in self._tensors.items():
            out, weight, p = bufs[name], bufs["__w__" + name], params[name]
            rank = len(t.shape)
            # Samples normalised where they lie (uncompressed, not moved, no separate
            # target): gathered, then one kernel call for all of them.
            gather_slots, gather_addresses = [], []
            for j in slots[name]:
                row = int(rows[j])
                target = bufs["__y__" + name][j] if t.clean_target else None
                if not t.present[row]:
                    out[j].fill(0.0)
                    if target is not None:
                        target.fill(0.0)
                    weight[j] = 0.0
                    continue
                weight[j] = 1.0
                moves = t.augment is not None and (
                    (rank == 3 and p.warp[j]) or (rank == 2 and t.augment.temporal))
                src = None
                if t.in_place:
                    if not moves and target is None:
                        address = t.reader.sample_address(row)
                        if address is not None:
                            gather_slots.append(j)
                            gather_addresses.append(address)
                            continue
                    else:
                        src = t.reader.sample_view(row)
                        if moves and rank == 3:
                            # A warp reads its source along rotated lines: from the file's
                            # mapping that cost 4.4 ms a 768x768 image, a sequential copy into
                            # this thread's scratch plus the warp from there 3.2 ms
                            # (benchmarks/decode_paths.py). A time shift reads rows in order
                            # and is faster in place: no copy.
                            scratch = self._scratch(name, t.shape)
                            np.copyto(scratch, src)
                            src = scratch
                dest = out[j]
                if src is None:
                    # Decoded into this thread's scratch, which stays in cache.
                    src = self._scratch(name, t.shape)
                    if t.native:
                        raw = self._scratch(name, t.shape, t.reader.dtype)
                        t.reader.read_into(row, raw)
                        src[...] = raw
                    else:
                        t.reader.read_into(row, src)
                if not moves and target is None:
                    # One kernel call takes the sample's statistics and writes it normalised
                    # (+ intensity, noise) into the batch row: the row is written once, never read.
                    _k.normalise_sample(src, dest, t.code, t.mean, t.std, p.scale[j], p.shift[j], p.sigma,
                                        self._table, p.offset[j],
                                        moments=None if t.moments is None else t.moments[row])
                    continue
                mu, inv_sd = self._params(t, row, src)
                if target is not None:
                    self._clean_target(src, target, rank, moves, p, j, mu, inv_sd)
                scale, shift, offset = p.scale[j], p.shift[j], p.offset[j]
                if moves and rank == 3:
                    _k.warp2d(src, dest, p.matrix[j], mu, inv_sd, scale, shift, p.sigma, self._table, offset)
                elif moves:
                    _k.shift1d(src, dest, p.roll[j], p.chan_scale[j], mu, inv_sd, scale, shift,
                               p.sigma, self._table, offset)
                else:
                    _k.pointwise(src, dest, mu, inv_sd, scale, shift, p.sigma, self._table, offset)
            if gather_slots:
                _k.normalise_gather(gather_addresses, gather_slots, rows, out[:rows.size], t.code, t.mean, t.std,
                                    p.scale, p.shift, p.sigma, self._table, p.offset, t.moments)

    @staticmethod
    def _params(t: LoadedTensor, row: int, src: np.ndarray) -> tuple[float, float]:
        """(mu, 1/sd) of a sample, the z-score's memoised as ``normalise_sample`` does."""
        if t.moments is not None and t.moments[row, 1] > 0.0:
            return float(t.moments[row, 0]), float(t.moments[row, 1])
        mu, inv_sd = _k.normalise_params(src, t.code, t.mean, t.std)
        if t.moments is not None and np.isfinite(mu) and np.isfinite(inv_sd):
            t.moments[row] = mu, inv_sd
        return mu, inv_sd

    @staticmethod
    def _clean_target(src, target, rank, moves, p, j, mu, inv_sd) -> None:
        """The input's geometry (warp, time shift) without its value augmentation
        (intensity, per-lead amplitude, noise)."""
        if moves and rank == 3:
            _k.warp2d(src, target, p.matrix[j], mu, inv_sd)
        elif moves:
            _k.shift1d(src, target, p.roll[j], np.ones(src.shape[1]), mu, inv_sd)
        else:
            _k.pointwise(src, target, mu, inv_sd)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        # Under the batch lock: a batch in flight reads the readers' mappings by address.
        with self._lock:
            for t in self._tensors.values():
                t.reader.close()


_LOADER_CLASS = None

_LOADER_DOC = """A Keras ``PyDataset`` over a fastio store.

    ``Loader(store, inputs=[...], outputs=[...], batch_size=8, split="train", shuffle=True,
    seed=0, augment=None, valid_ratio=0.1, test_ratio=0.1, sample_csv=None,
    missing="exclude", drop_remainder=None, workers=2, split_csvs=None, split_seed=0,
    allow_incomplete=False, **pydataset_kwargs)``

    ``loader[i]`` is ``(x, y)``: dicts of float32 arrays keyed by ``spec.input_name`` /
    ``spec.output_name`` (``(x,)`` without outputs; ``(x, y, sample_weight)`` with
    ``missing="mask"``, weight 0 where an output tensor is absent). Which samples are in
    ``split`` is a function of ``split_seed`` and the sample ids alone
    (:func:`fastio.split.split_ids`), never of ``seed``. Inputs are normalised
    (spec) and augmented; output-only tensors are normalised. A tensor that is both input
    and output (an autoencoder) gets as its target the input's geometric augmentation
    (translate, flips, rotate, zoom, time shift) without its value augmentation
    (intensity scale/shift, amplitude, noise): the clean tensor, moved like the input.
    Without value augmentation x and y share one array. The order reshuffles each epoch from ``seed``; every
    random draw is a function of (seed, epoch, tensor, sample), so batches do not depend
    on ``workers``. ``drop_remainder`` defaults to True for ``split="train"``. A tensor with
    unwritten (interrupted) or damaged blocks is an error saying how to repair it;
    ``allow_incomplete=True`` reads the other samples, with a warning naming the count.
    """


def _build_loader_class():
    import keras

    class Loader(LoaderCore, keras.utils.PyDataset):
        __doc__ = _LOADER_DOC

        def __init__(self, store, inputs=(), outputs=(), batch_size=8, split="train", shuffle=True,
                     seed=0, augment=None, valid_ratio=0.1, test_ratio=0.1, sample_csv=None,
                     missing="exclude", drop_remainder=None, workers=2, split_csvs=None, split_seed=0,
                     allow_incomplete=False, **kwargs):
            # Our threads do the parallel work; Keras' own workers (PyDataset ``workers``,
            # left at 1) would only contend. tf.data's prefetch still overlaps loading
            # with training.
            keras.utils.PyDataset.__init__(self, **kwargs)
            LoaderCore.__init__(self, store, inputs, outputs, batch_size, split, shuffle, seed,
                                augment, valid_ratio, test_ratio, sample_csv, missing,
                                drop_remainder, workers, split_csvs, split_seed, allow_incomplete)

    Loader.__module__ = __name__
    Loader.__qualname__ = "Loader"
    return Loader


def __getattr__(name: str):
    global _LOADER_CLASS
    if name == "Loader":
        if _LOADER_CLASS is None:
            _LOADER_CLASS = _build_loader_class()
        return _LOADER_CLASS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

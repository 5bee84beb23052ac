"""Direct chunk reader for one-sample-per-chunk zarr v3 arrays.

zarr stays the format; this is only the hot path. zarr-python spends ~1.5 ms per chunk
(~4 ms per shard touched) in its async machinery, which caps random single-sample reads
near per-file HDF5 speed. Here we parse ``zarr.json`` once, cache each shard's index,
map each shard file read-only and decode a chunk's bytes from the mapping with numcodecs
straight into the caller's buffer (no intermediate copy; numcodecs releases the GIL, so a
thread pool scales). An uncompressed sample can be read in place (``sample_view``).

Handled: regular chunk grid, chunks of one sample ``(1, *shape)`` either as plain chunk
files or inside ``sharding_indexed`` shards (index at the end or start, ``bytes`` +
optional ``crc32c`` index codecs), inner codecs ``bytes`` (little endian) + at most one of
blosc / zstd / gzip + optionally ``crc32c`` (a checksum after each chunk, which an
uncompressed tensor carries: nothing else would notice a garbled sample; it is checked on
a row's first read). Anything else falls back to zarr-python's own indexing, which is
slower but always right.
"""
from __future__ import annotations

import json
import mmap
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import google_crc32c  # zarr's own crc32c (a zarr dependency); releases the GIL
import numpy as np

from fastio.layout import ArrayLayout, UnsupportedLayout, parse_layout

__all__ = ["ArrayLayout", "ChunkReader", "UnsupportedLayout", "parse_layout"]

_EMPTY = np.uint64(2**64 - 1)  # index entry of an inner chunk that was never written
_REPAIR = "run `fastio inspect --verify STORE`, then rerun the fastio convert command that wrote it"

def _decoder(name: str | None):
    if name is None:
        return None
    import numcodecs

    if name == "blosc":
        import numcodecs.blosc

        # Our threads parallelise across samples. Blosc's own pool (used when called
        # from the main thread) oversubscribes two cores and its threads keep spinning
        # after each call, slowing everything else down (measured ~2x here).
        numcodecs.blosc.use_threads = False
        return numcodecs.Blosc()  # the blosc frame header carries cname/shuffle/typesize
    if name == "zstd":
        return numcodecs.Zstd()
    return numcodecs.GZip()


class ChunkReader:
    """Read whole samples (rows) of one zarr v3 array, bit-exact with zarr-python.

    ``read_into(row, dest)`` is the hot path (thread-safe); ``read(rows)`` reads many
    rows with the reader's own thread pool. ``direct`` says whether the fast path
    applies; otherwise ``fallback_reason`` says why zarr-python is used."""

    def __init__(self, path: str | os.PathLike, workers: int = 2):
        self.path = Path(path)
        meta_file = self.path / "zarr.json"
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ValueError(f"{meta_file}: expected a zarr v3 array (zarr.json), found none") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{meta_file}: expected JSON array metadata: {exc}") from exc
        self.workers = max(1, int(workers))
        self.fallback_reason: str | None = None
        self.layout: ArrayLayout | None = None
        try:
            self.layout = parse_layout(meta, str(self.path))
        except UnsupportedLayout as exc:
            self.fallback_reason = str(exc)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{meta_file}: malformed zarr v3 array metadata ({exc!r})") from exc
        self.shape = tuple(int(s) for s in meta["shape"])
        try:
            self.dtype = np.dtype(meta["data_type"])
        except TypeError:
            self.dtype = None  # e.g. zarr's variable-length strings; fallback reads them
        self._zarr = None
        self._codec = _decoder(self.layout.compressor) if self.layout else None
        self._fds: dict[int, int | None] = {}
        self._index: dict[int, np.ndarray | None] = {}
        self._maps: dict[int, np.ndarray] = {}  # block -> its file's read-only mapping
        self._bases: dict[int, int] = {}  # block -> the memory address of its mapping
        # rows whose chunk checksum matched: checked once (stored bytes do not change under
        # an open reader, which caches shard indexes on the same assumption)
        self._checked = np.zeros(self.shape[0], bool) if self.layout and self.layout.chunk_crc else None
        # bytes of an uncompressed stored chunk (its checksum included)
        self._chunk_nbytes = self.layout.sample_nbytes + 4 * self.layout.chunk_crc if self.layout else 0
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    # -- public ------------------------------------------------------------------------
    @property
    def direct(self) -> bool:
        return self.layout is not None

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return self.shape[1:]

    def __len__(self) -> int:
        return self.shape[0]

    def read_into(self, row: int, dest: np.ndarray) -> bool:
        """Decode sample ``row`` into ``dest`` (C-contiguous, the array's dtype and
        sample shape). Returns False where the chunk was never written (dest = fill)."""
        self._check_row(row)
        if self.layout is None:
            return self._read_zarr(row, dest)
        lay = self.layout
        if dest.shape != lay.sample_shape or dest.dtype != self.dtype or not dest.flags.c_contiguous:
            raise ValueError(f"{self.path}: expected a C-contiguous {self.dtype} buffer of shape "
                             f"{lay.sample_shape}, got {dest.dtype} {dest.shape}")
        data = self._stored(row)
        if data is None:
            dest.fill(lay.fill_value)
            return False
        raw = dest.view(np.uint8).reshape(-1)
        if self._codec is None:
            raw[...] = data
            return True
        try:
            self._codec.decode(data, out=raw)
        except Exception as exc:  # numcodecs raises RuntimeError/ValueError variants
            raise ValueError(f"{self._where(row // lay.shard_samples)}: cannot decode the chunk of row {row} "
                             f"({lay.compressor}: {exc}); the file is damaged — {_REPAIR}") from exc
        return True

    def sample_view(self, row: int) -> np.ndarray | None:
        """Sample ``row`` of an uncompressed array as a read-only view of the file's
        mapping (no copy), for callers that transform while they read; None where a
        copy is needed (compressed, the zarr fallback, an unwritten chunk)."""
        self._check_row(row)
        if self.layout is None or self._codec is not None:
            return None
        data = self._stored(row)
        return None if data is None else data.view(self.dtype).reshape(self.shape[1:])

    def sample_address(self, row: int) -> int | None:
        """The memory address of sample ``row`` of an uncompressed array in the file's
        mapping, for kernels that read many samples in one call
        (:func:`fastio._kernels.api.normalise_gather`); valid until :meth:`close`. None
        where ``sample_view`` is None. The same checks as every read (sizes, truncation,
        the row's checksum on its first read)."""
        self._check_row(row)
        if self.layout is None or self._codec is not None:
            return None
        span = self._locate(row)
        return None if span is None else self._bases[span[0]] + span[1]

    def read(self, rows: Sequence[int], out: np.ndarray | None = None) -> np.ndarray:
        """Read many rows into ``out`` (allocated if None), spread over the thread pool."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if out is None:
            out = np.empty((rows.size, *self.sample_shape), dtype=self.dtype or np.float32)
        if out.shape != (rows.size, *self.sample_shape):
            raise ValueError(f"{self.path}: expected out of shape {(rows.size, *self.sample_shape)}, got {out.shape}")
        groups = [g for g in np.array_split(np.arange(rows.size), self.workers) if g.size]

        def work(slots):
            for j in slots:
                self.read_into(int(rows[j]), out[j])

        if len(groups) <= 1:
            for g in groups:
                work(g)
            return out
        futures = [self.pool().submit(work, g) for g in groups]
        # Every share finishes before this returns or raises: a failed share must not leave
        # another still reading the mappings that close() is about to release.
        errors = [f.exception() for f in futures]
        for err in errors:
            if err is not None:
                raise err
        return out

    def pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="fastio-read")
            return self._pool

    def close(self) -> None:
        # The pool drains first and outside the lock: its threads take the lock to map a
        # file, so waiting for them while holding it would never end.
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        with self._lock:
            for fd in self._fds.values():
                if fd is not None:
                    os.close(fd)
            self._fds.clear()
            self._index.clear()
            self._maps.clear()  # each mapping closes when the last view of it goes
            self._bases.clear()

    def __enter__(self) -> "ChunkReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- internals ---------------------------------------------------------------------
    def _fd(self, block: int) -> int | None:
        fd = self._fds.get(block, -1)
        if fd != -1:
            return fd
        with self._lock:
            if block not in self._fds:
                try:
                    self._fds[block] = os.open(self.path / self.layout.key(block), os.O_RDONLY)
                except FileNotFoundError:
                    # Never-written chunks/shards are fill; remember so we don't retry
                    # open() per sample. A store written later needs a new reader.
                    self._fds[block] = None
            return self._fds[block]

    def _shard_index(self, block: int, fd: int) -> list[tuple[int, int] | None]:
        """(offset, nbytes) of each inner chunk of a shard (None: never written), as
        Python ints: looked up once per sample, where numpy scalars cost microseconds."""
        index = self._index.get(block)
        if index is not None:
            return index
        lay = self.layout
        size = 16 * lay.shard_samples + (4 if lay.index_crc else 0)
        total = os.fstat(fd).st_size
        if total < size:
            raise ValueError(f"{self._where(block)}: shard of {total} bytes is shorter "
                             f"than its index ({size} bytes); the file is truncated — {_REPAIR}")
        start = total - size if lay.index_at_end else 0
        raw = os.pread(fd, size, start)
        index = np.frombuffer(raw, dtype="<u8", count=2 * lay.shard_samples).reshape(-1, 2).copy()
        ok = (index[:, 0] == _EMPTY) | (index[:, 0] + index[:, 1] <= total)
        if not ok.all():
            raise ValueError(f"{self._where(block)}: shard index points past the end of the file; "
                             f"the file is truncated or garbled — {_REPAIR}")
        spans = [None if o == _EMPTY and n == _EMPTY else (o, n) for o, n in index.tolist()]
        self._index[block] = spans
        return spans

    def _where(self, block: int) -> str:
        return f"tensor {self.path.name}, file {self.path / self.layout.key(block)}"

    def _check_row(self, row: int) -> None:
        if not 0 <= row < self.shape[0]:
            raise ValueError(f"{self.path}: expected a row in [0, {self.shape[0]}), got {row}")

    def _stored(self, row: int) -> np.ndarray | None:
        """The stored (encoded) bytes of ``row``: a view of its file's read-only mapping,
        so decoding reads the page cache directly instead of a ``pread`` copy. None when
        the chunk was never written."""
        span = self._locate(row)
        return None if span is None else self._maps[span[0]][span[1]:span[2]]

    def _locate(self, row: int) -> tuple[int, int, int] | None:
        """(block, start, end) of ``row``'s stored bytes in its file's mapping (checksum
        excluded), checked: sizes, the file's length, the crc32c on a row's first read.
        None when the chunk was never written."""
        lay = self.layout
        block, within = divmod(row, lay.shard_samples)
        fd = self._fd(block)
        if fd is None:
            return None
        if lay.sharded:
            span = self._shard_index(block, fd)[within]
            if span is None:
                return None
            offset, nbytes = span
        else:
            offset, nbytes = 0, os.fstat(fd).st_size
        if (self._codec is None and nbytes != self._chunk_nbytes) or nbytes < 4 * lay.chunk_crc:
            raise ValueError(f"{self._where(block)}: chunk of row {row} holds {nbytes} bytes, expected "
                             f"{self._chunk_nbytes}; the file is damaged — {_REPAIR}")
        mapped = self._maps.get(block)
        if mapped is None:
            with self._lock:
                if block not in self._maps:
                    size = os.fstat(fd).st_size
                    mapped = (np.frombuffer(mmap.mmap(fd, size, access=mmap.ACCESS_READ), np.uint8)
                              if size else np.zeros(0, np.uint8))
                    self._bases[block] = mapped.__array_interface__["data"][0]
                    self._maps[block] = mapped
                mapped = self._maps[block]
        # Touching a mapped page past the end of a file that shrank after it was mapped
        # kills the process (SIGBUS). Writers replace shards by rename (the mapping keeps
        # the old file), so only an in-place truncation gets here: check, name the file.
        end = offset + nbytes
        if end > mapped.size or os.fstat(fd).st_size < end:
            raise ValueError(f"{self._where(block)}: short read of row {row} (bytes {offset}..{end} of a "
                             f"{os.fstat(fd).st_size}-byte file); the file is truncated — {_REPAIR}")
        if self._checked is None:
            return block, offset, end
        end -= 4
        if not self._checked[row]:
            if google_crc32c.value(mapped[offset:end]) != int(mapped[end:end + 4].view("<u4")[0]):
                raise ValueError(f"{self._where(block)}: row {row} is garbled (its crc32c does not match "
                                 f"the stored checksum); the file is damaged — {_REPAIR}")
            self._checked[row] = True
        return block, offset, end

    def _read_zarr(self, row: int, dest: np.ndarray) -> bool:
        if self._zarr is None:
            import zarr

            with self._lock:
                if self._zarr is None:
                    self._zarr = zarr.open_array(str(self.path), mode="r")
        dest[...] = self._zarr[row]
        return True

"""Each variant's call counts of a .bed, counted ahead of the scan from its last chunk back.

Before ``zoo gwas`` scans, one core parses the latents and covariates and the other the
.fam and .bim, which take it a fraction of that time: the second core then idles until
the scan starts. ``CountsAhead`` gives it the counting pass of the scan's products (the
called samples, mean and sum of squares of every variant, ``bedtables.called_counts``):
a thread counts the scan's chunks from the last one backwards, and keeps going once the
scan has started, while the scan's workers take chunks from the first. Whoever reaches a
chunk first counts it, so every chunk is counted once; the thread stops where the two
meet. A chunk counted ahead is multiplied without its counting pass.

The counts are those of every .fam row in file order: ``take`` is for the scan that uses
exactly those samples (``BedChunks`` with its numpy tables) and the chunks ``chunk_size``
variants long from the first variant; anything else counts for itself. The thread counts
``max_chunks`` chunks at most (64 by default: 24 bytes a variant, 1.5 MB at 1,024 variants
a chunk): on a biobank's millions of variants it would otherwise hold the counts of all
the chunks the scan has not reached, and past the start it only shares the scan's cores.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from zoo.evaluate.bedfile import fileset, line_count
from zoo.evaluate.bedtables import called_counts

__all__ = ["CountsAhead"]

_SCAN = "scan"            # a chunk the scan took before the thread reached it
_COUNTING = "counting"    # a chunk the thread is counting now
# variants counted in one call: their bytes and the popcounts' temporaries stay in cache
_BLOCK = 256


class CountsAhead:
    """The per-variant counts of ``bed`` (every .fam row, in order), chunk by chunk."""

    def __init__(self, bed: str | Path, n_fam: int, n_variants: int, chunk_size: int,
                 max_chunks: int = 64):
        if n_fam < 1 or n_variants < 0 or chunk_size < 1 or max_chunks < 0:
            raise ValueError(f"Expected n_fam >= 1, n_variants >= 0, chunk_size >= 1 and "
                             f"max_chunks >= 0, got {n_fam}, {n_variants}, {chunk_size} and "
                             f"{max_chunks}")
        self.max_chunks = max_chunks
        self.bed = Path(bed)
        self.n_fam, self.n_variants, self.chunk_size = n_fam, n_variants, chunk_size
        self.bytes_per_variant = (n_fam + 3) // 4
        self._state: dict[int, object] = {}
        self._changed = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.counted = 0          # chunks the thread counted

    @classmethod
    def start_for(cls, prefix: str | Path, chunk_size: int,
                  max_chunks: int = 64) -> "CountsAhead":
        """Started on the fileset ``prefix``: its .fam's lines are the samples, and the
        .bed's size gives the variants (a .bed of no whole number of variants counts
        nothing, and the scan says what is wrong with it)."""
        files = fileset(prefix)
        n_fam = max(1, line_count(files[".fam"]))
        size, per_variant = files[".bed"].stat().st_size - 3, (n_fam + 3) // 4
        n_variants = size // per_variant if size >= 0 and size % per_variant == 0 else 0
        return cls(files[".bed"], n_fam, n_variants, chunk_size, max_chunks).start()

    @property
    def n_chunks(self) -> int:
        return -(-self.n_variants // self.chunk_size)

    def bounds(self, i: int) -> tuple[int, int]:
        return i * self.chunk_size, min((i + 1) * self.chunk_size, self.n_variants)

    def start(self) -> "CountsAhead":
        """Count in a background thread (a daemon: it never holds up the exit)."""
        self._thread = threading.Thread(target=self.run, name="counts-ahead", daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        """Count chunks from the last one back until one is taken, or ``stop``. A .bed
        that is not the expected size is left to the scan, which says so."""
        try:
            expected = 3 + self.n_variants * self.bytes_per_variant
            if self.n_variants == 0 or self.bed.stat().st_size != expected:
                return
            packed = np.memmap(self.bed, dtype=np.uint8, mode="r", offset=3,
                               shape=(self.n_variants, self.bytes_per_variant))
        except OSError:
            return
        for i in reversed(range(max(0, self.n_chunks - self.max_chunks), self.n_chunks)):
            with self._changed:
                if self._stopped or i in self._state:
                    return
                self._state[i] = _COUNTING
            try:
                counts = self._count(packed, *self.bounds(i))
            except Exception:       # the scan counts this chunk itself, and says what failed
                counts = None
            with self._changed:
                self._state[i] = counts if counts is not None else _SCAN
                self.counted += counts is not None
                self._changed.notify_all()
            if counts is None:
                return

    def _count(self, packed: np.ndarray, a: int, b: int):
        obs, mean, sumsq = np.empty(b - a, np.int64), np.empty(b - a), np.empty(b - a)
        for s in range(a, b, _BLOCK):
            e = min(s + _BLOCK, b)
            obs[s - a:e - a], mean[s - a:e - a], sumsq[s - a:e - a] = called_counts(
                np.asarray(packed[s:e]), self.n_fam)
        return obs, mean, sumsq

    def take(self, start: int, stop: int):
        """``(obs, mean, sumsq)`` of variants ``start:stop`` if they are a chunk the thread
        counted (waiting for it to finish one it is counting), else None: the chunk is then
        the caller's, and the thread stops when it gets there."""
        if start % self.chunk_size or (start, stop) != self.bounds(start // self.chunk_size):
            return None
        i = start // self.chunk_size
        with self._changed:
            state = self._state.setdefault(i, _SCAN)
            while state is _COUNTING:
                self._changed.wait()
                state = self._state[i]
            return None if state is _SCAN else state

    def stop(self) -> None:
        """Stop counting (after the chunk in hand) and wait for the thread."""
        with self._changed:
            self._stopped = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

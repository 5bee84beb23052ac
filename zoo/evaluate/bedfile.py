"""PLINK 1 binary filesets: metadata through bed-reader, genotype chunks decoded by numba.

``write_bfile`` writes one (the phantom's genotypes, the simulated cohorts);
``open_bfile`` validates ``PREFIX.bed/.bim/.fam``; ``BedChunks`` turns a range of variants
into float columns centred over the called samples, 0 at a missing call (allele-1 counts,
.bim column 5), plus each variant's missing positions, either with the
fused numba decoder over a memory map of the .bed (``reader="numba"``, default) or through
bed-reader's int8 read plus the numba centring kernel (``reader="bed-reader"``). Both give
identical numbers; the first skips an int8 copy and is several times faster.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fastio.safefs import atomic_output
from zoo.evaluate._kernels.bed import (BYTE_TABLE, decode_centre, decode_centre_all,
                                       missing_positions)
from zoo.evaluate._kernels.genotypes import centre_impute
from zoo.evaluate.called import missing_index

__all__ = ["open_bfile", "write_bfile", "BedChunks", "READERS", "block_buffer"]

READERS = ("numba", "bed-reader")
_MAGIC = bytes([0x6C, 0x1B, 0x01])


def _prefix(prefix: str | Path) -> Path:
    return Path(str(prefix).removesuffix(".bed"))


def write_bfile(prefix: str | Path, genotypes: np.ndarray, *, sample_ids, chromosome, bp_position,
                variant_id, allele_1, allele_2, cm_position=None, sex=None, pheno=None) -> Path:
    """Write ``PREFIX.bed/.bim/.fam`` from (samples, variants) allele-1 counts (``-127`` or
    NaN: missing), FID = IID = sample id. Allele 1 (.bim column 5) is the counted allele,
    which plink2 --glm reports as A1 by default. ``sex`` in PLINK's codes (1 male,
    2 female, 0 unknown); ``pheno`` as text (default bed-reader's). Each file is written
    to a temp name and renamed into place: a kill leaves no half fileset, a symlink
    planted at a name is replaced, not followed."""
    from bed_reader import to_bed

    prefix = _prefix(prefix)
    ids = np.asarray([str(s) for s in sample_ids])
    if genotypes.ndim != 2 or genotypes.shape[0] != len(ids):
        raise ValueError(f"{prefix}: expected genotypes of shape ({len(ids)}, variants), got "
                         f"{genotypes.shape}")
    properties = {"fid": ids, "iid": ids, "father": np.full(len(ids), "0"),
                  "mother": np.full(len(ids), "0"), "chromosome": np.asarray(chromosome).astype(str),
                  "sid": np.asarray(variant_id), "bp_position": np.asarray(bp_position),
                  "allele_1": np.asarray(allele_1), "allele_2": np.asarray(allele_2)}
    optional = {"cm_position": cm_position, "pheno": pheno,
                "sex": None if sex is None else np.asarray(sex).astype(np.int32)}
    properties.update({key: value for key, value in optional.items() if value is not None})
    files = {ext: prefix.with_name(prefix.name + ext) for ext in (".bed", ".bim", ".fam")}
    with atomic_output(files[".bed"]) as bed, atomic_output(files[".bim"]) as bim, \
            atomic_output(files[".fam"]) as fam:
        to_bed(bed, genotypes, properties=properties, count_A1=True, fam_filepath=fam,
               bim_filepath=bim)
    return prefix


def open_bfile(prefix: str | Path, num_threads: int | None = None):
    """Open ``PREFIX.bed/.bim/.fam`` with bed-reader, counting allele 1 (.bim column 5)."""
    from bed_reader import open_bed

    prefix = _prefix(prefix)
    for ext in (".bed", ".bim", ".fam"):
        if not prefix.with_name(prefix.name + ext).exists():
            raise ValueError(f"{prefix}{ext}: expected a PLINK 1 binary fileset, file not found")
    return open_bed(prefix.with_name(prefix.name + ".bed"), count_A1=True, num_threads=num_threads)


class BedChunks:
    """Centred genotype chunks of one fileset for a fixed set of samples (.fam rows)."""

    def __init__(self, prefix: str | Path, rows: np.ndarray, *, reader: str = "numba",
                 num_threads: int | None = None):
        if reader not in READERS:
            raise ValueError(f"Expected reader in {READERS}, got {reader!r}")
        self.bed = open_bfile(prefix, num_threads)
        self.path = _prefix(prefix).with_name(_prefix(prefix).name + ".bed")
        self.reader = reader
        self.num_threads = num_threads
        self.n_fam, self.n_variants = self.bed.iid_count, self.bed.sid_count
        self.rows = np.ascontiguousarray(rows, dtype=np.int64)
        if self.rows.size and (self.rows.min() < 0 or self.rows.max() >= self.n_fam):
            raise ValueError(f"{self.path}: expected sample rows in [0, {self.n_fam}), got "
                             f"{self.rows.min()}..{self.rows.max()}")
        self.all_rows = np.array_equal(self.rows, np.arange(self.n_fam))
        self.bytes_per_variant = (self.n_fam + 3) // 4
        if reader == "numba":
            self._packed = self._memmap()

    def _memmap(self) -> np.ndarray:
        size = self.path.stat().st_size
        expected = 3 + self.n_variants * self.bytes_per_variant
        with open(self.path, "rb") as fh:
            magic = fh.read(3)
        if magic != _MAGIC:
            raise ValueError(f"{self.path}: expected the SNP-major .bed magic bytes 6c 1b 01, "
                             f"got {magic.hex(' ')}")
        if size != expected:
            raise ValueError(f"{self.path}: expected {expected} bytes for {self.n_fam} samples × "
                             f"{self.n_variants} variants, got {size}")
        if self.n_variants == 0:
            return np.zeros((0, self.bytes_per_variant), np.uint8)
        return np.memmap(self.path, dtype=np.uint8, mode="r", offset=3,
                         shape=(self.n_variants, self.bytes_per_variant))

    def _missing(self, packed: np.ndarray, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.zeros(len(obs) + 1, np.int64)
        np.cumsum(len(self.rows) - obs, out=ptr[1:])
        idx = np.empty(ptr[-1], np.int64)
        if idx.size:
            missing_positions(packed, self.rows, self.all_rows, BYTE_TABLE, ptr, idx)
        return ptr, idx

    def product(self, start: int, stop: int, stacked: np.ndarray,
                buffer: np.ndarray) -> dict[str, np.ndarray]:
        """The chunk's ``gᵀ stacked`` (m, d) float64 for centred genotypes g (0 at a missing
        call), with the per-variant obs, mean, sumsq and ``missing`` of ``read``.

        ``buffer`` (n, b) F-order, of stacked's dtype, holds b variants at a time: decoded
        and multiplied while they are in cache (see ``block_buffer``), where a whole chunk
        decoded first made the product stream a buffer the size of the cohort through
        memory twice, which cost as much as the arithmetic.
        """
        if stacked.ndim != 2 or stacked.shape[0] != len(self.rows):
            raise ValueError(f"Expected a matrix with {len(self.rows)} rows, got {stacked.shape}")
        if buffer.shape[0] != len(self.rows) or buffer.dtype != stacked.dtype:
            raise ValueError(f"Expected a {stacked.dtype} buffer with {len(self.rows)} rows, "
                             f"got {buffer.dtype} {buffer.shape}")
        m, step = stop - start, buffer.shape[1]
        prod = np.empty((m, stacked.shape[1]))
        obs, mean, sumsq = np.empty(m, np.int64), np.empty(m), np.empty(m)
        ptr, idx = [np.zeros(1, np.int64)], []
        for a in range(0, m, step):
            b = min(a + step, m)
            part = self.read(start + a, start + b, buffer)
            prod[a:b] = part["g"].T @ stacked
            obs[a:b], mean[a:b], sumsq[a:b] = part["obs"], part["mean"], part["sumsq"]
            ptr.append(part["missing"][0][1:] + ptr[-1][-1])
            idx.append(part["missing"][1])
        missing = (np.concatenate(ptr), np.concatenate(idx) if idx else np.empty(0, np.int64))
        return {"prod": prod, "obs": obs, "mean": mean, "sumsq": sumsq, "missing": missing}

    def read(self, start: int, stop: int, out: np.ndarray) -> dict[str, np.ndarray]:
        """Fill ``out[:, :stop-start]`` (F order); return per-variant obs, mean, sumsq and
        ``missing`` = ``(ptr, idx)``, variant j's missing rows in ``idx[ptr[j]:ptr[j + 1]]``."""
        m = stop - start
        g = out[:, :m]
        obs, mean, sumsq = np.empty(m, np.int64), np.empty(m), np.empty(m)
        if self.reader == "numba":
            packed = np.asarray(self._packed[start:stop])
            if self.all_rows:
                decode_centre_all(packed, self.n_fam, BYTE_TABLE, g, obs, mean, sumsq)
            else:
                decode_centre(packed, self.rows, g, obs, mean, sumsq)
            missing = self._missing(packed, obs)
        else:
            sel = slice(None) if self.all_rows else self.rows
            codes = self.bed.read(index=np.s_[sel, start:stop], dtype="int8", order="F",
                                  num_threads=self.num_threads)
            centre_impute(codes, g, obs, mean, sumsq)
            missing = missing_index(codes, obs)
        return {"g": g, "obs": obs, "mean": mean, "sumsq": sumsq, "missing": missing}



def block_buffer(n: int, dtype, cache_bytes: int = 2 << 20) -> np.ndarray:
    """An (n, b) F-order buffer for ``BedChunks.product``: b variants (a multiple of 8,
    at least 8) in about ``cache_bytes``, the size of a core's L2 cache here (2 MiB): at
    10k samples, 48 float32 or 24 float64 variants."""
    itemsize = np.dtype(dtype).itemsize
    step = max(8, cache_bytes // max(1, n * itemsize) // 8 * 8)
    return np.empty((n, step), dtype, order="F")

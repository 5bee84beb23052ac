"""PLINK .bed bytes decoded with numpy alone: counts by popcount, genotypes by table lookup.

SNP-major .bed: each variant is ``ceil(n / 4)`` bytes, sample i in bits ``2 * (i % 4)`` of
byte ``i // 4``; codes 00 = two copies of allele 1 (.bim column 5), 10 = one, 11 = none,
01 = missing, and the padding codes of the last byte are 00.

This is the decoder of a scan over every sample of the .fam in file order (the common
case): it needs no numba, so ``zoo gwas`` does not pay numba's import and first-call set-up
(0.45 CPU-s, a sixth of the whole command), and it is as fast as the numba kernel. Per
variant the called count, the allele-1 sum and the sum of squares follow from three
popcounts over 64-bit words (low bits, high bits, both), bit for bit the numbers of
``_kernels/bed.py``. The genotypes are decoded *uncentred* (allele-1 counts, 0 at a missing
call) by one table lookup of 4 samples per byte; the product with ``[y_r, Q]`` is centred
afterwards, exactly (see ``BedChunks.product``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["CODE_TO_COUNT", "BYTE_TABLE", "MISSING", "called_counts", "decode_counts",
           "missing_rows", "padded_rows"]

MISSING = -127      # a missing call among int8 allele counts (bed-reader's code)

# 2-bit code -> allele-1 count; -1 marks a missing call
CODE_TO_COUNT = np.array([2, -1, 1, 0], dtype=np.int8)
# (256, 4): the four 2-bit codes of each byte value, sample order
_CODES = (np.arange(256)[:, None] >> (2 * np.arange(4))) & 3
_LOW_BITS = np.uint64(0x5555555555555555)


def _byte_tables() -> np.ndarray:
    """(3, 256): per byte value, called samples, sum and sum of squares of its 4 counts."""
    counts = CODE_TO_COUNT[_CODES].astype(np.int64)
    called = counts >= 0
    return np.stack([called.sum(1), np.where(called, counts, 0).sum(1),
                     np.where(called, counts * counts, 0).sum(1)])


BYTE_TABLE = _byte_tables()
# allele-1 count per code, 0 at a missing call, per byte: (256, 4)
_COUNT_TABLE = np.where(CODE_TO_COUNT[_CODES] >= 0, CODE_TO_COUNT[_CODES], 0)
_ITEMS: dict[str, np.ndarray] = {}        # _COUNT_TABLE per float dtype, rows as single items


def padded_rows(n: int) -> int:
    """Rows ``decode_counts`` writes per variant: ``n`` rounded up to whole bytes."""
    return 4 * ((n + 3) // 4)


def called_counts(packed: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per variant of ``packed`` (m, ceil(n / 4)) uint8: called samples (int64), mean
    allele-1 count over them and the centred sum of squares (float64; 0 where none called).
    """
    m, nb = packed.shape
    if nb != (n + 3) // 4:
        raise ValueError(f"Expected {(n + 3) // 4} bytes per variant for {n} samples, got {nb}")
    words = np.zeros((m, -(-nb // 8) * 8), np.uint8)     # zero bytes hold no code but 00
    words[:, :nb] = packed
    if n % 4:                          # padding codes of the last byte: 00, whatever was written
        words[:, nb - 1] &= np.uint8((1 << (2 * (n % 4))) - 1)
    w = words.view(np.uint64)
    low = w & _LOW_BITS
    high = (w >> np.uint64(1)) & _LOW_BITS
    n_low = np.bitwise_count(low).sum(axis=1, dtype=np.int64)
    n_high = np.bitwise_count(high).sum(axis=1, dtype=np.int64)
    n_none = np.bitwise_count(low & high).sum(axis=1, dtype=np.int64)      # code 11
    obs = n - (n_low - n_none)                                             # code 01: missing
    n_one = n_high - n_none                                                # code 10
    n_two = obs - n_one - n_none                                           # code 00
    total, total_sq = n_one + 2 * n_two, n_one + 4 * n_two
    # the kernels' arithmetic, in their order: the same float64 numbers
    mean = np.divide(total, obs, out=np.zeros(m), where=obs > 0)
    sumsq = np.maximum(total_sq - obs * mean * mean, 0.0)
    return obs, mean, sumsq


def decode_counts(packed: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Allele-1 counts (0 at a missing call) of ``packed`` (m, nb) into the first m columns
    of ``out`` (4·nb rows, see :func:`padded_rows`; F order; float32 or float64); returns
    those columns, whose rows past the n samples (the last byte's padding) are to be left
    out."""
    m, nb = packed.shape
    if out.shape[0] != 4 * nb or out.shape[1] < m or not out.flags.f_contiguous:
        raise ValueError(f"Expected an F-order buffer of {4 * nb} rows and at least {m} "
                         f"columns, got {out.shape} (F order: {out.flags.f_contiguous})")
    cols = out[:, :m]
    # four samples (one byte) per lookup: each table row is one 16- or 32-byte item
    item = np.dtype(f"V{4 * out.itemsize}")
    table = _ITEMS.get(out.dtype.str)
    if table is None:
        table = _ITEMS[out.dtype.str] = _COUNT_TABLE.astype(out.dtype).view(item).ravel()
    # mode="clip": a byte is always a row of the 256-row table, and the default "raise"
    # makes np.take copy ``out`` into a temporary and back (to leave it unchanged on an
    # index error): two extra passes over the block, 8 % of zoo gwas's CPU (perf), decoding
    # 1.7-2.5x slower (benchmarks/gwas_product.py)
    np.take(table, packed.astype(np.intp), out=cols.T.reshape(m, nb, 4).view(item)[:, :, 0],
            mode="clip")
    return cols


def missing_rows(packed: np.ndarray, n: int, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, idx)``: the samples with a missing call, variant j's in
    ``idx[ptr[j]:ptr[j + 1]]`` (ascending); ``obs`` from :func:`called_counts`."""
    ptr = np.zeros(len(obs) + 1, np.int64)
    np.cumsum(n - np.asarray(obs, np.int64), out=ptr[1:])
    cols = np.flatnonzero(np.asarray(obs) < n)
    if not cols.size:
        return ptr, np.empty(0, np.int64)
    codes = (packed[cols][:, :, None] >> (2 * np.arange(4, dtype=np.uint8))) & 3
    _, idx = np.nonzero(codes.reshape(len(cols), -1)[:, :n] == 1)
    return ptr, idx.astype(np.int64)

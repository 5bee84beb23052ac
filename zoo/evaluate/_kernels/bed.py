"""Kernels: PLINK .bed bytes -> allele-1 counts centred over the called samples.

SNP-major .bed: each variant is ``ceil(n_fam / 4)`` bytes, sample i in bits
``2 * (i % 4)`` of byte ``i // 4``; codes 00 = two copies of allele 1 (.bim column 5),
10 = one, 11 = none, 01 = missing. Decoding straight into the float buffer the matrix
product reads skips the int8 copy a general reader makes, which on these machines cost
about as much as the product itself. Counts and sums come from per-byte tables (4 samples
per lookup); the centred values are written branch-free through a 4-entry table per
variant, and the sum of squares follows exactly from integer sums. A missing call is
written as 0 (the called samples' mean, centred), which keeps it out of every product with
the column; ``missing_positions`` then lists where those samples are, for the exact
per-variant correction (see ``zoo/evaluate/called.py``).
"""
from __future__ import annotations

import numpy as np

from fastio._jit import jit
# the 2-bit codes and per-byte tables, shared with the numpy decoder
from zoo.evaluate.bedtables import BYTE_TABLE  # noqa: F401


@jit
def _finish(j, count, total, total_sq, vals, obs, mean, sumsq):
    mu = total / count if count > 0 else 0.0
    vals[0] = 2.0 - mu
    vals[1] = 0.0          # missing call: 0, out of every product with the column
    vals[2] = 1.0 - mu
    vals[3] = -mu
    obs[j] = count
    mean[j] = mu
    sumsq[j] = max(total_sq - count * mu * mu, 0.0)


@jit
def decode_centre(packed, rows, out, obs, mean, sumsq):
    """Any subset/order of samples: packed (m, bytes_per_variant) uint8; rows (n,) int64
    rows of the .fam; out (n, m) float F-order; obs (m,) int64; mean, sumsq (m,) float64."""
    m = packed.shape[0]
    n = rows.shape[0]
    lut = np.array([2, -1, 1, 0], dtype=np.int64)
    vals = np.empty(4, out.dtype)
    for j in range(m):
        count = 0
        total = 0
        total_sq = 0
        for i in range(n):
            r = rows[i]
            c = lut[(packed[j, r >> 2] >> ((r & 3) << 1)) & 3]
            if c >= 0:
                count += 1
                total += c
                total_sq += c * c
        _finish(j, count, total, total_sq, vals, obs, mean, sumsq)
        for i in range(n):
            r = rows[i]
            out[i, j] = vals[(packed[j, r >> 2] >> ((r & 3) << 1)) & 3]


@jit
def decode_centre_all(packed, n, table, out, obs, mean, sumsq):
    """All ``n`` samples of the .fam in file order (the common case, ~2× faster)."""
    m = packed.shape[0]
    full = n >> 2
    lut = np.array([2, -1, 1, 0], dtype=np.int64)
    vals = np.empty(4, out.dtype)
    for j in range(m):
        count = 0
        total = 0
        total_sq = 0
        for k in range(full):
            b = packed[j, k]
            count += table[0, b]
            total += table[1, b]
            total_sq += table[2, b]
        for i in range(full << 2, n):       # padded last byte: only its real samples
            c = lut[(packed[j, i >> 2] >> ((i & 3) << 1)) & 3]
            if c >= 0:
                count += 1
                total += c
                total_sq += c * c
        _finish(j, count, total, total_sq, vals, obs, mean, sumsq)
        for k in range(full):
            b = packed[j, k]
            base = k << 2
            out[base, j] = vals[b & 3]
            out[base + 1, j] = vals[(b >> 2) & 3]
            out[base + 2, j] = vals[(b >> 4) & 3]
            out[base + 3, j] = vals[(b >> 6) & 3]
        for i in range(full << 2, n):
            out[i, j] = vals[(packed[j, i >> 2] >> ((i & 3) << 1)) & 3]


@jit
def missing_positions(packed, rows, all_rows, table, ptr, out):
    """Positions (in ``rows`` order, ascending) of each variant's missing calls, variant j's
    in ``out[ptr[j]:ptr[j + 1]]``; ``ptr`` (m + 1,) comes from the decoders' ``obs``. With
    ``all_rows`` (rows = every .fam row in order) bytes without a missing code are skipped
    through the per-byte call counts ``table[0]``."""
    m = packed.shape[0]
    n = rows.shape[0]
    full = n >> 2
    for j in range(m):
        w = ptr[j]
        if w == ptr[j + 1]:
            continue
        if all_rows:
            for k in range(full):
                b = packed[j, k]
                if table[0, b] < 4:
                    for s in range(4):
                        if (b >> (s << 1)) & 3 == 1:
                            out[w] = (k << 2) + s
                            w += 1
            for i in range(full << 2, n):
                if (packed[j, i >> 2] >> ((i & 3) << 1)) & 3 == 1:
                    out[w] = i
                    w += 1
        else:
            for i in range(n):
                r = rows[i]
                if (packed[j, r >> 2] >> ((r & 3) << 1)) & 3 == 1:
                    out[w] = i
                    w += 1

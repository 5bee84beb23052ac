"""Kernels: int8 allele counts (missing = -127) -> centred floats; missing-row Gram matrices.

``centre_impute``: one pass over each variant column counts the called samples and their
sum, then writes ``dosage - mean`` (0 for a missing call, which keeps it out of every
product with the column) into ``out``. Fusing the three steps saves two passes over a chunk
that is the size of the whole cohort.

``missing_gram``: per variant with missing calls, the Gram matrix of the rows of
``[y_r, Q]`` at its missing samples — r (K + p)² work instead of re-residualising all n
(see ``zoo/evaluate/called.py``).
"""
from __future__ import annotations

import numpy as np

from fastio._jit import jit
from zoo.evaluate.bedtables import MISSING


@jit
def centre_impute(codes, out, obs, mean, sumsq):
    """codes (n, m) int8 F-order; out (n, m) float F-order; obs (m,) int64; mean, sumsq (m,) f8.

    ``sumsq`` receives the sum of squares of the centred column (the genotype's variance
    times n), computed in float64 so the float32 path loses no precision on it.
    """
    n, m = codes.shape
    for j in range(m):
        count = 0
        total = 0.0
        for i in range(n):
            c = codes[i, j]
            if c != MISSING:
                count += 1
                total += c
        mu = total / count if count > 0 else 0.0
        acc = 0.0
        for i in range(n):
            c = codes[i, j]
            if c != MISSING:
                d = c - mu
                out[i, j] = d
                acc += d * d
            else:
                out[i, j] = 0.0
        obs[j] = count
        mean[j] = mu
        sumsq[j] = acc


@jit
def missing_gram(stacked, q0, ptr, idx, cols, out):
    """stacked (n, D - 1) float; q0 the intercept column's constant value; ptr/idx the
    missing positions (variant j's in ``idx[ptr[j]:ptr[j + 1]]``); cols (t,) variants;
    out (t, D, D) float64: Gram matrix of ``[stacked, q0]`` over each variant's missing rows.

    The rows are gathered into a float64 block whatever the scan dtype, and the block's
    Gram matrix is one BLAS product (several times faster than an accumulation loop).
    """
    d = stacked.shape[1]
    for t in range(cols.shape[0]):
        j = cols[t]
        r = ptr[j + 1] - ptr[j]
        block = np.empty((r, d + 1))
        for w in range(r):
            i = idx[ptr[j] + w]
            for a in range(d):
                block[w, a] = stacked[i, a]
            block[w, d] = q0
        if r > 0:
            out[t] = np.dot(block.T, block)
        else:
            out[t] = 0.0

"""Kernel: int8 allele counts (missing = -127) -> mean-imputed, centred floats.

One pass over each variant column: count the non-missing calls and their sum, then write
``dosage - mean`` (0 for a missing call, i.e. mean imputation) into ``out``. Fusing the three
steps saves two passes over a chunk that is the size of the whole cohort.
"""
from __future__ import annotations

from fastio._jit import jit

MISSING = -127


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

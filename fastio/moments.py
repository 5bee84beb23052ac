"""Per-block moments and their exact, order-fixed combination into tensor statistics.

Each written block stores (values, mean, M2, min, max) of its present samples in float64;
``combine`` merges them in block order (Chan et al.'s pairwise update), so the stats come
out the same whether blocks were written in one run, in parallel, in parts or resumed —
and without a second pass over the tensor.
"""
from __future__ import annotations

import numpy as np

__all__ = ["MOMENT_FIELDS", "block_moments", "combine_moments"]

MOMENT_FIELDS = ("values", "mean", "m2", "min", "max")


def block_moments(x: np.ndarray) -> np.ndarray:
    """Moments of every value in ``x`` (the present samples of one block) → (5,) float64.

    float64 throughout, but one sample at a time: a block of DXA images as one float64
    array would be ~300 MB of temporaries."""
    x = np.asarray(x)
    if not x.size:
        return np.zeros(len(MOMENT_FIELDS))
    rows = x.reshape(x.shape[0], -1) if x.ndim > 1 else x.reshape(1, -1)
    mean = float(np.sum(rows, dtype=np.float64)) / x.size  # buffered cast, no full copy
    m2 = 0.0
    for row in rows:
        d = row.astype(np.float64)
        d -= mean
        m2 += float(np.dot(d, d))
    return np.array([x.size, mean, m2, float(x.min()), float(x.max())])


def combine_moments(rows: np.ndarray, samples: int) -> dict[str, float]:
    """Merge block moments (k, 5) in order into {mean, std, min, max, count}; ``count`` is
    the number of present samples (the store contract), not of values."""
    count, mean, m2 = 0.0, 0.0, 0.0
    lo, hi = np.inf, -np.inf
    for k, bm, bm2, bmin, bmax in np.asarray(rows, dtype=np.float64).reshape(-1, len(MOMENT_FIELDS)):
        if k <= 0:
            continue
        delta = bm - mean
        total = count + k
        mean += delta * k / total
        m2 += bm2 + delta * delta * count * k / total
        count = total
        lo, hi = min(lo, bmin), max(hi, bmax)
    if not count:
        return {"mean": 0.0, "std": 0.0, "min": 0.0, "max": 0.0, "count": int(samples)}
    return {"mean": float(mean), "std": float(np.sqrt(m2 / count)), "min": float(lo),
            "max": float(hi), "count": int(samples)}

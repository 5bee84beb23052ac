"""Plain numpy versions of the kernels: the correctness reference in tests and the
per-sample augmentation of the ml4h-style baseline in the benchmarks. Same arithmetic,
same argument meaning; they allocate freely, as ordinary numpy code does."""
from __future__ import annotations

import numpy as np

__all__ = ["sample_stats", "pointwise", "shift1d", "warp2d", "table_noise"]


def sample_stats(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=np.float64)
    return float(x.mean()), float(x.std())


def table_noise(table, offset: int, n: int) -> np.ndarray:
    if table is None:
        return np.zeros(n)
    return table[offset:offset + n].astype(np.float64)


def pointwise(src, mu, inv_sd, scale=1.0, shift=0.0, sigma=0.0, table=None, offset=0):
    x = (src.astype(np.float64) - mu) * inv_sd * scale + shift
    if sigma:
        x = x + sigma * table_noise(table, offset, x.size).reshape(x.shape)
    return x.astype(np.float32)


def shift1d(src, roll, chan_scale, mu, inv_sd, scale=1.0, shift=0.0, sigma=0.0, table=None, offset=0):
    x = np.roll(src.astype(np.float64), int(roll), axis=0)
    x = (x - mu) * inv_sd * np.asarray(chan_scale, dtype=np.float64)[None, :] * scale + shift
    if sigma:
        x = x + sigma * table_noise(table, offset, x.size).reshape(x.shape)
    return x.astype(np.float32)


def warp2d(src, matrix, mu, inv_sd, scale=1.0, shift=0.0, sigma=0.0, table=None, offset=0):
    n_h, n_w, n_c = src.shape
    m = np.asarray(matrix, dtype=np.float64)
    r, q = np.meshgrid(np.arange(n_h, dtype=np.float64), np.arange(n_w, dtype=np.float64), indexing="ij")
    y = m[0, 0] * r + m[0, 1] * q + m[0, 2]
    x = m[1, 0] * r + m[1, 1] * q + m[1, 2]
    y0 = np.floor(y)
    x0 = np.floor(x)
    fy = (y - y0)[..., None]
    fx = (x - x0)[..., None]
    y0 = y0.astype(np.int64)
    x0 = x0.astype(np.int64)
    norm = (src.astype(np.float64) - mu) * inv_sd
    acc = np.zeros((n_h, n_w, n_c))
    for dy, wy in ((0, 1.0 - fy), (1, fy)):
        for dx, wx in ((0, 1.0 - fx), (1, fx)):
            yy = y0 + dy
            xx = x0 + dx
            inside = (yy >= 0) & (yy < n_h) & (xx >= 0) & (xx < n_w)
            vals = norm[np.clip(yy, 0, n_h - 1), np.clip(xx, 0, n_w - 1)]
            acc += np.where(inside[..., None], wy * wx * vals, 0.0)
    out = acc * scale + shift
    if sigma:
        out = out + sigma * table_noise(table, offset, out.size).reshape(out.shape)
    return out.astype(np.float32)

"""The numba kernels themselves. They assume validated arguments (see ``api.py``).

All kernels fuse normalisation, the geometric transform, intensity scale/shift and
additive Gaussian noise into one pass over the output, because on these machines memory
traffic, not arithmetic, is what a loader pays for. Noise comes from a precomputed table
of standard normals (``table[(offset + k) & mask]``): numba's per-value Gaussian RNG costs
~40 ns a value, a table read well under 1 ns.
"""
from __future__ import annotations

import math

import numpy as np

from fastio._jit import jit


@jit
def sample_stats(x):
    """Mean and SD (population, like ``np.std``) of a flat float32 array.

    One pass with float64 accumulators: float32 data has ~7 significant digits, so the
    cancellation in E[x²] − mean² stays far below float32 resolution."""
    n = x.size
    s = 0.0
    ss = 0.0
    for k in range(n):
        v = np.float64(x[k])
        s += v
        ss += v * v
    mean = s / n
    var = ss / n - mean * mean
    if var < 0.0:
        var = 0.0
    return mean, math.sqrt(var)


@jit
def pointwise(src, out, mu, inv_sd, scale, shift, sigma, table, offset):
    """out = ((src − mu)·inv_sd)·scale + shift + sigma·noise; src and out are flat and
    may be the same array (strictly elementwise)."""
    mask = table.size - 1
    a = inv_sd * scale
    b = shift - mu * a
    if sigma != 0.0:
        for k in range(src.size):
            out[k] = np.float32(src[k] * a + b + sigma * table[(offset + k) & mask])
    else:
        for k in range(src.size):
            out[k] = np.float32(src[k] * a + b)


@jit
def shift1d(src, out, roll, chan_scale, mu, inv_sd, scale, shift, sigma, table, offset):
    """1-D signals (T, C): circular time shift by ``roll`` samples (out[t] = src[t − roll]),
    per-channel amplitude ``chan_scale``, then the pointwise chain."""
    n_t, n_c = src.shape
    mask = table.size - 1
    k = 0
    for t in range(n_t):
        ts = (t - roll) % n_t
        for c in range(n_c):
            v = (src[ts, c] - mu) * inv_sd * chan_scale[c] * scale + shift
            if sigma != 0.0:
                v += sigma * table[(offset + k) & mask]
            out[t, c] = np.float32(v)
            k += 1


@jit
def warp2d(src, out, matrix, mu, inv_sd, scale, shift, sigma, table, offset):
    """Images (H, W, C): bilinear resampling through an affine map from output pixel
    (row, col) to source coordinates ``matrix @ (row, col, 1)``; points outside the
    source read as 0 *after* normalisation (the mean of a z-scored image), then the
    pointwise chain."""
    n_h, n_w, n_c = src.shape
    mask = table.size - 1
    m00, m01, m02 = matrix[0, 0], matrix[0, 1], matrix[0, 2]
    m10, m11, m12 = matrix[1, 0], matrix[1, 1], matrix[1, 2]
    k = 0
    for r in range(n_h):
        for q in range(n_w):
            y = m00 * r + m01 * q + m02
            x = m10 * r + m11 * q + m12
            y0f = math.floor(y)
            x0f = math.floor(x)
            fy = y - y0f
            fx = x - x0f
            y0 = int(y0f)
            x0 = int(x0f)
            for c in range(n_c):
                acc = 0.0
                for dy in range(2):
                    yy = y0 + dy
                    if yy < 0 or yy >= n_h:
                        continue
                    wy = fy if dy == 1 else 1.0 - fy
                    for dx in range(2):
                        xx = x0 + dx
                        if xx < 0 or xx >= n_w:
                            continue
                        wx = fx if dx == 1 else 1.0 - fx
                        acc += wy * wx * ((src[yy, xx, c] - mu) * inv_sd)
                v = acc * scale + shift
                if sigma != 0.0:
                    v += sigma * table[(offset + k) & mask]
                out[r, q, c] = np.float32(v)
                k += 1

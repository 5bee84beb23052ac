"""The numba kernels themselves. They assume validated arguments (see ``api.py``).

All kernels fuse normalisation, the geometric transform, intensity scale/shift and
additive Gaussian noise into one pass over the output, because on these machines memory
traffic, not arithmetic, is what a loader pays for. Noise comes from a precomputed table
of standard normals read from a per-sample offset (``table[offset + k]``, the wrapper
checks the range): numba's per-value Gaussian RNG costs ~40 ns a value, a sequential
table read well under 1 ns, and without index masking the loops vectorise.
"""
from __future__ import annotations

import math

import numpy as np

from fastio._jit import jit


@jit(fastmath=True)
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


@jit(fastmath=True)
def pointwise(src, out, mu, inv_sd, scale, shift, sigma, table, offset):
    """out = ((src − mu)·inv_sd)·scale + shift + sigma·noise; src and out are flat and
    may be the same array (strictly elementwise)."""
    a = inv_sd * scale
    b = shift - mu * a
    if sigma != 0.0:
        for k in range(src.size):
            out[k] = np.float32(src[k] * a + b + sigma * table[offset + k])
    else:
        for k in range(src.size):
            out[k] = np.float32(src[k] * a + b)


@jit(fastmath=True)
def shift1d(src, out, n_t, n_c, roll, chan_scale, mu, inv_sd, scale, shift, sigma, table, offset):
    """1-D signals, flat (T·C): circular time shift by ``roll`` samples
    (out[t] = src[t − roll]), per-channel amplitude ``chan_scale``, then the pointwise
    chain. (Flat indexing: numba's multi-dimensional indexing was ~10× slower here.)"""
    # Fold normalisation, amplitude and intensity into one multiply-add per channel.
    a = np.empty(n_c)
    b = np.empty(n_c)
    for c in range(n_c):
        a[c] = inv_sd * chan_scale[c] * scale
        b[c] = shift - mu * a[c]
    ts = (-roll) % n_t  # source row of output row 0; then walk forward without a modulo
    for t in range(n_t):
        i = ts * n_c
        k = t * n_c
        if sigma != 0.0:
            for c in range(n_c):
                out[k + c] = np.float32(src[i + c] * a[c] + b[c] + sigma * table[offset + k + c])
        else:
            for c in range(n_c):
                out[k + c] = np.float32(src[i + c] * a[c] + b[c])
        ts += 1
        if ts == n_t:
            ts = 0


@jit
def warp2d(src, out, n_h, n_w, n_c, matrix, mu, inv_sd, scale, shift, sigma, table, offset):
    """Images, flat (H·W·C): bilinear resampling through an affine map from output pixel
    (row, col) to source coordinates ``matrix @ (row, col, 1)``; points outside the
    source read as 0 *after* normalisation (the mean of a z-scored image), then the
    pointwise chain."""
    m00, m01, m02 = matrix[0, 0], matrix[0, 1], matrix[0, 2]
    m10, m11, m12 = matrix[1, 0], matrix[1, 1], matrix[1, 2]
    row = n_w * n_c
    # Interpolate raw values, normalise once: sum_in w·(s − mu)·inv_sd = inv_sd·(sum_in w·s − mu·sum_in w).
    a = inv_sd * scale
    for r in range(n_h):
        y_row = m00 * r + m02
        x_row = m10 * r + m12
        for q in range(n_w):
            # Clamp far-away points to just outside the image, then floor by truncating a
            # positive number: math.floor + int cost ~10 ns a pixel here, this ~1 ns.
            y = min(max(y_row + m01 * q, -2.0), n_h + 1.0)
            x = min(max(x_row + m11 * q, -2.0), n_w + 1.0)
            y0 = int(y + 8.0) - 8
            x0 = int(x + 8.0) - 8
            fy = y - y0
            fx = x - x0
            w00 = (1.0 - fy) * (1.0 - fx)
            w01 = (1.0 - fy) * fx
            w10 = fy * (1.0 - fx)
            w11 = fy * fx
            k = (r * n_w + q) * n_c
            i = y0 * row + x0 * n_c
            if y0 >= 0 and x0 >= 0 and y0 + 1 < n_h and x0 + 1 < n_w:
                for c in range(n_c):
                    acc = (w00 * src[i + c] + w01 * src[i + n_c + c]
                           + w10 * src[i + row + c] + w11 * src[i + row + n_c + c])
                    v = (acc - mu) * a + shift
                    if sigma != 0.0:
                        v += sigma * table[offset + k + c]
                    out[k + c] = np.float32(v)
            else:
                # Border: only the neighbours inside the image contribute.
                in_y0 = 0 <= y0 < n_h
                in_y1 = 0 <= y0 + 1 < n_h
                in_x0 = 0 <= x0 < n_w
                in_x1 = 0 <= x0 + 1 < n_w
                for c in range(n_c):
                    acc = 0.0
                    wsum = 0.0
                    if in_y0 and in_x0:
                        acc += w00 * src[i + c]
                        wsum += w00
                    if in_y0 and in_x1:
                        acc += w01 * src[i + n_c + c]
                        wsum += w01
                    if in_y1 and in_x0:
                        acc += w10 * src[i + row + c]
                        wsum += w10
                    if in_y1 and in_x1:
                        acc += w11 * src[i + row + n_c + c]
                        wsum += w11
                    v = (acc - mu * wsum) * a + shift
                    if sigma != 0.0:
                        v += sigma * table[offset + k + c]
                    out[k + c] = np.float32(v)

"""The numba kernels themselves. They assume validated arguments (see ``api.py``).

All kernels fuse normalisation, the geometric transform, intensity scale/shift and
additive Gaussian noise into one pass over the output, because on these machines memory
traffic, not arithmetic, is what a loader pays for. Noise comes from a precomputed table
of standard normals read from a per-sample offset (``table[offset + k]``, the wrapper
checks the range): numba's per-value Gaussian RNG costs ~40 ns a value, a sequential
table read well under 1 ns, and without index masking the loops vectorise.
"""
from __future__ import annotations

import ctypes
import math

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic, overload

from fastio._jit import jit

# fastmath without "nnan"/"ninf": the reductions still vectorise (reassoc), but LLVM may
# not assume away NaN and inf, so a NaN in the data reaches the result and the finite
# checks below cannot be folded to True (with fastmath=True they could: a NaN there is
# undefined behaviour).
FINITE_SAFE = {"reassoc", "contract", "nsz", "arcp", "afn"}


@jit(fastmath=FINITE_SAFE)
def sample_stats(x):
    """Mean and SD (population, like ``np.std``) of a flat float32 array.

    One pass with float64 accumulators: float32 data has ~7 significant digits, so the
    cancellation in E[x²] − mean² stays far below float32 resolution. A NaN or inf in
    ``x`` makes the mean non-finite (a float32 sum in float64 cannot overflow)."""
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
        # Slice the table once: an index ``offset + k`` could be negative as far as numba
        # knows, and its wrap-around check kept this loop from vectorising (4x slower).
        noise = table[offset:offset + src.size]
        for k in range(src.size):
            out[k] = np.float32(src[k] * a + b + sigma * noise[k])
    else:
        for k in range(src.size):
            out[k] = np.float32(src[k] * a + b)


# Rows per tile of shift1d's per-channel coefficients: a tile of whole rows lets the inner
# loop run contiguously over (row, channel) instead of 12-long loops over the channels.
_SHIFT_TILE_ROWS = 32


@jit(fastmath=True)
def shift1d(src, out, n_t, n_c, roll, chan_scale, mu, inv_sd, scale, shift, sigma, table, offset):
    """1-D signals, flat (T·C): circular time shift by ``roll`` samples
    (out[t] = src[t − roll]), per-channel amplitude ``chan_scale``, then the pointwise
    chain. (Flat indexing: numba's multi-dimensional indexing was ~10× slower here.)

    The roll splits the output into two contiguous runs (rows [r, T) from source rows
    [0, T − r), rows [0, r) from [T − r, T)); each is walked in tiles of whole rows with
    normalisation, amplitude and intensity folded into one multiply-add per value."""
    m = _SHIFT_TILE_ROWS * n_c
    a = np.empty(m)
    b = np.empty(m)
    for j in range(m):
        a[j] = inv_sd * chan_scale[j % n_c] * scale
        b[j] = shift - mu * a[j]
    n = n_t * n_c
    noise = table[offset:offset + n] if sigma != 0.0 else table
    r = roll % n_t
    for t0, t1, s0 in ((r, n_t, 0), (0, r, n_t - r)):
        k0 = t0 * n_c
        i0 = s0 * n_c
        size = (t1 - t0) * n_c
        for base in range(0, size, m):
            e = min(m, size - base)
            o = out[k0 + base:k0 + base + e]
            s = src[i0 + base:i0 + base + e]
            if sigma != 0.0:
                z = noise[k0 + base:k0 + base + e]
                for k in range(e):
                    o[k] = np.float32(s[k] * a[k] + b[k] + sigma * z[k])
            else:
                for k in range(e):
                    o[k] = np.float32(s[k] * a[k] + b[k])


@jit
def _interior(c0, dc, hi, n):
    """Columns q in [q0, q1) of an output row whose source coordinate ``c0 + dc·q`` lies
    in [0, hi) with a margin of one column each side (so truncation is floor and the
    +1 neighbour exists). Conservative: columns left out take the checked path."""
    lo_q = 0.0
    hi_q = float(n)
    if dc > 0.0:
        lo_q = max(lo_q, -c0 / dc)
        hi_q = min(hi_q, (hi - c0) / dc)
    elif dc < 0.0:
        lo_q = max(lo_q, (hi - c0) / dc)
        hi_q = min(hi_q, -c0 / dc)
    elif not 0.0 <= c0 < hi:
        return 0, 0
    lo_q = min(lo_q, float(n))  # keep the int conversions below in range
    hi_q = max(hi_q, 0.0)
    q0 = max(int(math.ceil(lo_q)) + 1, 0)
    q1 = min(int(math.floor(hi_q)) - 1, n)
    if q1 <= q0:
        return 0, 0
    return q0, q1


@jit
def _warp_border(src, out, n_h, n_w, n_c, r, q, y_row, x_row, m01, m11, mu, a, shift, sigma,
                 table, offset):
    """One output pixel whose neighbours may fall outside the source: only the
    neighbours inside contribute (outside reads as 0 after normalisation)."""
    row = n_w * n_c
    # Clamp far-away points to just outside the image, then floor by truncating a
    # positive number (math.floor + int cost ~10 ns a pixel here).
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
    in_y0 = 0 <= y0 < n_h
    in_y1 = 0 <= y0 + 1 < n_h
    in_x0 = 0 <= x0 < n_w
    in_x1 = 0 <= x0 + 1 < n_w
    k = (r * n_w + q) * n_c
    i = y0 * row + x0 * n_c
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


@jit(fastmath=True)
def _warp_run1(src, out, n_w, y_row, x_row, m01, m11, q0, q1, kbase, a, b, sigma, table, offset):
    """Interior run of a single-channel row: no bounds checks, no branches, so LLVM
    can pipeline (and partly vectorise) it."""
    if sigma != 0.0:
        for q in range(q0, q1):
            y = y_row + m01 * q
            x = x_row + m11 * q
            y0 = int(y)
            x0 = int(x)
            fy = y - y0
            fx = x - x0
            i = y0 * n_w + x0
            top = src[i] + fx * (src[i + 1] - src[i])
            bot = src[i + n_w] + fx * (src[i + n_w + 1] - src[i + n_w])
            out[kbase + q] = np.float32((top + fy * (bot - top)) * a + b + sigma * table[offset + kbase + q])
    else:
        for q in range(q0, q1):
            y = y_row + m01 * q
            x = x_row + m11 * q
            y0 = int(y)
            x0 = int(x)
            fy = y - y0
            fx = x - x0
            i = y0 * n_w + x0
            top = src[i] + fx * (src[i + 1] - src[i])
            bot = src[i + n_w] + fx * (src[i + n_w + 1] - src[i + n_w])
            out[kbase + q] = np.float32((top + fy * (bot - top)) * a + b)


@jit(fastmath=True)
def _warp_run(src, out, n_w, n_c, y_row, x_row, m01, m11, q0, q1, kbase, a, b, sigma, table, offset):
    """Interior run of a multi-channel row (channels share the sampling weights)."""
    row = n_w * n_c
    for q in range(q0, q1):
        y = y_row + m01 * q
        x = x_row + m11 * q
        y0 = int(y)
        x0 = int(x)
        fy = y - y0
        fx = x - x0
        i = y0 * row + x0 * n_c
        k = kbase + q * n_c
        for c in range(n_c):
            top = src[i + c] + fx * (src[i + n_c + c] - src[i + c])
            bot = src[i + row + c] + fx * (src[i + row + n_c + c] - src[i + row + c])
            v = (top + fy * (bot - top)) * a + b
            if sigma != 0.0:
                v += sigma * table[offset + k + c]
            out[k + c] = np.float32(v)


@jit(fastmath=True)
def warp2d(src, out, n_h, n_w, n_c, matrix, mu, inv_sd, scale, shift, sigma, table, offset):
    """Images, flat (H·W·C): bilinear resampling through an affine map from output pixel
    (row, col) to source coordinates ``matrix @ (row, col, 1)``; points outside the
    source read as 0 *after* normalisation (the mean of a z-scored image), then the
    pointwise chain.

    Each output row is split into the interior run (all four neighbours inside: a
    branch-free loop, ~1.5x faster) and the border pixels (checked one by one)."""
    m00, m01, m02 = matrix[0, 0], matrix[0, 1], matrix[0, 2]
    m10, m11, m12 = matrix[1, 0], matrix[1, 1], matrix[1, 2]
    # Interpolate raw values, normalise once: inside, the weights sum to 1.
    a = inv_sd * scale
    b = shift - mu * a
    for r in range(n_h):
        y_row = m00 * r + m02
        x_row = m10 * r + m12
        qy0, qy1 = _interior(y_row, m01, n_h - 1.0, n_w)
        qx0, qx1 = _interior(x_row, m11, n_w - 1.0, n_w)
        q0 = max(qy0, qx0)
        q1 = min(qy1, qx1)
        if q1 < q0:
            q1 = q0
        for q in range(0, q0):
            _warp_border(src, out, n_h, n_w, n_c, r, q, y_row, x_row, m01, m11, mu, a, shift,
                         sigma, table, offset)
        if n_c == 1:
            _warp_run1(src, out, n_w, y_row, x_row, m01, m11, q0, q1, r * n_w, a, b, sigma,
                       table, offset)
        else:
            _warp_run(src, out, n_w, n_c, y_row, x_row, m01, m11, q0, q1, r * n_w * n_c, a, b,
                      sigma, table, offset)
        for q in range(q1, n_w):
            _warp_border(src, out, n_h, n_w, n_c, r, q, y_row, x_row, m01, m11, mu, a, shift,
                         sigma, table, offset)


@jit(fastmath=FINITE_SAFE)
def all_finite(x):
    """Whether every value of the flat array ``x`` is finite: its float64 sum is (float32
    values cannot overflow it), and one vectorised pass costs less than a compare each."""
    s = 0.0
    for k in range(x.size):
        s += np.float64(x[k])
    return math.isfinite(s)


@jit(fastmath=FINITE_SAFE)
def finite_rows(src, finite):
    """``finite[i]`` = whether every value of row i of ``src`` (N, size) is finite."""
    for i in range(src.shape[0]):
        finite[i] = all_finite(src[i])


@jit(fastmath=FINITE_SAFE)
def normalise_sample(x, out, code, mean, inv_std, eps, scale, shift, sigma, table, offset, check, moments):
    """out = the flat sample ``x`` normalised — code 0 none, 1 fixed ``mean``/``inv_std``,
    2 its own z-score — then the pointwise chain: ``sample_stats`` + ``pointwise`` in one
    dispatch, the second pass while the first left the sample in cache. ``out`` may be
    ``x``. Returns whether ``x`` was all finite: free with the z-score (its statistics),
    one more pass over the cached sample with a fixed normalisation and ``check``;
    True without ``check``.

    ``moments`` (float64 (2,)) memoises the z-score: when ``moments[1] > 0`` it holds this
    sample's (mean, 1/(SD + eps)) from an earlier call and the statistics pass is skipped;
    otherwise a finite sample's are stored there."""
    if code == 2:
        if moments[1] > 0.0:  # memoised, so the sample was finite then
            pointwise(x, out, float(moments[0]), float(moments[1]), scale, shift, sigma, table, offset)
            return True
        mu, sd = sample_stats(x)
        finite = math.isfinite(mu) and math.isfinite(sd)
        # float(): the same scalar types as the memoised call above (a no-op under the JIT;
        # without it a numpy float64 would promote the float32 arithmetic in one of them)
        mu, inv = float(mu), float(1.0 / (sd + eps))
        if finite:
            moments[0] = mu
            moments[1] = inv
    else:
        finite = all_finite(x) if check else True
        if code == 1:
            mu, inv = mean, inv_std
        else:
            mu, inv = 0.0, 1.0
    pointwise(x, out, mu, inv, scale, shift, sigma, table, offset)
    return finite


@jit(fastmath=FINITE_SAFE)
def normalise_rows(src, dst, code, mean, inv_std, eps, scale, shift, sigma, table, offset, check, finite):
    """``normalise_sample`` for every row of ``src`` (N, size) into ``dst``, with row i's
    ``scale``, ``shift`` and noise ``offset``; ``finite[i]`` is its result."""
    moments = np.zeros(2)
    for i in range(src.shape[0]):
        moments[1] = 0.0  # nothing memoised: each row's own statistics
        finite[i] = normalise_sample(src[i], dst[i], code, mean, inv_std, eps, scale[i], shift[i],
                                     sigma, table, offset[i], check, moments)


def f32_at(address, size):
    """The ``size`` float32 values at memory ``address`` as an array, no copy (the caller
    keeps the memory alive and readable). Plain Python here (what NUMBA_DISABLE_JIT=1
    runs); compiled kernels get the ``overload`` below."""
    return np.ctypeslib.as_array((ctypes.c_float * int(size)).from_address(int(address)))


@intrinsic
def _f32_pointer(typingctx, address):
    if not isinstance(address, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(types.CPointer(types.float32)))

    return types.CPointer(types.float32)(address), codegen


@overload(f32_at)
def _f32_at_jit(address, size):
    def impl(address, size):
        return numba.carray(_f32_pointer(address), size)

    return impl


@jit(fastmath=FINITE_SAFE)
def normalise_gather(addresses, slots, rows, out, code, mean, inv_std, eps, scale, shift, sigma, table,
                     offset, moments):
    """``normalise_sample`` of many samples in one dispatch: sample i, the float32 values
    at ``addresses[i]`` (a sample where it lies in a file's mapping), into
    ``out[slots[i]]`` with that slot's ``scale``, ``shift`` and noise ``offset``; its
    z-score statistics memoised in ``moments[rows[slots[i]]]``."""
    n = out.shape[1]
    for i in range(addresses.size):
        j = slots[i]
        # float()/int(): Python scalars as the per-sample wrapper passes them (no-ops when
        # compiled; in plain Python a numpy float64 would promote the float32 arithmetic)
        normalise_sample(f32_at(addresses[i], n), out[j], code, mean, inv_std, eps, float(scale[j]),
                         float(shift[j]), sigma, table, int(offset[j]), False, moments[rows[j]])

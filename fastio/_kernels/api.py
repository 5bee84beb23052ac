"""Validating wrappers around the numba kernels.

Every kernel writes into a caller-owned ``out`` (batch buffers are allocated once and
reused: fresh allocations page-fault heavily on these VMs). The wrappers check dtype,
shape and contiguity so a kernel never reads or writes out of bounds.
"""
from __future__ import annotations

import numpy as np

from fastio._kernels import kernels

__all__ = [
    "NORM_CODES",
    "normalise_params",
    "finite_rows",
    "normalise_sample",
    "normalise_rows",
    "normalise_gather",
    "pointwise",
    "shift1d",
    "warp2d",
    "check_table",
]

# Small integer codes so the per-sample hot path does no string work.
NORM_CODES = {"none": 0, "standardize": 1, "dataset_zscore": 1, "zscore": 2}
# ml4h adds a small epsilon to the SD of a per-image z-score so flat images stay finite.
ZSCORE_EPS = 1e-6


def _check_f32(name: str, arr: np.ndarray, ndim: int | None = None) -> None:
    if not isinstance(arr, np.ndarray) or arr.dtype != np.float32:
        raise ValueError(f"Expected {name} to be a float32 ndarray, got {getattr(arr, 'dtype', type(arr))}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"Expected {name} with {ndim} dimensions, got shape {arr.shape}")
    if not arr.flags.c_contiguous:
        raise ValueError(f"Expected {name} to be C-contiguous")


def check_table(table: np.ndarray, offset: int, size: int) -> None:
    """A noise table is a float32 vector; a sample reads ``table[offset:offset + size]``."""
    _check_f32("noise table", table, 1)
    if not 0 <= offset <= table.size - size:
        raise ValueError(f"Expected a noise offset in [0, {table.size - size}] for a sample of {size} "
                         f"values and a table of {table.size}, got {offset}")


def normalise_params(src: np.ndarray, code: int, mean: float, std: float) -> tuple[float, float]:
    """(mu, 1/sd) for one sample: fixed for ``standardize``/``dataset_zscore``, computed
    from the sample for ``zscore``, identity for ``none``."""
    if code == 0:
        return 0.0, 1.0
    if code == 1:
        return float(mean), 1.0 / float(std)
    if code == 2:
        _check_f32("sample", src)
        mu, sd = kernels.sample_stats(src.reshape(-1))
        return float(mu), 1.0 / (float(sd) + ZSCORE_EPS)
    raise ValueError(f"Expected a normalisation code in {sorted(set(NORM_CODES.values()))}, got {code!r}")


def _inv_std(code, std) -> float:
    if code not in (0, 1, 2):
        raise ValueError(f"Expected a normalisation code in [0, 1, 2], got {code!r}")
    return 1.0 / float(std) if code == 1 else 1.0


def normalise_sample(src, out, code, mean, std, scale=1.0, shift=0.0, sigma=0.0, table=None,
                     offset=0, check=False, moments=None) -> bool:
    """``out`` = ``src`` normalised as ``normalise_params`` says, then the ``pointwise``
    chain, in one kernel call (``out`` may be ``src``). Returns whether ``src`` was all
    finite — exact for the per-sample z-score (its statistics see every value) and for
    fixed normalisations with ``check=True`` (one more pass over the cached sample);
    True otherwise. ``moments``, a float64 (2,) array kept per sample (zeros at first),
    memoises the z-score's statistics: a caller that reads the same stored sample again
    (the next epoch) skips that pass."""
    _check_pair(src, out)
    inv_std = _inv_std(code, std)
    table = _noise_table(table, sigma, offset, src.size)
    if moments is None:
        moments = np.zeros(2)
    elif not (isinstance(moments, np.ndarray) and moments.dtype == np.float64 and moments.shape == (2,)
              and moments.flags.c_contiguous and moments.flags.writeable):
        raise ValueError(f"Expected moments as a writeable float64 array of shape (2,), got {moments!r}")
    return bool(kernels.normalise_sample(src.reshape(-1), out.reshape(-1), int(code), float(mean or 0.0),
                                         inv_std, ZSCORE_EPS, float(scale), float(shift), float(sigma),
                                         table, int(offset), bool(check), moments))


def finite_rows(src) -> np.ndarray:
    """(N,) bool: which samples of ``src`` (N, ...) hold only finite values (one pass,
    no temporaries)."""
    _check_f32("src", src)
    if src.ndim < 2:
        raise ValueError(f"Expected samples stacked along axis 0 (N, ...), got shape {src.shape}")
    finite = np.empty(src.shape[0], dtype=np.bool_)
    kernels.finite_rows(src.reshape(src.shape[0], -1), finite)
    return finite


def normalise_rows(src, out, code, mean, std, check=False) -> np.ndarray:
    """``normalise_sample`` for every sample of ``src`` (N, ...) into ``out`` (``src`` itself
    or not overlapping it), in one kernel call. Returns (N,) bool: which were all finite."""
    _check_f32("src", src)
    _check_f32("out", out)
    if src.ndim < 2 or out.shape != src.shape:
        raise ValueError(f"Expected src (N, ...) and out of the same shape, got {src.shape} and {out.shape}")
    if out is not src and np.may_share_memory(src, out):
        raise ValueError("Expected out to be src or not to overlap it")
    inv_std = _inv_std(code, std)
    n = src.shape[0]
    finite = np.empty(n, dtype=np.bool_)
    kernels.normalise_rows(src.reshape(n, -1), out.reshape(n, -1), int(code), float(mean or 0.0), inv_std,
                           ZSCORE_EPS, np.ones(n), np.zeros(n), 0.0, _noise_table(None, 0.0, 0, 0),
                           np.zeros(n, np.int64), bool(check), finite)
    return finite


def normalise_gather(addresses, slots, rows, out, code, mean, std, scale, shift, sigma=0.0, table=None,
                     offset=None, moments=None) -> None:
    """``normalise_sample`` for many samples read where they lie, in one kernel call (one
    dispatch per batch instead of one per sample): the sample at memory address
    ``addresses[i]`` (``out``'s sample size of float32 values, kept mapped by the caller
    for the call: a :class:`fastio.reader.ChunkReader`'s ``sample_address``) is written
    to batch slot ``slots[i]`` of ``out`` (B, ...), with that slot's ``scale[j]``,
    ``shift[j]`` and noise ``offset[j]``. ``moments`` (N, 2) float64, if given, memoises
    the z-score per stored row: slot j's in ``moments[rows[j]]``."""
    _check_f32("out", out)
    if out.ndim < 2:
        raise ValueError(f"Expected out with samples stacked along axis 0 (B, ...), got shape {out.shape}")
    b = out.shape[0]
    addresses = np.ascontiguousarray(addresses, dtype=np.int64).reshape(-1)
    slots = np.ascontiguousarray(slots, dtype=np.int64).reshape(-1)
    if slots.size != addresses.size or (slots.size and not (0 <= slots.min() and slots.max() < b)):
        raise ValueError(f"Expected one batch slot in [0, {b}) per address ({addresses.size}), got {slots}")
    if addresses.size and addresses.min() <= 0:
        raise ValueError(f"Expected memory addresses of mapped samples, got {addresses}")
    rows = np.ascontiguousarray(rows, dtype=np.int64).reshape(-1)
    scale = np.ascontiguousarray(scale, dtype=np.float64).reshape(-1)
    shift = np.ascontiguousarray(shift, dtype=np.float64).reshape(-1)
    offset = np.zeros(b, np.int64) if offset is None else np.ascontiguousarray(offset, dtype=np.int64).reshape(-1)
    if not rows.size == scale.size == shift.size == offset.size == b:
        raise ValueError(f"Expected rows, scale, shift and offset of {b} slots each, got "
                         f"{rows.size}, {scale.size}, {shift.size}, {offset.size}")
    size = int(np.prod(out.shape[1:]))
    if sigma and slots.size:
        table = _noise_table(table, sigma, int(offset[slots].max()), size)
        check_table(table, int(offset[slots].min()), size)
    else:
        table = _noise_table(table, sigma, 0, size)
    if moments is None:
        moments, rows = np.zeros((b, 2)), np.arange(b, dtype=np.int64)
    elif not (isinstance(moments, np.ndarray) and moments.dtype == np.float64 and moments.ndim == 2
              and moments.shape[1] == 2 and moments.flags.c_contiguous and moments.flags.writeable):
        raise ValueError(f"Expected moments as a writeable float64 array of shape (N, 2), got {moments!r}")
    elif slots.size and not (0 <= rows[slots].min() and rows[slots].max() < moments.shape[0]):
        raise ValueError(f"Expected rows in [0, {moments.shape[0]}), got {rows[slots]}")
    kernels.normalise_gather(addresses, slots, rows, out.reshape(b, -1), int(code), float(mean or 0.0),
                             _inv_std(code, std), ZSCORE_EPS, scale, shift, float(sigma), table, offset, moments)


def _check_pair(src: np.ndarray, out: np.ndarray, ndim: int | None = None,
                moves: str | None = None) -> None:
    """float32 C-contiguous ``src`` and ``out`` of one shape; ``moves`` names a transform
    that reads other positions than it writes, so it cannot run in place."""
    _check_f32("src", src, ndim)
    _check_f32("out", out, ndim)
    if src.shape != out.shape:
        raise ValueError(f"Expected out with shape {src.shape}, got {out.shape}")
    if moves and (out is src or np.may_share_memory(src, out)):
        raise ValueError(f"Expected out and src not to overlap ({moves} cannot run in place)")


def pointwise(src, out, mu, inv_sd, scale=1.0, shift=0.0, sigma=0.0, table=None, offset=0):
    """Normalise + intensity + noise, elementwise (``out`` may be ``src``)."""
    _check_pair(src, out)
    table = _noise_table(table, sigma, offset, src.size)
    kernels.pointwise(src.reshape(-1), out.reshape(-1), float(mu), float(inv_sd), float(scale),
                      float(shift), float(sigma), table, int(offset))
    return out


def shift1d(src, out, roll, chan_scale, mu, inv_sd, scale=1.0, shift=0.0, sigma=0.0,
            table=None, offset=0):
    """(T, C) signals: circular time shift + per-channel amplitude + pointwise chain."""
    _check_pair(src, out, 2, moves="a time shift")
    chan_scale = np.ascontiguousarray(chan_scale, dtype=np.float64)
    if chan_scale.shape != (src.shape[1],):
        raise ValueError(f"Expected chan_scale of shape ({src.shape[1]},), got {chan_scale.shape}")
    table = _noise_table(table, sigma, offset, src.size)
    n_t, n_c = src.shape
    kernels.shift1d(src.reshape(-1), out.reshape(-1), n_t, n_c, int(roll), chan_scale, float(mu), float(inv_sd), float(scale),
                    float(shift), float(sigma), table, int(offset))
    return out


def warp2d(src, out, matrix, mu, inv_sd, scale=1.0, shift=0.0, sigma=0.0, table=None, offset=0):
    """(H, W, C) images: affine bilinear resampling + pointwise chain."""
    _check_pair(src, out, 3, moves="a warp")
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    if matrix.shape != (2, 3):
        raise ValueError(f"Expected a (2, 3) affine matrix, got shape {matrix.shape}")
    table = _noise_table(table, sigma, offset, src.size)
    n_h, n_w, n_c = src.shape
    kernels.warp2d(src.reshape(-1), out.reshape(-1), n_h, n_w, n_c, matrix, float(mu), float(inv_sd), float(scale), float(shift),
                   float(sigma), table, int(offset))
    return out


_ZERO_TABLE = None


def _noise_table(table, sigma, offset, size):
    # Kernels take a table argument even when sigma == 0 (they never read it then); a
    # one-element zero table keeps the signature uniform without allocating per call.
    global _ZERO_TABLE
    if not sigma:
        if _ZERO_TABLE is None:
            _ZERO_TABLE = np.zeros(1, dtype=np.float32)
        return _ZERO_TABLE
    if table is None:
        raise ValueError("Expected a noise table when sigma != 0")
    check_table(table, int(offset), size)
    return table

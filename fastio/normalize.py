"""Normalise whole arrays exactly as the :class:`fastio.Loader` does per sample.

The loader's hot path (a sample its augmentation does not move) and this function call
the same kernel, so a tensor normalised here is bit-identical to the batch the loader
would have produced (what
:func:`zoo.embed` relies on to match a recipe's latents).
"""
from __future__ import annotations

import numpy as np

from fastio._kernels import api as _k
from fastio.spec import Normalization, parse_normalization

__all__ = ["normalize_samples", "nonfinite_samples"]


def normalize_samples(values: np.ndarray, normalization: Normalization | str | dict,
                      out: np.ndarray | None = None, what: str = "values") -> np.ndarray:
    """``values`` (N, ...) float32 → normalised float32 (N, ...), sample by sample, in
    one kernel call. A sample holding NaN or inf is an error naming it (``what`` says
    whose samples): the check rides on the normalisation's own pass over each sample.

    ``dataset_zscore`` needs cohort statistics: pass ``Normalization("standardize", mean,
    std)`` with them instead."""
    norm = parse_normalization(normalization)
    if norm.kind == "dataset_zscore":
        raise ValueError("Expected a normalisation with fixed numbers (zscore, standardize or none), got "
                         "dataset_zscore: pass standardize with the cohort's mean and std")
    values = np.ascontiguousarray(values, dtype=np.float32)
    if values.ndim < 2:
        raise ValueError(f"Expected samples stacked along axis 0 (N, ...), got shape {values.shape}")
    if out is None:
        out = np.empty_like(values)
    elif out.shape != values.shape or out.dtype != np.float32:
        raise ValueError(f"Expected out float32 of shape {values.shape}, got {out.dtype} {out.shape}")
    finite = _k.normalise_rows(values, out, _k.NORM_CODES[norm.kind], norm.mean, norm.std, check=True)
    if not finite.all():
        raise ValueError(f"{what}: samples {np.flatnonzero(~finite)[:10].tolist()} contain NaN/inf; "
                         "expected finite values")
    return out


def nonfinite_samples(values: np.ndarray) -> np.ndarray:
    """Indices of the samples of ``values`` (N, ...) float32 that hold NaN or inf (one
    pass over the data, no temporaries)."""
    values = np.ascontiguousarray(values, dtype=np.float32)
    if values.ndim < 2:
        raise ValueError(f"Expected samples stacked along axis 0 (N, ...), got shape {values.shape}")
    return np.flatnonzero(~_k.finite_rows(values))

"""How much of a tensor's variation the biology explains: the check that the phantom's
nuisance dominates unregistered tensors and that registration exposes the factors.

For each tensor: standardise pixels across subjects, take the top principal components,
regress each on the true factor values (truth.json) and report the variance-weighted
adjusted R². Registered tensors (MNI slice, median beat) should score well above their
unregistered counterparts (native slice, strip).
"""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from fastio.catalogue import get_spec
from fastio.spec import pick_instance
from zoo.phantom.truth import load_truth

__all__ = ["factor_r2", "pc_r2", "read_tensor_matrix"]


def read_tensor_matrix(root: str | Path, name: str, sample_ids, scale: str) -> tuple[np.ndarray, list[int]]:
    """(n_present, n_values) float32 of one tensor (instance rule of its spec), and the
    positions in ``sample_ids`` of the subjects that have it."""
    spec = get_spec(name, scale)
    rows, present = [], []
    for k, sid in enumerate(sample_ids):
        with h5py.File(Path(root) / "hd5" / f"{sid}.hd5", "r") as f:
            groups = spec.hdf5_groups()
            if not all(g in f for g in groups):
                continue
            parts = [f[g][pick_instance(f[g].keys(), spec.instance)][()] for g in groups]
        rows.append(np.stack(parts, axis=-1).ravel() if spec.per_channel else parts[0].ravel())
        present.append(k)
    if not rows:
        raise ValueError(f"{root}: expected some subjects with tensor {name}, found none")
    return np.asarray(rows, dtype=np.float32), present


def pc_r2(x: np.ndarray, design: np.ndarray, n_components: int = 20) -> float:
    """Variance-weighted adjusted R² of the top principal components of ``x`` (subjects ×
    values) regressed on ``design`` (subjects × variables, intercept added)."""
    x = np.asarray(x, np.float64)
    x = x - x.mean(axis=0)
    x /= x.std(axis=0) + 1e-6
    n, p = design.shape
    k = min(n_components, n - p - 2)
    if k < 1:
        raise ValueError(f"Expected more subjects than {p + 2}, got {n}")
    u, s = _top_components(x, k)
    full = np.column_stack([np.ones(n), design])
    beta, *_ = np.linalg.lstsq(full, u[:, :k], rcond=None)
    resid = u[:, :k] - full @ beta
    r2 = 1 - resid.var(axis=0) / u[:, :k].var(axis=0)
    adj = 1 - (1 - r2) * (n - 1) / (n - full.shape[1])
    w = s[:k] ** 2
    return float(np.sum(w * adj) / np.sum(w))


def _top_components(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The top ``k`` left singular vectors and singular values of ``x``. An image has far
    more values than there are subjects: there they come from the subjects' Gram matrix
    (x xᵀ = U S² Uᵀ), an n × n eigenproblem instead of an SVD of n × values — the same
    components (up to sign, which R² ignores) at a small fraction of the cost."""
    if x.shape[1] <= x.shape[0]:
        u, s, _ = np.linalg.svd(x, full_matrices=False)
        return u[:, :k], s[:k]
    eigenvalues, vectors = np.linalg.eigh(x @ x.T)
    top = np.argsort(eigenvalues)[::-1][:k]
    return vectors[:, top], np.sqrt(np.clip(eigenvalues[top], 0.0, None))


def factor_r2(root: str | Path, names, n: int | None = None, n_components: int = 20) -> dict[str, float]:
    """Variance-weighted adjusted R² of the top principal components on the factors."""
    truth = load_truth(root)
    ids = truth["sample_ids"][: n or None]
    factors = np.column_stack([np.asarray(v)[: len(ids)] for v in truth["subjects"]["factors"].values()])
    out = {}
    for name in names:
        x, present = read_tensor_matrix(root, name, ids, truth["scale"])
        try:
            out[name] = pc_r2(x, factors[present], n_components)
        except ValueError as exc:
            raise ValueError(f"{root}: tensor {name}: {exc}") from exc
    return out

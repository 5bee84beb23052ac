"""Variants with missing calls: the exact regression on the called samples.

plink2 (like OLS on complete cases) leaves a sample with a missing call out of that
variant's regression and re-fits the covariates on the samples that remain, so OBS_CT and
the residual df (OBS_CT − p − 1) vary per variant. The scan's one product per chunk,
``[y_r, Q]ᵀ g``, uses the covariate basis Q of all n samples. With g centred over the
called samples S and 0 at the missing ones M, that product still gives the called-sample
products ``yᵀ_r g`` and ``a = Qᵀ g``; what changes is the covariate projection. On S the
basis has Gram matrix ``A = Q_Sᵀ Q_S = I − WᵀW`` (W: Q's rows at the r missing samples)
and y_r is no longer orthogonal to it: ``Q_Sᵀ y_S = −Wᵀ y_M``. With P_S the residual
projection on S's covariates, everything follows from the Gram matrix of the missing rows
of ``[y_r, Q]`` — r (K + p)² work per variant, nothing over n:

    s = gᵀ P_S g     = ‖g‖² − aᵀ A⁻¹ a
    c = y_Sᵀ P_S g   = yᵀ_r g + (Wᵀ y_M)ᵀ A⁻¹ a
    T = y_Sᵀ P_S y_S = y_rᵀ y_r − y_Mᵀ y_M − (Wᵀ y_M)ᵀ A⁻¹ (Wᵀ y_M)

(y_r may stand in for y: they differ by a covariate combination, which P_S removes).
These are exactly the statistics of the OLS (and of the MANOVA) on the called samples.
Variants without missing calls keep the fast path (W empty: A = I, T = y_rᵀ y_r).
"""
from __future__ import annotations

import numpy as np

from zoo.evaluate.bedtables import MISSING
from zoo.evaluate.design import LatentModel

__all__ = ["missing_index", "called_products"]

# Variants per batch of Gram matrices: bounds the (batch, K + p, K + p) float64 buffer.
_BATCH = 1024


def missing_index(codes: np.ndarray, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, idx)``: rows of int8 ``codes`` (n, m) that are missing (-127), variant j's in
    ``idx[ptr[j]:ptr[j + 1]]`` (ascending); ``obs`` are the called counts per variant."""
    n = codes.shape[0]
    ptr = np.zeros(len(obs) + 1, np.int64)
    np.cumsum(n - np.asarray(obs, np.int64), out=ptr[1:])
    cols = np.flatnonzero(np.asarray(obs) < n)
    _, rows = np.nonzero(codes[:, cols].T == MISSING)
    return ptr, rows.astype(np.int64)


def called_products(model: LatentModel, cols: np.ndarray, ptr: np.ndarray, idx: np.ndarray,
                    yg: np.ndarray, qg: np.ndarray, sumsq: np.ndarray, *, sscp: bool = False
                    ) -> dict[str, np.ndarray]:
    """Called-sample ``s`` (t,), ``c`` (t, K) and diag(T) ``yy`` (t, K) — and with ``sscp``
    the whole ``T`` (t, K, K) — for the variants ``cols`` of a chunk (see module docstring).

    ``yg``/``qg``/``sumsq`` are the chunk's rows for ``cols``. A variant whose called
    samples leave the covariates rank deficient gets NaN (plink2 reports no test either).
    """
    # here, not at the top: only variants with missing calls need numba (and its set-up)
    from zoo.evaluate._kernels.genotypes import missing_gram

    k, p = model.n_dims, model.n_covariates
    stacked = model.stacked
    q0 = 1.0 / np.sqrt(model.n_samples)          # Q's intercept column (its sign is moot)
    t = len(cols)
    out = {"s": np.empty(t), "c": np.empty((t, k)), "yy": np.empty((t, k))}
    if sscp:
        out["T"] = np.empty((t, k, k))
        full = model.chol @ model.chol.T
    eye = np.eye(p)
    gram = np.empty((min(t, _BATCH), k + p, k + p))
    for a in range(0, t, _BATCH):
        b = min(a + _BATCH, t)
        g = gram[: b - a]
        missing_gram(stacked, q0, ptr, idx, np.ascontiguousarray(cols[a:b], np.int64), g)
        # basis order in g: [y_r (K), Q₁ (p − 1), intercept]; a = [Q₁ᵀg, 0]
        w_y = g[:, k:, :k]                                   # Wᵀ y_M (t, p, K)
        amat = eye - g[:, k:, k:]
        avec = np.zeros((b - a, p))
        avec[:, : p - 1] = qg[a:b]
        ok = positive_definite(amat, 1e-10)
        amat[~ok] = eye
        sol = np.linalg.solve(amat, np.concatenate([avec[:, :, None], w_y], axis=2))
        a_inv_a, a_inv_wy = sol[:, :, 0], sol[:, :, 1:]
        out["s"][a:b] = np.where(ok, sumsq[a:b] - np.einsum("ti,ti->t", avec, a_inv_a), np.nan)
        out["c"][a:b] = yg[a:b] + np.einsum("tik,ti->tk", w_y, a_inv_a)
        y_m = np.einsum("tkk->tk", g[:, :k, :k])
        out["yy"][a:b] = model.yy - y_m - np.einsum("tik,tik->tk", w_y, a_inv_wy)
        if sscp:
            tmat = full - g[:, :k, :k] - np.einsum("tik,til->tkl", w_y, a_inv_wy)
            # collinear latents on the called samples: no MANOVA (NaN), like the fast path
            scale = np.einsum("tkk->t", tmat)[:, None, None]
            tmat[~positive_definite(tmat / np.where(scale > 0, scale, 1.0), 1e-12)] = np.nan
            out["T"][a:b] = tmat
    return out


def positive_definite(mats: np.ndarray, tol: float) -> np.ndarray:
    """Per symmetric matrix of ``mats`` (t, q, q): smallest eigenvalue above ``tol``.

    A batched Cholesky bounds it cheaply: with every eigenvalue at most 1 (true of a
    basis' Gram matrix on a subset of its rows, and of T scaled by its trace), the
    determinant ∏ L_ii² is a lower bound on the smallest eigenvalue; only matrices that
    fail that bound (or the factorisation) get the eigenvalues computed.
    """
    ok = np.zeros(len(mats), bool)
    finite = np.isfinite(mats).all(axis=(1, 2))
    try:
        chol = np.linalg.cholesky(mats[finite])
        logdet = 2.0 * np.log(np.einsum("tii->ti", chol)).sum(axis=1)
        ok[finite] = logdet > np.log(tol)
    except np.linalg.LinAlgError:
        pass
    check = finite & ~ok
    if check.any():
        ok[check] = np.linalg.eigvalsh(mats[check])[:, 0] > tol
    return ok

"""Per-variant multivariate test across the K latent dimensions: Pillai's trace.

Adding one variant to a model with covariates is a one-degree-of-freedom hypothesis, so
the hypothesis SSCP matrix is rank one, ``H = b bᵀ / s`` with ``b = Y_rᵀ g`` and
``s = g_rᵀ g_r``, and ``H + E = T = Y_rᵀ Y_r`` (residual SSCP after covariates only).
Pillai's trace reduces to a scalar per variant,

    V = trace(H (H + E)⁻¹) = bᵀ T⁻¹ b / s = ‖L⁻¹ b‖² / s      (T = L Lᵀ),

and with one hypothesis df its F approximation is exact:
``F = V / (1 − V) · (df_e − K + 1) / K`` on ``(K, df_e − K + 1)`` df, df_e = n − p − 1.
All variants of a chunk are handled by one triangular solve. A variant with missing calls
is tested on its called samples, with its own T and df_e (``pillai_from_sscp``; see
``called.py``).
"""
from __future__ import annotations

import numpy as np

from zoo.evaluate.pvalues import f_upper

__all__ = ["pillai_from_products", "pillai_from_sscp", "pillai_trace"]


def pillai_from_products(yg: np.ndarray, ss: np.ndarray, chol: np.ndarray,
                         df_resid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pillai's V, F and p for each variant from ``yg = Y_rᵀ g`` (K, m) and ``ss`` (m,).

    Returns NaN where the variant is constant after covariates or the latents are collinear.
    """
    k = yg.shape[0]
    df2 = df_resid - k + 1
    if df2 <= 0:
        raise ValueError(f"Expected more residual df than latent dimensions for MANOVA, "
                         f"got df_e={df_resid} with K={k}")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = _forward_solve(chol, np.asarray(yg, np.float64))
        v = np.einsum("ij,ij->j", z, z) / ss
    return _f_test(v, ss, k, df2)


def _forward_solve(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``L z = b`` for lower-triangular ``chol`` (K, K) and ``b`` (K, m), row by row (K is
    a few dozen): scipy.linalg's triangular solve would cost 0.04 CPU-s to import on
    ``zoo gwas``'s path. A NaN factor (collinear latents) gives NaN."""
    z = np.empty_like(b)
    for i in range(chol.shape[0]):
        z[i] = (b[i] - chol[i, :i] @ z[:i]) / chol[i, i]
    return z


def pillai_from_sscp(c: np.ndarray, ss: np.ndarray, sscp: np.ndarray, df_resid: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pillai's V, F and p per variant, each with its own residual SSCP ``sscp`` (m, K, K),
    positive definite or NaN, and residual df ``df_resid`` (m,): ``V = cᵀ T⁻¹ c / s`` with
    ``c`` (m, K), ``ss`` (m,). NaN where T is NaN or df_e < K.
    """
    m, k = c.shape
    v = np.full(m, np.nan)
    good = np.isfinite(sscp).all(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.linalg.solve(sscp[good], c[good][:, :, None])[:, :, 0]
        v[good] = np.einsum("tk,tk->t", c[good], z) / ss[good]
    df2 = np.asarray(df_resid, np.float64) - k + 1
    df2[df2 <= 0] = np.nan
    return _f_test(v, ss, k, df2)


def _f_test(v, ss, k, df2):
    """F approximation of Pillai's V (exact with one hypothesis df) on (K, df2) df."""
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.clip(v, 0.0, 1.0)
        f = v / (1.0 - v) * (df2 / k)
        p = f_upper(k, df2, f)
    bad = ~(ss > 0)
    v[bad] = f[bad] = p[bad] = np.nan
    return v, f, p


def pillai_trace(y: np.ndarray, g: np.ndarray, covariates: np.ndarray | None = None
                 ) -> tuple[float, float, float]:
    """Reference: Pillai's trace, F and p of one variant ``g`` on outcomes ``y`` (n, K).

    Straight from the SSCP matrices (intercept added to ``covariates``); used in tests and
    for single variants, not for scanning.
    """
    y = np.asarray(y, np.float64)
    n, k = y.shape
    design = np.ones((n, 1)) if covariates is None else np.column_stack([np.ones(n), covariates])
    full = np.column_stack([design, g])

    def resid_sscp(x):
        beta, *_ = np.linalg.lstsq(x, y, rcond=None)
        e = y - x @ beta
        return e.T @ e

    e_full = resid_sscp(full)
    h = resid_sscp(design) - e_full
    v = float(np.trace(h @ np.linalg.inv(h + e_full)))
    df_e = n - full.shape[1]
    df2 = df_e - k + 1
    f = v / (1 - v) * df2 / k
    return v, f, float(f_upper(k, df2, f))

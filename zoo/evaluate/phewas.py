"""PheWAS-style counts: how many diseases does a latent space associate with?

For each binary phenotype the covariates-only logistic model is fitted once; the latent
dimensions are then tested by **score (Rao) tests**, which need no refit: per dimension
(1 df) and jointly (all K dimensions, K df). With μ the null fitted probabilities,
W = diag(μ(1 − μ)) and r = y − μ:

    U = Xᵀ r,    I = Xᵀ W X − Xᵀ W C (Cᵀ W C)⁻¹ Cᵀ W X,    χ² = Uᵀ I⁻¹ U

so every dimension of every latent space is tested with a few matrix products instead of
K × P logistic fits. A phenotype counts as associated when its joint p is below
α / (number of phenotypes) (Bonferroni); dimension-level associations use α / (K · P).

The score tests are only as good as the null fit. A phenotype whose covariates separate
cases from controls (some fitted probabilities reach 0 or 1 while the coefficients grow
without bound) or whose Newton iterations do not converge gets no test (NaN): its null-fit
status is in the table, and ``phewas_counts`` names it, instead of a p-value from the last
iterate.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["logistic_score_tests", "phewas_table", "phewas_counts", "NULL_FIT_OK"]

NULL_FIT_OK = "converged"
# A fitted probability this close to 0 or 1 in a fit that does not converge: separation.
_SATURATED = 1e-8


def _null_fit(y: np.ndarray, design: np.ndarray, max_iter: int = 50
              ) -> tuple[np.ndarray, str]:
    """Fitted probabilities of the covariates-only logistic model (Newton–Raphson) and the
    fit's status: ``"converged"`` (the Newton step fell below 1e-10 relative to the
    coefficients), ``"separation"`` (no convergence, fitted probabilities at 0 or 1) or
    ``"not converged"`` (no convergence in ``max_iter`` steps otherwise)."""
    beta = np.zeros(design.shape[1])
    converged = False
    for _ in range(max_iter):
        mu = special.expit(design @ beta)
        w = mu * (1 - mu)
        step = np.linalg.lstsq(design * w[:, None] ** 0.5,
                               (y - mu) / np.maximum(w, 1e-12) ** 0.5, rcond=None)[0]
        beta += step
        if not np.isfinite(beta).all():
            break
        if np.abs(step).max() < 1e-10 * (1.0 + np.abs(beta).max()):
            converged = True
            break
    mu = special.expit(design @ beta)
    if converged:
        return mu, NULL_FIT_OK
    saturated = not np.isfinite(mu).all() or np.minimum(mu, 1 - mu).min() < _SATURATED
    return mu, "separation" if saturated else "not converged"


def logistic_score_tests(y: np.ndarray, x: np.ndarray, covariates: np.ndarray | None = None
                         ) -> dict[str, np.ndarray | float | int]:
    """Score tests of the columns of ``x`` (n, K) added to ``y ~ 1 + covariates`` (logistic).

    Returns per-dimension ``chi2``/``p`` (K,), the joint ``chi2_joint``, ``df_joint``
    and ``p_joint`` of all K dimensions together, and ``null_fit``, the null model's status
    (``"converged"``, or ``"separation"``/``"not converged"`` with every statistic NaN).
    """
    y = np.asarray(y, np.float64)
    x = np.asarray(x, np.float64)
    if not set(np.unique(y)) <= {0.0, 1.0} or len(np.unique(y)) < 2:
        raise ValueError(f"Expected a binary 0/1 phenotype with both classes, got values "
                         f"{np.unique(y)[:5]}")
    n = len(y)
    design = np.ones((n, 1)) if covariates is None else np.column_stack([np.ones(n), covariates])
    mu, status = _null_fit(y, design)
    if status != NULL_FIT_OK:
        nan = np.full(x.shape[1], np.nan)
        return {"chi2": nan, "p": nan.copy(), "chi2_joint": np.nan, "df_joint": 0,
                "p_joint": np.nan, "null_fit": status}
    sw = np.sqrt(mu * (1 - mu))
    q, _ = np.linalg.qr(design * sw[:, None])
    xw = x * sw[:, None]
    xw_r = xw - q @ (q.T @ xw)
    info = xw_r.T @ xw_r
    u = x.T @ (y - mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = u * u / np.diag(info)
    # Collinear latent dimensions: the pseudo-inverse tests the space they span.
    evals, evecs = np.linalg.eigh(info)
    keep = evals > 1e-10 * max(evals.max(), 1e-300)
    z = evecs[:, keep].T @ u
    chi2_joint = float(np.sum(z * z / evals[keep]))
    df = int(keep.sum())
    return {"chi2": chi2, "p": special.chdtrc(1, chi2), "chi2_joint": chi2_joint,
            "df_joint": df, "p_joint": float(special.chdtrc(df, chi2_joint)),
            "null_fit": status}


def phewas_table(spaces: dict[str, pd.DataFrame], phenotypes: pd.DataFrame,
                 binary: list[str], covariates: pd.DataFrame | None = None,
                 alpha: float = 0.05) -> pd.DataFrame:
    """One row per (space, phenotype): joint χ², df, p, smallest per-dimension p, counts,
    and the null fit's status (``null_fit``; statistics NaN unless ``"converged"``).

    Samples with a missing phenotype or covariate are dropped for that phenotype.
    """
    rows = []
    for name, latents in spaces.items():
        for pheno in binary:
            if pheno not in phenotypes.columns:
                raise ValueError(f"Expected binary phenotype column {pheno!r}, got "
                                 f"{list(phenotypes.columns)[:10]}")
            ids = latents.index.intersection(phenotypes[pheno].dropna().index, sort=False)
            if covariates is not None:
                ids = ids.intersection(covariates.index, sort=False)
            test = logistic_score_tests(
                phenotypes.loc[ids, pheno].to_numpy(), latents.loc[ids].to_numpy(),
                None if covariates is None else covariates.loc[ids].to_numpy())
            k, n_pheno = latents.shape[1], len(binary)
            ok = test["null_fit"] == NULL_FIT_OK
            rows.append({"space": name, "phenotype": pheno, "n": len(ids), "k": k,
                         "chi2": test["chi2_joint"], "df": test["df_joint"], "p": test["p_joint"],
                         "min_dim_p": float(np.nanmin(test["p"])) if ok else np.nan,
                         "n_dims_significant": int((test["p"] < alpha / (k * n_pheno)).sum()),
                         "null_fit": test["null_fit"]})
    return pd.DataFrame(rows)


def phewas_counts(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per space: phenotypes associated (joint p < α / P) and dimension–phenotype pairs
    associated (per-dimension p < α / (K · P), already counted in ``table``), with the
    phenotypes whose null fit failed named in ``null_fit_failed`` (and not tested); P counts
    every phenotype, tested or not."""
    if not 0 < alpha < 1:
        raise ValueError(f"Expected 0 < alpha < 1, got {alpha}")
    out = []
    for name, group in table.groupby("space", sort=False):
        n_pheno = len(group)
        failed = group[group["null_fit"] != NULL_FIT_OK]
        out.append({"space": name, "n_phenotypes": n_pheno,
                    "n_tested": n_pheno - len(failed),
                    "n_associated": int((group["p"] < alpha / n_pheno).sum()),
                    "n_dim_associations": int(group["n_dims_significant"].sum()),
                    "bonferroni_alpha": alpha / n_pheno,
                    "null_fit_failed": "; ".join(f"{r.phenotype} ({r.null_fit})"
                                                 for r in failed.itertuples())})
    return pd.DataFrame(out)

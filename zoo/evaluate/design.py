"""The regression design shared by every variant: covariates residualised once.

For each latent dimension y_k and variant g the model is ``y_k = a + C b + beta g + e``.
By Frisch–Waugh–Lovell, beta and its residual sum of squares follow from the residuals
of y_k and g on ``[1, C]``. With Q an orthonormal basis of ``[1, C]``:

    y_r = y - Q Qᵀ y                 (once, for all K dimensions)
    yᵀ_r g_r = yᵀ_r g                 (y_r is already orthogonal to Q)
    gᵀ_r g_r = gᵀ g - ‖Qᵀ g‖²

so one matrix product ``[y_r, Q]ᵀ G`` per chunk of variants gives every per-dimension
statistic and the multivariate (Pillai) test. This module builds ``[y_r, Q]`` and the
per-dimension constants; ``gwas.py`` streams the genotypes through it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.evaluate.defaults import DTYPES
from zoo.evaluate.sampletable import SampleTable, read_covariate_table

__all__ = ["LatentModel", "prepare_model", "read_covariates", "parse_covar_names"]


def parse_covar_names(text: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"age,sex,PC1-PC3"`` -> ('age', 'sex', 'PC1', 'PC2', 'PC3'); ranges like plink2."""
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else list(text)
    names: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if "-" in item:
            lo, hi = item.split("-", 1)
            stem_lo, stem_hi = lo.rstrip("0123456789"), hi.rstrip("0123456789")
            if stem_lo and stem_lo == stem_hi and lo != stem_lo and hi != stem_hi:
                first, last = int(lo[len(stem_lo):]), int(hi[len(stem_hi):])
                if last < first:
                    raise ValueError(f"Expected an increasing covariate range, got {item!r}")
                names += [f"{stem_lo}{i}" for i in range(first, last + 1)]
                continue
        names.append(item)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        # A covariate twice is a rank-deficient design; the evident intent is "once".
        warnings.warn(f"covariates {repeated} named more than once; each is used once", stacklevel=2)
    return tuple(dict.fromkeys(names))


def read_covariates(path: str | Path, names: tuple[str, ...] | list[str] | str):
    """Covariate columns ``names`` of a phenotype table, float64, indexed by sample id
    (a ``pandas.DataFrame``; ``sampletable.read_covariate_table`` without pandas).

    Rows with a missing covariate are dropped (complete cases, as plink2 does).
    """
    return read_covariate_table(path, parse_covar_names(names)).to_frame()


@dataclass(frozen=True, eq=False)
class LatentModel:
    """Per-cohort state of a latent GWAS: aligned samples and residualised phenotypes.

    ``stacked`` is ``[y_r, Q₁]`` (n × (K + p − 1)) in the scan dtype, Q₁ being Q without its
    intercept column, so one product with a chunk of centred genotypes yields ``yᵀ_r g``
    (first K columns) and ``Qᵀ g`` (the rest; the intercept's share of a centred g is 0).
    """

    sample_ids: np.ndarray          # (n,) str, in .fam order
    sample_index: np.ndarray        # (n,) int64 rows of the .fam
    pheno_names: tuple[str, ...]    # K latent column names
    covar_names: tuple[str, ...]
    stacked: np.ndarray             # (n, K + p) float32/float64, C order
    yy: np.ndarray                  # (K,) float64 residual sum of squares of y_r
    chol: np.ndarray                # (K, K) float64 lower Cholesky factor of y_rᵀ y_r
    n_covariates: int               # p, intercept included

    @property
    def n_samples(self) -> int:
        return int(self.sample_ids.shape[0])

    @property
    def n_dims(self) -> int:
        return len(self.pheno_names)

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom of one variant's model: n − p − 1."""
        return self.n_samples - self.n_covariates - 1


def prepare_model(latents, covariates, fam_ids, *, dtype: str = "float32",
                  source: str = "latents") -> LatentModel:
    """Align latents, covariates and the .fam samples; residualise once (see ``_prepare``).
    ``latents`` and ``covariates`` (or None): ``SampleTable``s or DataFrames indexed by
    sample id."""
    from threadpoolctl import threadpool_limits

    # These products are skinny (n × ≤ 30): one BLAS thread is as fast, and on a busy
    # machine a second, spinning OpenBLAS thread made them 4× slower.
    with threadpool_limits(limits=1, user_api="blas"):
        return _prepare(_table(latents), None if covariates is None else _table(covariates),
                        fam_ids, dtype=dtype, source=source)


def _table(table) -> SampleTable:
    return table if isinstance(table, SampleTable) else SampleTable.from_frame(table)


def _positions(ids: np.ndarray, source: str, what: str) -> dict[str, int]:
    """Row of each id; an id twice is an error."""
    rows: dict[str, int] = {}
    for i, sample in enumerate(ids.tolist()):
        if rows.setdefault(sample, i) != i:
            raise ValueError(f"{source}: expected one row per sample in the {what}, got "
                             f"sample {sample!r} twice")
    return rows


def _prepare(latents: SampleTable, covariates: SampleTable | None,
             fam_ids, *, dtype: str, source: str) -> LatentModel:
    """Align latents, covariates and the .fam samples; residualise once.

    ``fam_ids`` are the IIDs of the .fam in file order. Samples missing from any of the
    three are left out; fewer than K + p + 2 remaining samples is an error.
    """
    if dtype not in DTYPES:
        raise ValueError(f"Expected dtype in {DTYPES}, got {dtype!r}")
    fam = np.asarray(fam_ids).astype(str)
    if len(set(fam.tolist())) != len(fam):
        raise ValueError(f"{source}: expected unique IIDs in the .fam file, got duplicates")
    if all(t is None or np.array_equal(t.ids, fam) for t in (latents, covariates)):
        # the tables list the .fam's samples in its order (the common case): no lookups
        keep = lat_index = cov_index = np.arange(len(fam), dtype=np.int64)
    else:
        lat_rows = _positions(latents.ids, source, "latents")
        cov_rows = (None if covariates is None else
                    _positions(covariates.ids, source, "covariates"))
        keep = np.array([i for i, sample in enumerate(fam.tolist()) if sample in lat_rows
                         and (cov_rows is None or sample in cov_rows)], dtype=np.int64)
        lat_index = np.array([lat_rows[sample] for sample in fam[keep].tolist()], np.int64)
        cov_index = (None if cov_rows is None else
                     np.array([cov_rows[sample] for sample in fam[keep].tolist()], np.int64))
    k = latents.shape[1]
    p = 1 + (0 if covariates is None else covariates.shape[1])
    if len(keep) < k + p + 2:
        raise ValueError(f"{source}: expected at least {k + p + 2} samples shared by the .fam, "
                         f"latents and covariates, got {len(keep)}")
    y = latents.values[lat_index]
    design = np.ones((len(keep), p))
    if covariates is not None:
        design[:, 1:] = covariates.values[cov_index]
    # Scale columns first so rank detection does not depend on covariate units.
    scale = np.linalg.norm(design, axis=0)
    scale[scale == 0] = 1.0
    q, r = np.linalg.qr(design / scale)
    diag = np.abs(np.diag(r))
    if diag.min() < 1e-8 * max(diag.max(), 1.0):
        raise ValueError(f"{source}: expected linearly independent covariates (with the "
                         f"intercept), got a rank-deficient design")
    y_r = y - q @ (q.T @ y)
    yy = np.einsum("ij,ij->j", y_r, y_r)
    if (yy <= 1e-12 * max(float(np.abs(y).max()) ** 2, 1.0) * len(keep)).any():
        dead = [latents.names[j] for j in np.flatnonzero(yy <= 1e-12 * len(keep))]
        raise ValueError(f"{source}: expected latent dimensions that vary after covariates, "
                         f"got constant {dead[:5]}")
    try:
        chol = np.linalg.cholesky(y_r.T @ y_r)
        # Rounding can let an exactly singular Gram matrix through with a ~0 pivot.
        singular = np.diag(chol).min() ** 2 <= 1e-10 * yy.max()
    except np.linalg.LinAlgError:
        singular = True
    if singular:
        # Collinear latents: the MANOVA is undefined and reported as NaN; the per-dimension
        # tests do not need the joint covariance and stay valid.
        warnings.warn(f"{source}: latent dimensions are collinear (e.g. identical columns); "
                      f"the MANOVA (Pillai) test is undefined and reported as NaN", stacklevel=2)
        chol = np.full((k, k), np.nan)
    # Q's first column is the intercept direction (QR keeps the span of the leading column);
    # genotypes are centred exactly over these samples, so its product with them is zero
    # and the column is left out of the per-chunk product.
    stacked = np.ascontiguousarray(np.hstack([y_r, q[:, 1:]]), dtype=dtype)
    return LatentModel(
        sample_ids=fam[keep],
        sample_index=keep,
        pheno_names=latents.names,
        covar_names=() if covariates is None else covariates.names,
        stacked=stacked, yy=yy, chol=chol, n_covariates=p,
    )

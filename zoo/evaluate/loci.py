"""Genomic control and loci: from per-variant p-values to counted, truth-checked loci.

A *locus* is a lead variant (smallest p below the threshold) plus the significant variants
it absorbs: by distance (same chromosome, within ``window`` bp) or, optionally, by linkage
disequilibrium (within the window *and* r² above a threshold, from the genotypes).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from zoo.evaluate.bedfile import open_bfile
from zoo.evaluate.columns import ColumnTable
from zoo.evaluate.defaults import GENOME_WIDE, WINDOW
from zoo.evaluate import pvalues

__all__ = ["genomic_control", "clump_distance", "clump_ld", "gwas_loci", "gwas_summary",
           "match_loci", "match_leads", "null_rate", "read_truth", "GENOME_WIDE", "WINDOW"]



def genomic_control(p: np.ndarray) -> float:
    """λ_GC: median 1-df χ² of the p-values over its expected median (NaNs ignored)."""
    p = np.asarray(p, np.float64).ravel()
    p = p[np.isfinite(p)]
    if p.size == 0:
        raise ValueError("Expected at least one finite p-value for λ_GC, got none")
    # 1-df χ² quantile as a squared normal quantile: exact, precise for tiny p, and far
    # faster than scipy.stats.chi2.isf. The quantile falls as p rises, so the median of
    # the quantiles is that of the middle p-value(s): two quantiles, not millions.
    middle = np.partition(p, [(p.size - 1) // 2, p.size // 2])[[(p.size - 1) // 2, p.size // 2]]
    chi2 = pvalues.normal_quantile(middle[: 2 - p.size % 2] / 2.0) ** 2
    # 0.4549…, the χ²(1) median (scipy.stats costs ~1 s to import)
    return float(np.mean(chi2) / pvalues.special.chdtri(1, 0.5))


def _check(variants, p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, np.float64)
    if p.shape != (len(variants),):
        raise ValueError(f"Expected one p-value per variant ({len(variants)}), got shape {p.shape}")
    for col in ("#CHROM", "POS", "ID"):
        if col not in variants.columns:
            raise ValueError(f"Expected variant columns '#CHROM POS ID', got {list(variants.columns)}")
    return p


_LOCUS_COLUMNS = {"#CHROM": str, "POS": np.int64, "ID": str, "P": np.float64,
                  "N_VARIANTS": np.int64, "START": np.int64, "END": np.int64, "INDEX": np.int64}


def _clump(variants, p, threshold, window, absorb) -> ColumnTable:
    """Loci of ``variants`` (a DataFrame or ``ColumnTable``) as a ``ColumnTable``."""
    p = _check(variants, p)
    if isinstance(variants, ColumnTable):    # codes: the .bim's text not converted row by row
        chrom, names = variants.codes("#CHROM")
    else:
        names, chrom = np.unique(np.asarray(variants["#CHROM"]).astype(str), return_inverse=True)
    pos = np.asarray(variants["POS"]).astype(np.int64)
    sig = np.flatnonzero(np.nan_to_num(p, nan=1.0) < threshold)
    order = sig[np.argsort(p[sig], kind="stable")]
    free = np.zeros(len(p), bool)
    free[sig] = True
    rows = []
    for lead in order:
        if not free[lead]:
            continue
        near = sig[(chrom[sig] == chrom[lead]) & (np.abs(pos[sig] - pos[lead]) <= window) & free[sig]]
        members = near[absorb(lead, near)] if near.size else near
        if not (members == lead).any():      # not np.union1d: np.unique imports numpy.ma
            members = np.append(members, lead)   # (10 ms on zoo gwas's last stretch)
        free[members] = False
        lead_id = (variants.item("ID", lead) if isinstance(variants, ColumnTable)
                   else np.asarray(variants["ID"])[lead])
        rows.append((str(names[chrom[lead]]), int(pos[lead]), str(lead_id), float(p[lead]),
                     int(members.size), int(pos[members].min()), int(pos[members].max()),
                     int(lead)))
    return ColumnTable({name: np.array([r[i] for r in rows], dtype=kind)
                        for i, (name, kind) in enumerate(_LOCUS_COLUMNS.items())})


def clump_distance(variants, p: np.ndarray, *, threshold: float = GENOME_WIDE,
                   window: int = WINDOW, frame: bool = True):
    """Loci by distance: each lead absorbs every significant variant within ``window`` bp.
    A DataFrame, or with ``frame=False`` a ``ColumnTable`` (no pandas)."""
    if window < 0:
        raise ValueError(f"Expected a window >= 0 bp, got {window}")
    loci = _clump(variants, p, threshold, window, lambda lead, near: np.ones(near.size, bool))
    return loci.to_pandas() if frame else loci


def clump_ld(variants, p: np.ndarray, bfile: str | Path, *,
             threshold: float = GENOME_WIDE, window: int = WINDOW, r2: float = 0.1,
             sample_index: np.ndarray | None = None, variant_offset: int = 0,
             frame: bool = True):
    """Loci by LD: a lead absorbs significant variants within ``window`` bp with r² ≥ ``r2``
    (a DataFrame, or with ``frame=False`` a ``ColumnTable``).

    Genotypes come from ``bfile`` (row ``variant_offset + i`` of the .bim for ``variants``
    row i; missing calls mean-imputed); ``sample_index`` restricts the samples.
    """
    if not 0 <= r2 <= 1:
        raise ValueError(f"Expected 0 <= r2 <= 1, got {r2}")
    bed = open_bfile(bfile)
    rows = slice(None) if sample_index is None else np.asarray(sample_index)

    def dosages(idx):
        x = bed.read(index=np.s_[rows, variant_offset + np.asarray(idx)], dtype="float64")
        x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
        return x - x.mean(axis=0)

    def absorb(lead, near):
        x = dosages(np.concatenate([[lead], near]))
        norms = np.sqrt((x * x).sum(axis=0))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (x[:, 1:].T @ x[:, 0]) / (norms[1:] * norms[0])
        return np.nan_to_num(r * r) >= r2

    loci = _clump(variants, p, threshold, window, absorb)
    return loci.to_pandas() if frame else loci


def gwas_loci(result, *, threshold: float = GENOME_WIDE, window: int = WINDOW,
              min_maf: float = 0.0, ld_r2: float | None = None, bfile: str | Path | None = None,
              sample_index: np.ndarray | None = None, frames: bool = True) -> dict:
    """The loci of one GWAS (a ``zoo.evaluate.gwas.GwasResult``) over the variants with
    minor-allele frequency >= ``min_maf``: ``"min_p"`` (each variant's minimum p over the
    latent dimensions, Bonferroni over K) and, when the MANOVA ran, ``"manova"``. Clumped
    by distance, or with ``ld_r2`` by LD from ``bfile`` (over ``sample_index``, default
    the result's samples). DataFrames, or with ``frames=False`` ``ColumnTable``s."""
    common = result.common(min_maf)

    def clump(p):
        if ld_r2 is None:
            return clump_distance(result.variants, p, threshold=threshold, window=window,
                                  frame=frames)
        if not bfile:
            raise ValueError(f"Expected a PLINK fileset to clump by LD (r2 {ld_r2}), got {bfile!r}")
        return clump_ld(result.variants, p, bfile, threshold=threshold, window=window, r2=ld_r2,
                        sample_index=result.sample_index if sample_index is None else sample_index,
                        frame=frames)

    loci = {"min_p": clump(np.where(common, result.min_p(), np.nan))}
    if "p_manova" in result.stats:
        loci["manova"] = clump(np.where(common, result.stats["p_manova"], np.nan))
    return loci


def gwas_summary(result, *, threshold: float = GENOME_WIDE, window: int = WINDOW,
                 ld_r2: float | None = None, bfile: str | Path | None = None,
                 sample_index: np.ndarray | None = None, min_maf: float = 0.0,
                 frames: bool = True) -> tuple[dict, dict]:
    """λ_GC per dimension and overall and the loci of :func:`gwas_loci`, all over the same
    variants (those with minor-allele frequency >= ``min_maf``): ``zoo gwas``'s
    ``summary.json`` and its loci tables (DataFrames, or with ``frames=False``
    ``ColumnTable``s: ``zoo gwas`` runs without pandas)."""
    common = result.common(min_maf)
    loci = gwas_loci(result, threshold=threshold, window=window, min_maf=min_maf, ld_r2=ld_r2,
                     bfile=bfile, sample_index=sample_index, frames=frames)
    manova = result.stats.get("p_manova")
    summary = {
        "n_samples": result.n_samples, "n_variants": int(len(result.variants)),
        "n_dims": len(result.pheno_names),
        # λ_GC on the variants that loci are counted on (rare ones excluded from both)
        "n_variants_counted": int(common.sum()),
        "lambda_gc": genomic_control(result.p[common]),
        "lambda_gc_per_dim": {name: genomic_control(result.p[common, j])
                              for j, name in enumerate(result.pheno_names)},
        # None (JSON null) when the MANOVA is undefined (collinear latents: all p NaN)
        "lambda_gc_manova_chi2": (genomic_control(manova[common])
                                  if manova is not None and np.isfinite(manova[common]).any()
                                  else None),
        "n_loci": {kind: int(len(frame)) for kind, frame in loci.items()},
        "threshold": threshold, "window": window, "ld_r2": ld_r2, "min_maf": min_maf,
    }
    return summary, loci


def read_truth(path: str | Path, factors: list[str] | tuple[str, ...] | None = None):
    """Distinct causal variants of a ``truth.json``: columns ``ID #CHROM POS``.

    ``causal_variants`` is a list of objects with ``id`` and ``chromosome``/``chrom`` and
    ``position``/``pos`` (the phantom writes one entry per factor a variant affects; a
    variant is counted once). ``factors`` keeps only entries whose ``factor`` is listed.
    A ``pandas.DataFrame``.
    """
    import pandas as pd     # here: the rest of the module serves zoo gwas, which runs without it

    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: expected a readable truth.json, got {err}") from err
    causal = data.get("causal_variants") if isinstance(data, dict) else None
    if not isinstance(causal, list):
        raise ValueError(f"{path}: expected a 'causal_variants' list, got keys "
                         f"{list(data)[:8] if isinstance(data, dict) else type(data).__name__}")
    if factors is not None:
        causal = [c for c in causal if isinstance(c, dict) and c.get("factor") in set(factors)]
    try:
        frame = pd.DataFrame({
            "ID": [str(c.get("id", "")) for c in causal],
            "#CHROM": [str(c["chromosome"] if "chromosome" in c else c["chrom"]) for c in causal],
            "POS": [int(c["position"] if "position" in c else c["pos"]) for c in causal]})
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{path}: expected causal variants with 'chromosome'/'chrom' and "
                         f"'position'/'pos', got {causal[:1]}") from err
    return frame.drop_duplicates(["#CHROM", "POS"], ignore_index=True)


def match_loci(loci, truth, *, window: int = WINDOW) -> dict:
    """Recall and precision of loci against true causal variants.

    A true variant and a locus match when they share a chromosome and the variant lies
    within ``window`` bp of the locus span [START, END]. Recall: share of true variants
    matched by some locus; precision: share of loci matching some true variant.
    """
    if len(loci) and len(truth):
        same = (np.asarray(loci["#CHROM"]).astype(str)[:, None]
                == np.asarray(truth["#CHROM"]).astype(str)[None, :])
        pos = np.asarray(truth["POS"]).astype(np.int64)[None, :]
        inside = ((pos >= np.asarray(loci["START"]).astype(np.int64)[:, None] - window)
                  & (pos <= np.asarray(loci["END"]).astype(np.int64)[:, None] + window))
        hit = same & inside                          # (loci, truth)
    else:
        hit = np.zeros((len(loci), len(truth)), bool)
    found, true_pos = hit.any(axis=0), hit.any(axis=1)
    return {"n_true": int(len(truth)), "n_loci": int(len(loci)),
            "recovered": int(found.sum()), "true_positive_loci": int(true_pos.sum()),
            "recall": float(found.mean()) if len(truth) else float("nan"),
            "precision": float(true_pos.mean()) if len(loci) else float("nan")}


def match_leads(loci, truth, *, window: int) -> dict:
    """``match_loci`` on lead variants alone: a locus is true only if its lead lies within
    ``window`` bp of a true variant (a wide clump span cannot make it true)."""
    leads = loci.assign(START=loci["POS"], END=loci["POS"]) if len(loci) else loci
    return match_loci(leads, truth, window=window)


def null_rate(variants, truth, *, window: int,
              mask: np.ndarray | None = None) -> float:
    """The chance rate of ``match_leads``: the fraction of variants (those where ``mask``)
    lying within ``window`` bp of some true variant on their chromosome."""
    if window < 0:
        raise ValueError(f"Expected a window >= 0 bp, got {window}")
    chrom = np.asarray(variants["#CHROM"]).astype(str)
    pos = np.asarray(variants["POS"]).astype(np.int64)
    keep = np.ones(len(pos), bool) if mask is None else np.asarray(mask, bool)
    if keep.shape != pos.shape:
        raise ValueError(f"Expected one mask value per variant ({len(pos)}), got {keep.shape}")
    if not keep.any():
        raise ValueError("Expected at least one variant for the null rate, got none")
    near = np.zeros(len(pos), bool)
    t_chrom = np.asarray(truth["#CHROM"]).astype(str)
    t_pos = np.asarray(truth["POS"]).astype(np.int64)
    for c in np.unique(t_chrom):
        sites = np.sort(t_pos[t_chrom == c])
        on = np.flatnonzero(chrom == c)
        i = np.searchsorted(sites, pos[on])
        left = np.abs(pos[on] - sites[np.clip(i - 1, 0, len(sites) - 1)])
        right = np.abs(sites[np.clip(i, 0, len(sites) - 1)] - pos[on])
        near[on] = np.minimum(left, right) <= window
    return float(near[keep].mean())

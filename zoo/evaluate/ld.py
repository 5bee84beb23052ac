"""How far linkage disequilibrium reaches in a cohort: the window that decides whether a
GWAS lead variant "is" a causal one.

``ld_decay`` reads the genotypes of a PLINK fileset, pairs every variant with the ones up
to ``max_offset`` positions further along its chromosome, and averages r² in distance
bins; ``ld_window`` is the shortest distance beyond which mean r² stays below a
threshold, clipped to a range. Matching a lead to a causal variant within that window,
rather than a fixed 500 kb, makes a chance match as rare as LD allows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from zoo.evaluate.bedfile import open_bfile

__all__ = ["ld_decay", "ld_window"]


def ld_decay(bfile, *, max_distance: int = 1_000_000, bin_size: int = 25_000,
             max_offset: int = 200, max_variants: int = 20_000, min_maf: float = 0.05,
             seed: int = 0) -> pd.DataFrame:
    """Mean r² between variant pairs per distance bin: columns ``lo hi n_pairs mean_r2``.

    Up to ``max_variants`` variants (a contiguous run per chromosome, chosen reproducibly
    from ``seed``) with MAF ≥ ``min_maf``; missing calls are mean-imputed.
    """
    if bin_size < 1 or max_distance < bin_size:
        raise ValueError(f"Expected 1 <= bin_size <= max_distance, got {bin_size} and {max_distance}")
    bed = open_bfile(bfile)
    chrom = np.asarray(bed.chromosome).astype(str)
    pos = np.asarray(bed.bp_position, np.int64)
    keep = np.arange(len(pos))
    if len(keep) > max_variants:
        start = int(np.random.default_rng(seed).integers(0, len(keep) - max_variants + 1))
        keep = keep[start:start + max_variants]
    x = bed.read(index=np.s_[:, keep], dtype="float32")
    x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    freq = x.mean(axis=0) / 2
    common = np.minimum(freq, 1 - freq) >= min_maf
    keep, x = keep[common], x[:, common]
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-12)
    chrom, pos = chrom[keep], pos[keep]
    edges = np.arange(0, max_distance + bin_size, bin_size)
    sums = np.zeros(len(edges) - 1)
    counts = np.zeros(len(edges) - 1, np.int64)
    n = z.shape[0]
    for k in range(1, min(max_offset, z.shape[1] - 1) + 1):
        same = chrom[k:] == chrom[:-k]
        dist = pos[k:] - pos[:-k]
        use = same & (dist < max_distance)
        if not use.any():
            continue
        r = np.einsum("ij,ij->j", z[:, :-k][:, use], z[:, k:][:, use]) / n
        b = np.minimum(dist[use] // bin_size, len(sums) - 1)
        np.add.at(sums, b, r * r)
        np.add.at(counts, b, 1)
    with np.errstate(invalid="ignore"):
        mean = sums / counts
    return pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "n_pairs": counts, "mean_r2": mean})


def ld_window(decay: pd.DataFrame, *, r2: float = 0.1, lo: int = 100_000, hi: int = 250_000,
              n_samples: int | None = None) -> int:
    """The shortest distance (bp) beyond which every bin's mean r² stays below ``r2`` (above
    the sampling floor 1/n when ``n_samples`` is given), clipped to [``lo``, ``hi``]."""
    if not 0 < r2 < 1 or lo > hi:
        raise ValueError(f"Expected 0 < r2 < 1 and lo <= hi, got r2={r2}, lo={lo}, hi={hi}")
    floor = 1.0 / n_samples if n_samples else 0.0
    valid = decay[decay["n_pairs"] > 0]
    above = valid["mean_r2"].to_numpy() - floor >= r2
    if not above.any():
        return int(lo)
    reach = int(valid["hi"].to_numpy()[np.flatnonzero(above).max()])
    return int(min(max(reach, lo), hi))

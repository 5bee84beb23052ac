"""Every measure of one latent space trained with one seed, on the shared samples.

Phenotype scores use ``zoo.evaluate.phenotypes`` (folds drawn from the seed and the
phenotype name only, so every space and training seed is scored on identical splits and
pair differences are paired); PheWAS counts use ``zoo.evaluate.phewas``; the latent GWAS
uses ``zoo.evaluate.gwas`` and counts loci by ``gwas_measures``. A locus is true only when
its lead variant lies within the LD window of a causal variant of the tensor's *own*
factors, and the null rate — the fraction of tested variants that would match by chance —
is kept next to every precision.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from zoo.evaluate.compare import gwas_measures
from zoo.evaluate.gwas import GwasConfig, run_gwas
from zoo.evaluate.loci import match_leads, null_rate
from zoo.evaluate.phenotypes import CvConfig, score_latents
from zoo.evaluate.phewas import phewas_counts, phewas_table

__all__ = ["own_truth", "measure_space"]


def own_truth(truth: dict, factors) -> pd.DataFrame:
    """Causal variants of the listed factors: columns ``ID #CHROM POS``."""
    keep = set(factors)
    rows = [c for c in truth["causal_variants"] if c["factor"] in keep]
    frame = pd.DataFrame({"ID": [str(c["id"]) for c in rows], "#CHROM": [str(c["chrom"]) for c in rows],
                          "POS": [int(c["pos"]) for c in rows]})
    return frame.drop_duplicates(["#CHROM", "POS"], ignore_index=True)


def measure_space(name: str, latents: pd.DataFrame, phenotypes: pd.DataFrame, kinds: dict[str, str],
                  covariates: pd.DataFrame, cv: CvConfig, *, bfile: str, truth_variants: pd.DataFrame,
                  window: int, threshold: float, min_maf: float, gwas: bool = True) -> dict:
    """Scores (long table rows), PheWAS counts and GWAS loci with recall, precision and
    null rate for one latent space (``latents`` indexed by the shared sample ids)."""
    if not latents.index.equals(phenotypes.index):
        raise ValueError(f"{name}: expected latents on the shared samples ({len(phenotypes)}), got "
                         f"{len(latents)} rows in another order")
    scores = score_latents({name: latents}, phenotypes, kinds, cv)
    binary = [c for c, k in kinds.items() if k == "binary" and c not in covariates.columns]
    out = {"scores": scores.to_dict(orient="list"), "phewas": {}}
    if binary:  # none when every disease is too rare to score in a small cohort
        counts = phewas_counts(phewas_table({name: latents}, phenotypes, binary, covariates)).iloc[0]
        out["phewas"] = {"n_associated": int(counts["n_associated"]), "n_phenotypes": int(counts["n_phenotypes"]),
                         "n_dim_associations": int(counts["n_dim_associations"])}
    if not gwas:
        return out
    result = run_gwas(bfile, latents, covariates, GwasConfig(progress=False))
    row, loci = gwas_measures(result, threshold=threshold, window=window, truth=None, min_maf=min_maf)
    common = result.common(min_maf)
    record = {"lambda_gc": float(row["lambda_gc"]), "n_true": int(len(truth_variants)),
              "null_rate": null_rate(result.variants, truth_variants, window=window, mask=common),
              "n_tested": int(common.sum())}
    for kind, frame in loci.items():
        score = match_leads(frame, truth_variants, window=window)
        record.update({f"loci_{kind}": int(len(frame)), f"true_loci_{kind}": score["true_positive_loci"],
                       f"recall_{kind}": score["recall"],
                       f"precision_{kind}": None if np.isnan(score["precision"]) else score["precision"]})
    out["gwas"] = record
    return out

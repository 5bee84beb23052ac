"""zoo.evaluate: compare latent spaces by phenotype prediction, PheWAS counts and latent GWAS.

Never imports Keras or TensorFlow. Sub-modules are imported on first attribute access so
``import zoo.evaluate`` does no work.

    from zoo.evaluate import read_latents, read_covariates, run_gwas, GwasConfig
    latents = read_latents("hidden_ecg_rest_v1.tsv")            # sample_id latent_0 ...
    covar = read_covariates("phenotypes.csv", "age,sex,PC1-PC10")
    result = run_gwas("genotypes", latents, covar, GwasConfig())  # PLINK prefix
    result.write("gwas_out")      # plink2-style long TSV + per-variant MANOVA table

Command lines: ``zoo gwas`` (``cli_gwas``) and ``zoo compare`` (``cli_compare``).
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "read_latents": "latents",
    "write_latents": "latents",
    "align_samples": "latents",
    "GwasConfig": "gwas",
    "LatentModel": "design",
    "prepare_model": "design",
    "GwasResult": "gwas",
    "scan_genotypes": "gwas",
    "run_gwas": "gwas",
    "read_covariates": "design",
    "open_bfile": "bedfile",
    "read_truth": "loci",
    "summarise_scores": "phenotypes",
    "phewas_table": "phewas",
    "logistic_score_tests": "phewas",
    "CompareConfig": "compare",
    "write_comparison": "report",
    "simulate_cohort": "simulate",
    "pillai_trace": "manova",
    "genomic_control": "loci",
    "clump_distance": "loci",
    "clump_ld": "loci",
    "match_loci": "loci",
    "match_leads": "loci",
    "null_rate": "loci",
    "ld_decay": "ld",
    "ld_window": "ld",
    "corrected_resampled_ttest": "resampled",
    "CvConfig": "phenotypes",
    "make_folds": "phenotypes",
    "score_latents": "phenotypes",
    "compare_pairs": "phenotypes",
    "roc_auc": "phenotypes",
    "phewas_counts": "phewas",
    "build_comparison": "compare",
    "write_plink_phenotypes": "export",
    "write_regenie_phenotypes": "export",
    "variant_blocks": "export",
    "run_gwas_dask": "export",
    "manhattan_plot": "plots",
    "qq_plot": "plots",
    "score_bar_chart": "plots",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

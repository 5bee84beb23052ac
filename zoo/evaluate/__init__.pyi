"""The public names of ``zoo.evaluate``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from .bedfile import open_bfile
from .compare import CompareConfig, build_comparison
from .design import LatentModel, prepare_model, read_covariates
from .export import run_gwas_dask, variant_blocks, write_plink_phenotypes, write_regenie_phenotypes
from .gwas import GwasConfig, GwasResult, run_gwas, scan_genotypes
from .latents import align_samples, read_latents, write_latents
from .ld import ld_decay, ld_window
from .loci import (
    clump_distance,
    clump_ld,
    genomic_control,
    match_leads,
    match_loci,
    null_rate,
    read_truth,
)
from .manova import pillai_trace
from .phenotypes import (
    CvConfig,
    compare_pairs,
    make_folds,
    roc_auc,
    score_latents,
    summarise_scores,
)
from .phewas import logistic_score_tests, phewas_counts, phewas_table
from .plots import manhattan_plot, qq_plot, score_bar_chart
from .report import write_comparison
from .resampled import corrected_resampled_ttest
from .simulate import simulate_cohort

__all__ = [
    "CompareConfig", "CvConfig", "GwasConfig", "GwasResult", "LatentModel", "align_samples",
    "build_comparison", "clump_distance", "clump_ld", "compare_pairs",
    "corrected_resampled_ttest", "genomic_control", "ld_decay", "ld_window",
    "logistic_score_tests", "make_folds", "manhattan_plot", "match_leads", "match_loci",
    "null_rate", "open_bfile", "phewas_counts", "phewas_table", "pillai_trace",
    "prepare_model", "qq_plot", "read_covariates", "read_latents", "read_truth", "roc_auc",
    "run_gwas", "run_gwas_dask", "scan_genotypes", "score_bar_chart", "score_latents",
    "simulate_cohort", "summarise_scores", "variant_blocks", "write_comparison",
    "write_latents", "write_plink_phenotypes", "write_regenie_phenotypes",
]

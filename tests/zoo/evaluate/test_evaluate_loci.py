"""Loci are counted at common variants only: a variant with a single carrier can give an
extreme multivariate statistic that is not a locus. λ_GC is computed on the same variants."""
import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.loci import gwas_summary
from zoo.evaluate.compare import gwas_measures
from zoo.evaluate.gwas import GwasResult


def _result(a1_freq, p_manova, p=None):
    m = len(a1_freq)
    variants = pd.DataFrame({"#CHROM": ["1"] * m, "POS": np.arange(m) * 1_000_000 + 1,
                             "ID": [f"v{i}" for i in range(m)], "REF": "A", "ALT": "C", "A1": "C"})
    p = np.full((m, 2), 0.5) if p is None else np.asarray(p, float)
    stats = {"p": p, "beta": p, "se": p, "t": p, "obs": np.full(m, 100),
             "a1_freq": np.asarray(a1_freq, float), "pillai": p[:, 0], "F": p[:, 0],
             "p_manova": np.asarray(p_manova, float)}
    return GwasResult(variants=variants, pheno_names=("latent_0", "latent_1"), n_samples=100,
                      stats=stats)


def test_rare_variants_are_not_counted_as_loci():
    # v0 common and significant, v1 rare (one carrier in 500) and significant, v2 null;
    # a frequency near 1 is as rare as one near 0.
    result = _result([0.30, 0.001, 0.40, 0.999], [1e-20, 1e-30, 0.3, 1e-12])
    assert result.common(0.01).tolist() == [True, False, True, False]
    everything, _ = gwas_measures(result, threshold=5e-8, window=500_000, truth=None)
    common, loci = gwas_measures(result, threshold=5e-8, window=500_000, truth=None, min_maf=0.01)
    assert everything["loci_manova"] == 3
    assert common["loci_manova"] == 1 and loci["manova"]["ID"].tolist() == ["v0"]


def test_min_maf_is_validated():
    with pytest.raises(ValueError, match="min_maf"):
        _result([0.3], [0.1]).common(0.7)


def test_lambda_gc_on_the_variants_counted():
    """Known answer: every common variant has p = 0.5, the χ² median, so λ_GC over them is
    exactly 1; the rare variants' tiny p-values would inflate it (to 17.1 here)."""
    freq = [0.30, 0.001, 0.40, 0.999, 0.2, 0.0005]
    p = np.full((6, 2), 0.5)
    p[[1, 3, 5]] = 1e-4
    p_manova = np.where(np.isin(np.arange(6), [1, 3, 5]), 1e-4, 0.5)
    result = _result(freq, p_manova, p)
    row, _ = gwas_measures(result, threshold=5e-8, window=500_000, truth=None, min_maf=0.01)
    assert row["lambda_gc"] == pytest.approx(1.0, rel=1e-12)
    assert row["n_variants_counted"] == 3
    everything, _ = gwas_measures(result, threshold=5e-8, window=500_000, truth=None)
    assert everything["lambda_gc"] > 10 and everything["n_variants_counted"] == 6
    summary, _ = gwas_summary(result, threshold=5e-8, window=500_000, ld_r2=None, bfile="",
                              min_maf=0.01)
    assert summary["lambda_gc"] == pytest.approx(1.0, rel=1e-12)
    assert summary["lambda_gc_manova_chi2"] == pytest.approx(1.0, rel=1e-12)
    assert summary["lambda_gc_per_dim"] == pytest.approx({"latent_0": 1.0, "latent_1": 1.0})
    assert summary["n_variants_counted"] == 3 and summary["min_maf"] == 0.01

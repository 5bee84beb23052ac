"""λ_GC, distance and LD clumping, recall/precision against truth; loci are counted at
common variants only (a variant with a single carrier can give an extreme multivariate
statistic that is not a locus), and λ_GC on the same variants."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from zoo.evaluate.compare import gwas_measures
from zoo.evaluate.gwas import GwasResult
from zoo.evaluate.loci import (clump_distance, clump_ld, genomic_control, gwas_summary,
                               match_loci, read_truth)


def _variants(chrom, pos):
    return pd.DataFrame({"#CHROM": chrom, "POS": pos, "ID": [f"v{i}" for i in range(len(pos))]})


def test_lambda_gc_known_values():
    rng = np.random.default_rng(0)
    assert genomic_control(rng.uniform(size=200_000)) == pytest.approx(1.0, abs=0.02)
    # χ² inflated by 1.2 -> λ = 1.2
    chi2 = 1.2 * stats.chi2.rvs(1, size=200_000, random_state=1)
    assert genomic_control(stats.chi2.sf(chi2, 1)) == pytest.approx(1.2, abs=0.03)
    assert genomic_control([0.5, np.nan, 0.5]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="finite"):
        genomic_control([np.nan])


def test_distance_clumping():
    v = _variants(["1"] * 6 + ["2"] * 2, [100, 200, 900_000, 950_000, 5_000_000, 5_100_000, 100, 600_000])
    p = np.array([1e-9, 1e-12, 1e-8 / 2, 0.5, 1e-10, 0.01, 1e-20, 1e-9])
    loci = clump_distance(v, p, window=500_000)
    # leads in p order: v6 (chr2:100), v1 (chr1:200, absorbs v0), v4 (chr1:5 Mb), v7 (chr2:600 kb,
    # more than 500 kb from v6), v2 (chr1:900 kb, more than 500 kb from v1)
    assert list(loci["ID"]) == ["v6", "v1", "v4", "v7", "v2"]
    assert loci.set_index("ID").loc["v1", "N_VARIANTS"] == 2
    assert len(clump_distance(v, p, window=1_000_000)) == 3
    assert len(clump_distance(v, np.full(8, 0.1))) == 0
    with pytest.raises(ValueError, match="one p-value per variant"):
        clump_distance(v, p[:3])


def test_ld_clumping_separates_independent_signals(tmp_path):
    from bed_reader import to_bed

    rng = np.random.default_rng(5)
    n = 400
    a = rng.integers(0, 3, n)
    b = rng.integers(0, 3, n)
    noisy = a.copy()
    flip = rng.random(n) < 0.05
    noisy[flip] = rng.integers(0, 3, flip.sum())
    geno = np.column_stack([a, noisy, b]).astype(np.int8)
    to_bed(tmp_path / "ld.bed", geno, properties={
        "chromosome": ["1"] * 3, "bp_position": [1000, 2000, 3000], "sid": ["a", "a2", "b"]})
    v = _variants(["1"] * 3, [1000, 2000, 3000])
    p = np.array([1e-12, 1e-10, 1e-9])
    by_distance = clump_distance(v, p, window=10_000)
    by_ld = clump_ld(v, p, tmp_path / "ld", window=10_000, r2=0.5)
    assert len(by_distance) == 1
    assert list(by_ld["ID"]) == ["v0", "v2"]             # a2 is in LD with a; b is not
    assert by_ld.iloc[0]["N_VARIANTS"] == 2


def test_match_loci_and_truth(tmp_path):
    truth_path = tmp_path / "truth.json"
    truth_path.write_text(json.dumps({"causal_variants": [
        {"id": "x", "chromosome": "1", "position": 1_000_000},
        {"id": "y", "chromosome": "2", "position": 5_000_000}]}))
    truth = read_truth(truth_path)
    loci = pd.DataFrame({"#CHROM": ["1", "3"], "POS": [1_200_000, 10], "START": [1_100_000, 10],
                         "END": [1_300_000, 10]})
    score = match_loci(loci, truth, window=250_000)
    assert score == {"n_true": 2, "n_loci": 2, "recovered": 1, "true_positive_loci": 1,
                     "recall": 0.5, "precision": 0.5}
    assert match_loci(loci, truth, window=50_000)["recovered"] == 0
    assert np.isnan(match_loci(loci.iloc[:0], truth)["precision"])
    phantom_style = tmp_path / "phantom.json"
    phantom_style.write_text(json.dumps({"causal_variants": [
        {"id": "a", "chrom": 1, "pos": 10, "factor": "body_size"},
        {"id": "a", "chrom": 1, "pos": 10, "factor": "adiposity"},
        {"id": "b", "chrom": 2, "pos": 20, "factor": "heart_rate"}]}))
    assert read_truth(phantom_style)[["ID", "#CHROM", "POS"]].values.tolist() == [
        ["a", "1", 10], ["b", "2", 20]]
    assert list(read_truth(phantom_style, factors=["heart_rate"])["ID"]) == ["b"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"effects": []}))
    with pytest.raises(ValueError, match="causal_variants"):
        read_truth(bad)


def _result(a1_freq, p_manova, p=None):
    m = len(a1_freq)
    variants = pd.DataFrame({"#CHROM": ["1"] * m, "POS": np.arange(m) * 1_000_000 + 1,
                             "ID": [f"v{i}" for i in range(m)], "REF": "A", "ALT": "C", "A1": "C"})
    p = np.full((m, 2), 0.5) if p is None else np.asarray(p, float)
    values = {"p": p, "beta": p, "se": p, "t": p, "obs": np.full(m, 100),
             "a1_freq": np.asarray(a1_freq, float), "pillai": p[:, 0], "F": p[:, 0],
             "p_manova": np.asarray(p_manova, float)}
    return GwasResult(variants=variants, pheno_names=("latent_0", "latent_1"), n_samples=100,
                      stats=values)


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


def test_precision_comes_with_its_chance_rate():
    """``null_rate`` is the share of counted variants within the window of a true one:
    variants at 1, 1e6+1, 2e6+1, 3e6+1 bp; v1 is rare; truth at 1.2 Mb and 3.1 Mb with a
    300 kb window -> v0 (1.2 Mb away) no, v2 (0.8 Mb) no, v3 (0.1 Mb) yes: 1 of 3."""
    result = _result([0.30, 0.001, 0.40, 0.2], [1e-20, 0.3, 0.3, 0.3])
    truth = pd.DataFrame({"ID": ["a", "b"], "#CHROM": ["1", "1"], "POS": [1_200_000, 3_100_000]})
    row, _ = gwas_measures(result, threshold=5e-8, window=300_000, truth=truth, min_maf=0.01)
    assert row["null_rate"] == pytest.approx(1 / 3)
    assert row["precision_manova"] == 0.0 and row["loci_manova"] == 1
    plain, _ = gwas_measures(result, threshold=5e-8, window=300_000, truth=None, min_maf=0.01)
    assert "null_rate" not in plain

"""Genotypes and biology: LD, frequency spectrum, structure, heritability, GWAS recovery."""
from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from zoo.phantom.biology import FACTORS, Factor
from zoo.phantom.genotypes import GenotypeModel, genetic_pcs, simulate_genotypes
from zoo.phantom.phenotypes import BINARY, make_phenotypes
from zoo.phantom.plink import write_plink


def _standardise(x):
    x = x.astype(np.float64)
    x -= x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    return x / sd


def _gwas(dosage, y):
    """Plain least-squares per variant: t statistic and two-sided p value."""
    n = len(y)
    x = dosage.astype(np.float64) - dosage.mean(axis=0)
    yc = y - y.mean()
    sxx = (x * x).sum(axis=0)
    beta = x.T @ yc / sxx
    resid = (yc * yc).sum() - beta**2 * sxx
    se = np.sqrt(resid / (n - 2) / sxx)
    t = beta / se
    return t, 2 * stats.t.sf(np.abs(t), n - 2)


def test_ld_decays_with_distance(genetics):
    geno, _ = genetics
    sel = geno.chrom <= 3
    x = _standardise(geno.dosage[:, sel])
    r2 = (x.T @ x / len(x)) ** 2
    pos, chrom = geno.pos[sel], geno.chrom[sel]
    dist = np.abs(pos[:, None] - pos[None, :])
    same = (chrom[:, None] == chrom[None, :]) & ~np.eye(len(pos), dtype=bool)
    edges = [0, 10e3, 30e3, 100e3, 1e6]
    means = [r2[same & (dist > lo) & (dist <= hi)].mean() for lo, hi in zip(edges[:-1], edges[1:])]
    assert all(a > b for a, b in zip(means, means[1:])), means
    assert means[0] > 0.1  # neighbouring variants are in real LD
    assert means[-1] < 0.01  # distant ones are not (chance r² ≈ 1/n = 0.0005)


def test_frequency_spectrum_and_structure(genetics):
    geno, _ = genetics
    p = geno.allele_freq()
    maf = np.minimum(p, 1 - p)
    # the neutral 1/p spectrum: rare variants are common, yet every bin is represented
    assert 0.25 < np.mean(maf < 0.05) < 0.75
    assert np.mean(maf > 0.3) > 0.05
    pcs = genetic_pcs(geno, k=10, seed=0)
    assert pcs.shape == (2000, 10)
    # the top PCs separate the simulated populations
    groups = [pcs[geno.population == k, :2] for k in np.unique(geno.population)]
    f_stat, p_val = stats.f_oneway(*[g[:, 0] for g in groups])
    assert p_val < 1e-20


def test_model_validation():
    with pytest.raises(ValueError, match="fst"):
        GenotypeModel(fst=0.0)
    with pytest.raises(ValueError, match="h2"):
        Factor("x", 1.5, 3)
    assert GenotypeModel.from_dict(GenotypeModel().to_dict()) == GenotypeModel()
    with pytest.raises(ValueError, match="at least 2"):
        simulate_genotypes(1, 100, np.random.default_rng(0))


def test_realised_heritability_matches_target(genetics):
    geno, bio = genetics
    n = geno.n_samples
    realised = bio.realised_h2()
    for k, f in enumerate(bio.factors):
        # delta-method SE of Vg / (Vg + Ve) from two independent sample variances
        se = 2 * f.h2 * (1 - f.h2) / np.sqrt(n)
        assert abs(realised[k] - f.h2) < 4 * se, (f.name, realised[k], f.h2)
        # a regression on the causal genotypes recovers the realised value; it differs by
        # the chance covariance of g and e (SE 2*sqrt(h2(1-h2)/n)) plus overfit (~p/n)
        x = np.column_stack([np.ones(n), geno.dosage[:, bio.causal_index[k]]])
        y = bio.values[:, k]
        beta, *_ = np.linalg.lstsq(x, y, rcond=None)
        r2 = 1 - np.var(y - x @ beta) / np.var(y)
        tol = 4 * 2 * np.sqrt(f.h2 * (1 - f.h2) / n) + 3 * x.shape[1] / n
        assert abs(r2 - realised[k]) < tol, (f.name, r2, realised[k])


def test_gwas_recovers_causal_loci(genetics):
    geno, bio = genetics
    n = geno.n_samples
    p = geno.allele_freq()
    tested = 0
    for k, f in enumerate(bio.factors):
        _, pval = _gwas(geno.dosage, bio.values[:, k])
        idx, beta = bio.causal_index[k], bio.causal_effect[k]
        ncp = n * beta**2 * 2 * p[idx] * (1 - p[idx]) / bio.values[:, k].var()
        strong = idx[ncp > 60]  # expected chi² > 60: power ~1 at p < 1e-8
        assert np.all(pval[strong] < 1e-8), (f.name, pval[strong])
        tested += len(strong)
        # every genome-wide hit sits near one of the factor's causal variants
        for j in np.flatnonzero(pval < 1e-8):
            near = (geno.chrom[idx] == geno.chrom[j]) & (np.abs(geno.pos[idx] - geno.pos[j]) < 300_000)
            assert near.any(), (f.name, geno.variant_id[j])
    assert tested >= 20  # the check covers a good share of the 86 causal variants


def test_phenotypes_follow_design(genetics):
    geno, bio = genetics
    pcs = genetic_pcs(geno, k=10, seed=0)
    ids = [str(i) for i in range(geno.n_samples)]
    df = make_phenotypes(ids, bio, pcs, np.random.default_rng(0))
    assert list(df.columns[:13]) == ["sample_id", "age", "sex"] + [f"PC{i}" for i in range(1, 11)]
    assert np.corrcoef(df["height"], bio.factor("body_size"))[0, 1] > 0.35
    assert np.corrcoef(df["bmi"], bio.factor("adiposity"))[0, 1] > 0.9
    assert np.corrcoef(df["qrs_duration"], bio.factor("conduction"))[0, 1] > 0.7
    assert df["height"].groupby(df["sex"]).mean().diff().iloc[-1] > 8  # men taller by ~13 cm
    n = len(df)
    for name, (prev, _) in BINARY.items():
        assert set(df[name].unique()) <= {0, 1}
        assert abs(df[name].mean() - prev) < 5 * np.sqrt(prev * (1 - prev) / n), name


def test_plink2_glm_agrees_with_numpy(genetics, plink2, tmp_path):
    geno, bio = genetics
    ids = [f"S{i}" for i in range(geno.n_samples)]
    write_plink(tmp_path / "g", geno, ids, bio.sex)
    pheno = pd.DataFrame({"#FID": ids, "IID": ids, "body_size": bio.factor("body_size")})
    pheno.to_csv(tmp_path / "p.tsv", sep="\t", index=False)
    cmd = [plink2, "--bfile", str(tmp_path / "g"), "--pheno", str(tmp_path / "p.tsv"),
           "--glm", "allow-no-covars", "--chr", "1-2", "--out", str(tmp_path / "r"), "--threads", "1"]
    subprocess.run(cmd, check=True, capture_output=True)
    res = pd.read_csv(tmp_path / "r.body_size.glm.linear", sep="\t")
    sel = np.flatnonzero(geno.chrom <= 2)
    t, _ = _gwas(geno.dosage[:, sel], bio.factor("body_size"))
    ours = pd.Series(t, index=geno.variant_id[sel])
    res = res.set_index("ID")
    alt = pd.Series(geno.alt[sel], index=geno.variant_id[sel])[res.index]
    ref = pd.Series(geno.ref[sel], index=geno.variant_id[sel])[res.index]
    # plink2 reads our .bim column 5 as ALT and counts either ALT or REF (its A1)
    assert (res["ALT"] == alt).all() and (res["REF"] == ref).all()
    sign = np.where(res["A1"] == alt, 1.0, -1.0)
    assert np.all((res["A1"] == alt) | (res["A1"] == ref))
    np.testing.assert_allclose(res["T_STAT"].to_numpy() * sign, ours[res.index].to_numpy(), rtol=2e-3, atol=2e-3)


def test_causal_variants_are_far_apart(genetics):
    geno, bio = genetics
    idx = np.concatenate(bio.causal_index)
    assert len(np.unique(idx)) == sum(f.n_causal for f in FACTORS)
    order = np.lexsort((geno.pos[idx], geno.chrom[idx]))
    c, pos = geno.chrom[idx][order], geno.pos[idx][order]
    gaps = np.diff(pos)[c[1:] == c[:-1]]
    assert gaps.min() > 100_000

"""Latent GWAS scan: values against numpy OLS, statsmodels and planted truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from zoo.evaluate.design import prepare_model, read_covariates
from zoo.evaluate.gwas import GwasConfig, GwasResult, LONG_COLUMNS, run_gwas, scan_genotypes
from zoo.evaluate.latents import read_latents
from zoo.evaluate.loci import clump_distance, genomic_control, match_loci, read_truth
from zoo.evaluate.manova import pillai_trace




@pytest.mark.parametrize("dtype,tol", [("float64", 1e-9), ("float32", 2e-4)])
def test_matches_numpy_ols(cohort, cohort_tables, ols, dtype, tol):
    latents, covar = cohort_tables
    result = run_gwas(cohort.bfile, latents, covar, GwasConfig(dtype=dtype, chunk_size=64,
                                                                  progress=False))
    from bed_reader import open_bed
    geno = open_bed(cohort.bfile + ".bed").read(dtype="float64")
    cov = covar.loc[latents.index].to_numpy()
    for v in (0, 50, 123, 299):
        for k in range(latents.shape[1]):
            beta, se, t = ols(latents.iloc[:, k].to_numpy(), geno[:, v], cov)
            assert result.stats["beta"][v, k] == pytest.approx(beta, rel=tol, abs=tol)
            assert result.stats["se"][v, k] == pytest.approx(se, rel=tol)
            p = 2 * stats.t.sf(abs(t), len(geno) - cov.shape[1] - 2)
            assert result.p[v, k] == pytest.approx(p, rel=max(tol * 10, 1e-9))


@pytest.mark.parametrize("reader,subset", [("numba", False), ("numba", True),
                                           ("bed-reader", True)])
def test_missing_calls_match_ols_on_called_samples(cohort_missing, ols, reader, subset):
    """A sample with a missing call leaves that variant's regression (covariates re-fitted
    on the called samples): the same numbers as OLS and MANOVA on the complete cases."""
    latents = read_latents(cohort_missing.latents)
    covar = read_covariates(cohort_missing.phenotypes, cohort_missing.covar_names)
    if subset:      # a shuffled subset of the .fam's samples: the general decoder
        latents = latents.sample(frac=0.8, random_state=1)
    result = run_gwas(cohort_missing.bfile, latents, covar,
                      GwasConfig(dtype="float64", progress=False, reader=reader, chunk_size=40))
    from bed_reader import open_bed
    geno = open_bed(cohort_missing.bfile + ".bed").read(dtype="float64")
    fam = pd.Index(open_bed(cohort_missing.bfile + ".bed").iid.astype(str))
    keep = fam[fam.isin(latents.index)]
    geno = geno[fam.get_indexer(keep)]
    y, cov = latents.loc[keep].to_numpy(), covar.loc[keep].to_numpy()
    called = ~np.isnan(geno)
    frame = result.manova_frame()
    np.testing.assert_array_equal(frame["OBS_CT"], called.sum(axis=0))
    np.testing.assert_array_equal(frame["MISS_CT"], (~called).sum(axis=0))
    # Pillai's F: df_e − K + 1 with df_e = OBS_CT − (1 + covariates) − 1
    np.testing.assert_array_equal(frame["DEN_DF"], called.sum(axis=0) - (1 + cov.shape[1])
                                  - y.shape[1])
    assert (frame["MISS_CT"] > 0).all()
    np.testing.assert_allclose(frame["A1_FREQ"], np.nanmean(geno, axis=0) / 2)
    long = result.long_frame()
    np.testing.assert_array_equal(long["OBS_CT"], np.tile(called.sum(axis=0), y.shape[1]))
    for v in (0, 3, 77, 119):
        ok = called[:, v]
        for k in range(y.shape[1]):
            beta, se, t = ols(y[ok, k], geno[ok, v], cov[ok])
            assert result.stats["beta"][v, k] == pytest.approx(beta, rel=1e-9)
            assert result.stats["se"][v, k] == pytest.approx(se, rel=1e-9)
            p = 2 * stats.t.sf(abs(t), ok.sum() - cov.shape[1] - 2)
            assert result.p[v, k] == pytest.approx(p, rel=1e-8)
        pillai, f, p = pillai_trace(y[ok], geno[ok, v], cov[ok])
        assert result.stats["pillai"][v] == pytest.approx(pillai, rel=1e-9)
        assert result.stats["p_manova"][v] == pytest.approx(p, rel=1e-8)


def test_sample_alignment_and_subsets(cohort, cohort_tables, ols):
    latents, covar = cohort_tables
    # shuffled latents with a third of the samples missing: same answer as a direct subset
    sub = latents.sample(frac=1.0, random_state=0).iloc[: 2 * len(latents) // 3]
    result = run_gwas(cohort.bfile, sub, covar, GwasConfig(dtype="float64", progress=False),
                      variants=slice(10, 30))
    assert result.n_samples == len(sub)
    assert list(result.variants["ID"]) == [f"rs1_{10_000 + 5_000 * i}" for i in range(10, 30)]
    from bed_reader import open_bed
    bed = open_bed(cohort.bfile + ".bed")
    fam = pd.Index(bed.iid.astype(str))
    keep = fam[fam.isin(sub.index)]
    geno = bed.read(index=np.s_[fam.get_indexer(keep), 10:30], dtype="float64")
    beta, se, _ = ols(sub.loc[keep].iloc[:, 2].to_numpy(), geno[:, 5],
                                covar.loc[keep].to_numpy())
    assert result.stats["beta"][5, 2] == pytest.approx(beta, rel=1e-9)


def test_long_table_layout(cohort, cohort_tables):
    latents, covar = cohort_tables
    result = run_gwas(cohort.bfile, latents, covar, GwasConfig(progress=False),
                      variants=slice(0, 7))
    frame = result.long_frame()
    assert tuple(frame.columns) == LONG_COLUMNS
    assert len(frame) == 7 * 4
    assert list(frame["PHENO"].unique()) == list(latents.columns)
    row = frame[(frame.PHENO == "latent_2")].iloc[3]
    assert row["P"] == result.p[3, 2] and row["ID"] == result.variants["ID"][3]
    assert (frame["OBS_CT"] == 500).all()


def test_blocks_merge_to_the_whole(cohort, cohort_tables):
    latents, covar = cohort_tables
    config = GwasConfig(dtype="float64", progress=False, chunk_size=33)
    whole = run_gwas(cohort.bfile, latents, covar, config)
    parts = [run_gwas(cohort.bfile, latents, covar, config, variants=slice(a, a + 100))
             for a in (0, 100, 200)]
    merged = GwasResult.concat(parts)
    pd.testing.assert_frame_equal(merged.long_frame(), whole.long_frame())
    pd.testing.assert_frame_equal(merged.manova_frame(), whole.manova_frame())


def test_planted_loci_recovered_and_permutation_is_null(cohort, cohort_tables, tmp_path):
    latents, covar = cohort_tables
    result = run_gwas(cohort.bfile, latents, covar, GwasConfig(progress=False))
    truth = read_truth(cohort.truth)
    for p in (result.min_p(), result.stats["p_manova"]):
        loci = clump_distance(result.variants, p, threshold=1e-6, window=100_000)
        score = match_loci(loci, truth, window=100_000)
        assert score["recall"] == 1.0 and score["precision"] == 1.0
    # permuted genotypes: the same .bed/.bim with the .fam's sample ids shuffled, so each
    # sample keeps its latents and covariates but gets another sample's genotypes
    import shutil

    perm_dir = tmp_path / "perm"
    perm_dir.mkdir()
    for ext in (".bed", ".bim"):
        shutil.copy(cohort.bfile + ext, perm_dir / f"cohort{ext}")
    fam = pd.read_csv(cohort.bfile + ".fam", sep=r"\s+", header=None, dtype=str)
    order = np.random.default_rng(0).permutation(len(fam))
    fam[0] = fam[0].to_numpy()[order]
    fam[1] = fam[1].to_numpy()[order]
    fam.to_csv(perm_dir / "cohort.fam", sep=" ", header=False, index=False)
    null = run_gwas(perm_dir / "cohort", latents, covar, GwasConfig(progress=False))
    assert 0.85 < genomic_control(null.p) < 1.15
    assert len(clump_distance(null.variants, null.min_p(), threshold=0.05 / 300)) == 0
    assert len(clump_distance(null.variants, null.stats["p_manova"], threshold=0.05 / 300)) == 0


def test_monomorphic_variant_gives_nan(cohort, cohort_tables):
    latents, covar = cohort_tables
    model = prepare_model(latents, covar, latents.index, dtype="float64")
    codes = np.zeros((len(latents), 2), np.int8, order="F")
    codes[::3, 1] = 1
    out = scan_genotypes(model, codes)
    assert np.isnan(out["p"][0]).all() and np.isnan(out["p_manova"][0])
    assert np.isfinite(out["p"][1]).all()


def test_bad_inputs_are_named(cohort, cohort_tables, tmp_path):
    latents, covar = cohort_tables
    with pytest.raises(ValueError, match="missing.bed"):
        run_gwas(tmp_path / "missing", latents, covar)
    model = prepare_model(latents, covar, latents.index)
    with pytest.raises(ValueError, match="int8 genotype codes"):
        scan_genotypes(model, np.zeros((3, 2), np.int8))
    with pytest.raises(ValueError, match="at least"):
        prepare_model(latents.iloc[:5], covar, latents.index)
    with pytest.raises(ValueError, match="dtype"):
        GwasConfig(dtype="float16")
    bad = covar.assign(age2=covar["age"] * 2)
    with pytest.raises(ValueError, match="rank-deficient"):
        prepare_model(latents, bad, latents.index)
    twice = pd.concat([covar, covar.iloc[[3]]])
    with pytest.raises(ValueError, match=f"covariates, got sample '{covar.index[3]}' twice"):
        prepare_model(latents, twice, latents.index)
    with pytest.raises(ValueError, match="one row per sample in the latents"):
        prepare_model(pd.concat([latents, latents.iloc[[0]]]), covar, latents.index)


def test_config_round_trip():
    config = GwasConfig(chunk_size=100, dtype="float64", manova=False)
    assert GwasConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tables_written_during_the_scan_equal_write(cohort_missing, tmp_path, dtype):
    """run_gwas(out_dir=...) formats the long table chunk by chunk while it scans: the
    files are byte for byte those of GwasResult.write (NaN statistics and missing calls
    included), and the statistics those of a scan without output."""
    latents = read_latents(cohort_missing.latents)
    covar = read_covariates(cohort_missing.phenotypes, cohort_missing.covar_names)
    config = GwasConfig(dtype=dtype, progress=False, chunk_size=37)
    streamed = run_gwas(cohort_missing.bfile, latents, covar, config, out_dir=tmp_path / "s")
    plain = run_gwas(cohort_missing.bfile, latents, covar, config)
    files = plain.write(tmp_path / "w")
    assert set(streamed.files) == {"long", "manova"}
    for key, path in files.items():
        assert streamed.files[key].read_bytes() == path.read_bytes(), key
    for key in ("beta", "se", "p", "obs"):
        np.testing.assert_array_equal(streamed.stats[key], plain.stats[key])
    long = pd.read_csv(files["long"], sep="\t")
    assert list(long.columns) == list(LONG_COLUMNS)
    assert len(long) == plain.p.size and (long["OBS_CT"] < plain.n_samples).any()


def test_while_writing_sees_the_whole_result(cohort, cohort_tables, tmp_path):
    """run_gwas's ``while_writing`` gets the complete statistics (the loci are computed
    while the tables are written); the tables are complete when run_gwas returns, also
    when the callback fails."""
    latents, covar = cohort_tables
    config = GwasConfig(progress=False, chunk_size=64)
    seen = []
    result = run_gwas(cohort.bfile, latents, covar, config, out_dir=tmp_path / "a",
                      while_writing=lambda r: seen.append((r.p.copy(), len(r.variants))))
    np.testing.assert_array_equal(seen[0][0], result.p)
    assert seen[0][1] == result.p.shape[0] and len(seen) == 1
    plain = run_gwas(cohort.bfile, latents, covar, config, while_writing=seen.append)
    assert seen[-1] is plain and len(seen) == 2

    def failing(_):
        raise RuntimeError("loci failed")

    with pytest.raises(RuntimeError, match="loci failed"):
        run_gwas(cohort.bfile, latents, covar, config, out_dir=tmp_path / "b",
                 while_writing=failing)
    for name in ("latent_gwas.glm.linear.tsv", "latent_gwas.manova.tsv"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()


def test_stream_leaves_nothing_when_the_scan_fails(cohort, cohort_tables, tmp_path,
                                                    monkeypatch):
    """A chunk that fails mid-scan: the error reaches the caller, no table is written."""
    import zoo.evaluate.gwas as gwas

    latents, covar = cohort_tables
    real, calls = gwas.product_statistics, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise FloatingPointError("chunk 3 failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(gwas, "product_statistics", failing)
    out = tmp_path / "x"
    out.mkdir()
    with pytest.raises(FloatingPointError, match="chunk 3"):
        run_gwas(cohort.bfile, latents, covar, GwasConfig(progress=False, chunk_size=50),
                 out_dir=out)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_two_worker_threads_give_the_numbers_of_one(cohort_missing, tmp_path, monkeypatch,
                                                    dtype):
    """Chunks decoded, multiplied and formatted on two threads (each with its own buffers)
    give bit for bit the statistics and table bytes of one thread, missing calls included."""
    from zoo.evaluate import gwas

    latents = read_latents(cohort_missing.latents)
    covar = read_covariates(cohort_missing.phenotypes, cohort_missing.covar_names)
    config = GwasConfig(dtype=dtype, progress=False, chunk_size=29)
    runs = {}
    for workers in (1, 2):
        monkeypatch.setattr(gwas, "_workers", lambda n, reader, w=workers: w)
        runs[workers] = run_gwas(cohort_missing.bfile, latents, covar, config,
                                 out_dir=tmp_path / str(workers))
    for key in ("beta", "se", "t", "p", "obs", "p_manova"):
        np.testing.assert_array_equal(runs[2].stats[key], runs[1].stats[key])
    assert runs[2].files["long"].read_bytes() == runs[1].files["long"].read_bytes()

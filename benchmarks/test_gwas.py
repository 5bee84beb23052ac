"""Latent GWAS vs plink2 --glm on the same PLINK files, covariates and K latent phenotypes.

Size from ``REGZOO_GWAS_BENCH`` = ``samples,variants,dims`` (default ``1000,2000,16``: the
single CI run stays small). The figure in ``benchmarks/results/gwas.md`` is measured with
``REGZOO_GWAS_BENCH=10000,50000,16`` and ``REGZOO_GWAS_BENCH_ROUNDS=3``. Both sides read the .bed, scan every variant against
all K phenotypes with the same covariates, and write their result tables.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pandas as pd
import pytest

from zoo.evaluate.design import read_covariates
from zoo.evaluate.gwas import GwasConfig, run_gwas
from zoo.evaluate.latents import read_latents
from zoo.evaluate.simulate import simulate_cohort


def _size() -> tuple[int, int, int]:
    text = os.environ.get("REGZOO_GWAS_BENCH", "1000,2000,16")
    try:
        n, m, k = (int(x) for x in text.split(","))
    except ValueError as err:
        raise ValueError(f"REGZOO_GWAS_BENCH: expected 'samples,variants,dims', got {text!r}") from err
    return n, m, k


def _rounds() -> int:
    return int(os.environ.get("REGZOO_GWAS_BENCH_ROUNDS", "1"))


@pytest.fixture(scope="module")
def bench_cohort(tmp_path_factory):
    n, m, k = _size()
    out = tmp_path_factory.mktemp("gwas_bench")
    cohort = simulate_cohort(out, n=n, m=m, k=k, n_causal=10, n_chrom=10, n_pcs=10, seed=7)
    latents = read_latents(cohort.latents)
    covar = read_covariates(cohort.phenotypes, cohort.covar_names)
    # plink2 inputs, written once outside the timings
    ids = latents.index.to_numpy()
    pheno = latents.reset_index(drop=True)
    pheno.insert(0, "IID", ids)
    pheno.insert(0, "FID", ids)
    pheno.to_csv(out / "pheno.txt", sep="\t", index=False)
    cov = covar.reset_index().rename(columns={"sample_id": "IID"})
    cov.insert(0, "FID", cov["IID"])
    cov.to_csv(out / "covar.txt", sep="\t", index=False)
    return cohort, latents, covar, out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_latent_gwas(benchmark, bench_cohort, dtype):
    cohort, latents, covar, out = bench_cohort
    config = GwasConfig(dtype=dtype, progress=False)

    def scan_and_write():
        result = run_gwas(cohort.bfile, latents, covar, config)
        result.write(out / f"zoo_{dtype}")
        return result

    result = benchmark.pedantic(scan_and_write, rounds=_rounds(), iterations=1, warmup_rounds=0)
    assert result.p.shape == (_size()[1], _size()[2])


def test_plink2_glm(benchmark, bench_cohort):
    plink2 = shutil.which("plink2")
    if plink2 is None:
        pytest.skip("plink2 is not installed")
    cohort, latents, _, out = bench_cohort
    cmd = [plink2, "--bfile", cohort.bfile, "--pheno", str(out / "pheno.txt"),
           "--covar", str(out / "covar.txt"), "--glm", "hide-covar", "omit-ref",
           "--covar-variance-standardize", "--threads", str(os.cpu_count() or 1),
           "--out", str(out / "plink2")]
    benchmark.pedantic(lambda: subprocess.run(cmd, check=True, capture_output=True),
                       rounds=_rounds(), iterations=1, warmup_rounds=0)
    first = pd.read_csv(out / f"plink2.{latents.columns[0]}.glm.linear", sep="\t")
    assert len(first) == _size()[1]

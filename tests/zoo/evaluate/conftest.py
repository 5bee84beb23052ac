"""Shared fixtures of the zoo.evaluate tests: small simulated cohorts and plink2."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.design import read_covariates
from zoo.evaluate.latents import read_latents
from zoo.evaluate.simulate import simulate_cohort


@pytest.fixture(scope="session")
def cohort(tmp_path_factory):
    """500 samples × 300 variants × 4 latent dims, 3 planted causal variants, no missing calls."""
    return simulate_cohort(tmp_path_factory.mktemp("cohort"), n=500, m=300, k=4, seed=1)


@pytest.fixture(scope="session")
def cohort_missing(tmp_path_factory):
    """Like ``cohort`` with 5 % missing genotype calls (each variant misses ~15 of 300)."""
    return simulate_cohort(tmp_path_factory.mktemp("cohort_missing"), n=300, m=120, k=3,
                           missing_rate=0.05, seed=2)


@pytest.fixture(scope="session")
def cohort_tables(cohort):
    return read_latents(cohort.latents), read_covariates(cohort.phenotypes, cohort.covar_names)


def run_plink2_glm(plink2: str, cohort, out_dir: Path, latents: pd.DataFrame,
                   covariates: bool = True) -> dict:
    """plink2 --glm on every latent column; returns {pheno: DataFrame of the ADD rows}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = latents.index.to_numpy()
    pheno = latents.reset_index(drop=True)
    pheno.insert(0, "IID", ids)
    pheno.insert(0, "FID", ids)
    pheno.to_csv(out_dir / "pheno.txt", sep="\t", index=False, float_format="%.17g")
    covar = pd.read_csv(cohort.phenotypes, dtype={"sample_id": str})
    covar = covar[["sample_id", *cohort.covar_names]].rename(columns={"sample_id": "IID"})
    covar.insert(0, "FID", covar["IID"])
    covar.to_csv(out_dir / "covar.txt", sep="\t", index=False, float_format="%.17g")
    # omit-ref: test the ALT allele (.bim column 5) like zoo gwas, not the minor allele.
    cmd = [plink2, "--bfile", cohort.bfile, "--pheno", str(out_dir / "pheno.txt"),
           "--threads", "2", "--out", str(out_dir / "pl")]
    if covariates:
        cmd += ["--covar", str(out_dir / "covar.txt"), "--glm", "hide-covar", "omit-ref",
                "--covar-variance-standardize"]
    else:
        cmd += ["--glm", "allow-no-covars", "omit-ref"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return {name: pd.read_csv(out_dir / f"pl.{name}.glm.linear", sep="\t")
            for name in latents.columns}


def ols_reference(y: np.ndarray, g: np.ndarray, covariates: np.ndarray):
    """Textbook OLS of y on [1, covariates, g]: (beta_g, se_g, t_g) via numpy lstsq."""
    x = np.column_stack([np.ones(len(g)), covariates, g])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    df = len(y) - x.shape[1]
    cov = np.linalg.inv(x.T @ x) * (resid @ resid) / df
    se = np.sqrt(cov[-1, -1])
    return beta[-1], se, beta[-1] / se


@pytest.fixture(scope="session")
def ols():
    """The numpy OLS reference as a fixture (test folders are not packages)."""
    return ols_reference


@pytest.fixture(scope="session")
def plink2_glm(plink2):
    return lambda cohort, out_dir, latents, covariates=True: run_plink2_glm(
        plink2, cohort, out_dir, latents, covariates)

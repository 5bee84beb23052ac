"""plink2 --glm is the correctness oracle of the per-dimension statistics.

plink2 drops a sample with a missing call from that variant's regression (covariates
re-fitted on the called samples), so with missing calls OBS_CT varies per variant; the scan
must give the same numbers. Tolerances: plink2 prints 6 significant digits, so BETA, SE and
T_STAT agree to rtol 2e-5 and -log10 p to 1e-4, with and without missing calls.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.design import read_covariates
from zoo.evaluate.gwas import GwasConfig, run_gwas
from zoo.evaluate.latents import read_latents

pytestmark = pytest.mark.plink2


def max_log10_p_delta(mine: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.abs(np.log10(mine) - np.log10(theirs)).max())


def assert_matches_plink2(result, plink2_results: dict[str, pd.DataFrame]):
    ours = result.long_frame()
    for name, theirs in plink2_results.items():
        mine = ours[ours["PHENO"] == name].reset_index(drop=True)
        for col in ("#CHROM", "ID", "REF", "ALT", "A1"):
            np.testing.assert_array_equal(mine[col].astype(str), theirs[col].astype(str))
        np.testing.assert_array_equal(mine["POS"], theirs["POS"])
        np.testing.assert_array_equal(mine["OBS_CT"], theirs["OBS_CT"])
        # plink2 prints 6 significant digits: compare to that precision
        for col in ("BETA", "SE", "T_STAT"):
            np.testing.assert_allclose(mine[col], theirs[col], rtol=2e-5, atol=1e-6)
        delta = max_log10_p_delta(mine["P"].to_numpy(), theirs["P"].to_numpy())
        assert delta <= 1e-4, f"{name}: max |Δ -log10 p| = {delta:.2e}"


@pytest.fixture(scope="module")
def plink2_results(plink2_glm, cohort, cohort_tables, tmp_path_factory):
    latents, _ = cohort_tables
    return plink2_glm(cohort, tmp_path_factory.mktemp("plink2"), latents)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_per_dimension_p_values_match_plink2(cohort, cohort_tables, plink2_results, dtype):
    latents, covar = cohort_tables
    result = run_gwas(cohort.bfile, latents, covar, GwasConfig(dtype=dtype, progress=False))
    assert result.p.min() < 1e-10          # the comparison covers strong signals too
    assert_matches_plink2(result, plink2_results)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_missing_calls_match_plink2(plink2_glm, cohort_missing, tmp_path_factory, dtype):
    latents = read_latents(cohort_missing.latents)
    covar = read_covariates(cohort_missing.phenotypes, cohort_missing.covar_names)
    theirs = plink2_glm(cohort_missing, tmp_path_factory.mktemp("plink2_missing"), latents)
    result = run_gwas(cohort_missing.bfile, latents, covar,
                      GwasConfig(dtype=dtype, chunk_size=50, progress=False))
    obs = theirs[latents.columns[0]]["OBS_CT"].to_numpy()
    assert obs.max() < len(latents) and obs.min() < obs.max()   # every variant misses calls
    assert result.p.min() < 1e-6
    assert_matches_plink2(result, theirs)


@pytest.mark.parametrize("data", ["cohort", "cohort_missing"])
def test_without_covariates_matches_plink2(plink2_glm, request, data, tmp_path):
    cohort = request.getfixturevalue(data)
    latents = read_latents(cohort.latents).iloc[:, :2]
    theirs = plink2_glm(cohort, tmp_path, latents, covariates=False)
    result = run_gwas(cohort.bfile, latents, None, GwasConfig(dtype="float64", progress=False))
    assert_matches_plink2(result, theirs)

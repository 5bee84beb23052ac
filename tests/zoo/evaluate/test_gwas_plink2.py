"""plink2 --glm is the correctness oracle of the per-dimension statistics."""
from __future__ import annotations

import numpy as np
import pytest

from zoo.evaluate.gwas import GwasConfig, run_gwas



pytestmark = pytest.mark.plink2


@pytest.fixture(scope="module")
def plink2_results(plink2_glm, cohort, cohort_tables, tmp_path_factory):
    latents, _ = cohort_tables
    return plink2_glm(cohort, tmp_path_factory.mktemp("plink2"), latents)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_per_dimension_p_values_match_plink2(cohort, cohort_tables, plink2_results, dtype):
    latents, covar = cohort_tables
    result = run_gwas(cohort.bfile, latents, covar, GwasConfig(dtype=dtype, progress=False))
    ours = result.long_frame()
    assert result.p.min() < 1e-10          # the comparison covers strong signals too
    for name, theirs in plink2_results.items():
        mine = ours[ours["PHENO"] == name].reset_index(drop=True)
        for col in ("#CHROM", "ID", "REF", "ALT", "A1"):
            np.testing.assert_array_equal(mine[col].astype(str), theirs[col].astype(str))
        np.testing.assert_array_equal(mine["POS"], theirs["POS"])
        np.testing.assert_array_equal(mine["OBS_CT"], theirs["OBS_CT"])
        # plink2 prints 6 significant digits: compare to that precision
        for col in ("BETA", "SE", "T_STAT"):
            np.testing.assert_allclose(mine[col], theirs[col], rtol=2e-5, atol=1e-6)
        delta = np.abs(np.log10(mine["P"].to_numpy()) - np.log10(theirs["P"].to_numpy()))
        assert delta.max() <= 1e-4, f"{name}: max |Δ -log10 p| = {delta.max():.2e}"


def test_without_covariates_matches_plink2(plink2_glm, cohort, cohort_tables, tmp_path):
    latents, _ = cohort_tables
    theirs = plink2_glm(cohort, tmp_path, latents.iloc[:, :2], covariates=False)
    result = run_gwas(cohort.bfile, latents.iloc[:, :2], None,
                      GwasConfig(dtype="float64", progress=False))
    for j, name in enumerate(latents.columns[:2]):
        delta = np.abs(np.log10(result.p[:, j]) - np.log10(theirs[name]["P"].to_numpy()))
        assert delta.max() <= 1e-4
        np.testing.assert_allclose(result.stats["beta"][:, j], theirs[name]["BETA"], rtol=2e-5,
                                   atol=1e-6)

"""Pillai's trace per variant against statsmodels' MANOVA."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.design import prepare_model
from zoo.evaluate.gwas import scan_genotypes
from zoo.evaluate.manova import pillai_trace


@pytest.fixture(scope="module")
def small_case():
    rng = np.random.default_rng(3)
    n, k = 80, 3
    covar = pd.DataFrame({"age": rng.normal(50, 5, n), "sex": rng.integers(0, 2, n) * 1.0},
                         index=[f"s{i}" for i in range(n)])
    geno = rng.integers(0, 3, size=(n, 6)).astype(np.int8)
    y = rng.normal(size=(n, k)) + 0.4 * geno[:, [0]] * np.array([1.0, -0.5, 0.2])
    y += 0.05 * covar[["age"]].to_numpy()
    latents = pd.DataFrame(y, index=covar.index, columns=[f"latent_{i}" for i in range(k)])
    return latents, covar, geno


def test_pillai_matches_statsmodels(small_case):
    from statsmodels.multivariate.manova import MANOVA

    latents, covar, geno = small_case
    model = prepare_model(latents, covar, latents.index, dtype="float64")
    out = scan_genotypes(model, np.asfortranarray(geno))
    for v in range(geno.shape[1]):
        data = pd.concat([latents, covar], axis=1).assign(g=geno[:, v].astype(float))
        fit = MANOVA.from_formula("latent_0 + latent_1 + latent_2 ~ age + sex + g", data=data)
        row = fit.mv_test().results["g"]["stat"].loc["Pillai's trace"]
        assert out["pillai"][v] == pytest.approx(float(row["Value"]), rel=1e-9)
        assert out["F"][v] == pytest.approx(float(row["F Value"]), rel=1e-9)
        assert out["p_manova"][v] == pytest.approx(float(row["Pr > F"]), rel=1e-7)
        ref = pillai_trace(latents.to_numpy(), geno[:, v], covar.to_numpy())
        assert out["pillai"][v] == pytest.approx(ref[0], rel=1e-9)
    assert out["p_manova"][0] < 1e-3 < np.median(out["p_manova"][1:])


def test_missing_calls_match_statsmodels_on_called_samples(small_case):
    """int8 codes with missing calls (-127): Pillai's test on each variant's called samples,
    covariates re-fitted there; a variant whose called samples leave a covariate constant
    has no test (NaN), and variants without missing calls are unaffected."""
    from statsmodels.multivariate.manova import MANOVA

    latents, covar, geno = small_case
    codes = geno.copy()
    rng = np.random.default_rng(5)
    codes[rng.random(codes.shape) < 0.1] = -127
    codes[:, 5] = geno[:, 5]                                   # no missing calls
    codes[covar["sex"].to_numpy() == 1, 4] = -127              # called samples: all sex 0
    model = prepare_model(latents, covar, latents.index, dtype="float64")
    out = scan_genotypes(model, np.asfortranarray(codes))
    full = scan_genotypes(model, np.asfortranarray(geno))
    for v in range(4):
        ok = codes[:, v] != -127
        assert out["obs"][v] == ok.sum() < len(ok)
        data = pd.concat([latents, covar], axis=1).assign(g=geno[:, v].astype(float))[ok]
        fit = MANOVA.from_formula("latent_0 + latent_1 + latent_2 ~ age + sex + g", data=data)
        row = fit.mv_test().results["g"]["stat"].loc["Pillai's trace"]
        assert out["pillai"][v] == pytest.approx(float(row["Value"]), rel=1e-9)
        assert out["F"][v] == pytest.approx(float(row["F Value"]), rel=1e-9)
        assert out["p_manova"][v] == pytest.approx(float(row["Pr > F"]), rel=1e-7)
    assert np.isnan(out["p_manova"][4]) and np.isnan(out["p"][4]).all()
    for key in ("pillai", "p_manova", "p"):
        assert out[key][5] == pytest.approx(full[key][5], rel=1e-12)


def test_pillai_float32_close(small_case):
    latents, covar, geno = small_case
    exact = scan_genotypes(prepare_model(latents, covar, latents.index, dtype="float64"),
                           np.asfortranarray(geno))
    fast = scan_genotypes(prepare_model(latents, covar, latents.index, dtype="float32"),
                          np.asfortranarray(geno))
    np.testing.assert_allclose(fast["pillai"], exact["pillai"], rtol=1e-4)

"""PheWAS score tests against statsmodels; counts on planted associations."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.phewas import logistic_score_tests, phewas_counts, phewas_table


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(4)
    n = 600
    cov = np.column_stack([rng.normal(50, 8, n), rng.integers(0, 2, n)])
    x = rng.normal(size=(n, 5))
    eta = -1 + 0.03 * (cov[:, 0] - 50) + 0.8 * x[:, 0]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return y, x, cov


def test_score_tests_match_statsmodels(data):
    import statsmodels.api as sm

    y, x, cov = data
    out = logistic_score_tests(y, x, cov)
    null = sm.GLM(y, sm.add_constant(cov), family=sm.families.Binomial()).fit()
    joint = null.score_test(exog_extra=x)
    assert out["chi2_joint"] == pytest.approx(float(np.squeeze(joint[0])), rel=1e-6)
    assert out["df_joint"] == 5
    assert out["p_joint"] == pytest.approx(float(np.squeeze(joint[1])), rel=1e-5)
    for k in (0, 3):
        single = null.score_test(exog_extra=x[:, [k]])
        assert out["chi2"][k] == pytest.approx(float(np.squeeze(single[0])), rel=1e-6)
    assert out["p"][0] < 1e-10 and out["p"][3] > 1e-3


def test_collinear_dimensions_reduce_df(data):
    y, x, cov = data
    dup = np.column_stack([x, x[:, 0] * 2])
    out = logistic_score_tests(y, dup, cov)
    assert out["df_joint"] == 5
    assert out["chi2_joint"] == pytest.approx(logistic_score_tests(y, x, cov)["chi2_joint"],
                                              rel=1e-6)
    with pytest.raises(ValueError, match="binary"):
        logistic_score_tests(y * 2 + 1, x, cov)


def test_counts(data):
    y, x, cov = data
    ids = pd.Index([f"s{i}" for i in range(len(y))])
    rng = np.random.default_rng(9)
    pheno = pd.DataFrame({"disease": y, "other": (rng.random(len(y)) < 0.3) * 1.0}, index=ids)
    covar = pd.DataFrame(cov, index=ids, columns=["age", "sex"])
    spaces = {"signal": pd.DataFrame(x, index=ids), "noise": pd.DataFrame(
        rng.normal(size=x.shape), index=ids)}
    table = phewas_table(spaces, pheno, ["disease", "other"], covar)
    counts = phewas_counts(table).set_index("space")
    assert counts.loc["signal", "n_associated"] == 1 and counts.loc["noise", "n_associated"] == 0
    assert counts.loc["signal", "n_dim_associations"] == 1
    assert counts.loc["signal", "bonferroni_alpha"] == 0.025
    with pytest.raises(ValueError, match="'missing'"):
        phewas_table(spaces, pheno, ["missing"], covar)


def test_separated_null_fit_gives_no_test_and_is_named(data):
    """Covariates that separate cases from controls (every sex = 1 sample a case): the null
    MLE does not exist (quasi-complete separation: the sex coefficient → ∞), so the
    phenotype is reported as not tested, never given a p."""
    y, x, cov = data
    separated = np.where(cov[:, 1] == 1, 1.0, y)
    out = logistic_score_tests(separated, x, cov)
    assert out["null_fit"] == "separation"
    assert np.isnan(out["p_joint"]) and np.isnan(out["p"]).all()
    assert logistic_score_tests(y, x, cov)["null_fit"] == "converged"
    ids = pd.Index([f"s{i}" for i in range(len(y))])
    pheno = pd.DataFrame({"disease": y, "separated": separated}, index=ids)
    table = phewas_table({"signal": pd.DataFrame(x, index=ids)}, pheno,
                         ["disease", "separated"],
                         pd.DataFrame(cov, index=ids, columns=["age", "sex"]))
    assert table.set_index("phenotype")["null_fit"].to_dict() == {
        "disease": "converged", "separated": "separation"}
    counts = phewas_counts(table).iloc[0]
    assert counts["null_fit_failed"] == "separated (separation)"
    assert counts["n_tested"] == 1 and counts["n_phenotypes"] == 2
    assert counts["n_associated"] == 1


def test_null_fit_that_does_not_converge_is_flagged(data):
    from zoo.evaluate.phewas import _null_fit

    y, _, cov = data
    design = np.column_stack([np.ones(len(y)), cov])
    assert _null_fit(y, design)[1] == "converged"
    assert _null_fit(y, design, max_iter=2)[1] == "not converged"

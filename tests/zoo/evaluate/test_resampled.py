"""The Nadeau–Bengio corrected resampled t-test: the plain paired t-test when the
correction vanishes, wider by exactly the correction otherwise."""
import numpy as np
import pytest
from scipy import stats

from zoo.evaluate.resampled import corrected_resampled_ttest


def test_without_overlap_it_is_the_one_sample_t_test():
    d = np.random.default_rng(0).normal(0.05, 0.1, 12)
    # n_test / n_train -> 0: the correction term vanishes
    got = corrected_resampled_ttest(d, n_train=10**12, n_test=1)
    ref = stats.ttest_1samp(d, 0.0)
    assert got["t"] == pytest.approx(ref.statistic, rel=1e-6)
    assert got["p"] == pytest.approx(ref.pvalue, rel=1e-6)
    assert got["df"] == 11 and got["n"] == 12


def test_the_correction_widens_the_standard_error_by_the_known_factor():
    d = np.array([0.02, 0.05, 0.01, 0.04, 0.03, 0.06, 0.02, 0.05])
    got = corrected_resampled_ttest(d, n_train=80, n_test=20)
    expected_se = np.sqrt((1 / 8 + 20 / 80) * d.var(ddof=1))
    assert got["se"] == pytest.approx(expected_se)
    assert got["t"] == pytest.approx(d.mean() / expected_se)
    half = stats.t.ppf(0.975, 7) * expected_se
    assert (got["lo"], got["hi"]) == pytest.approx((d.mean() - half, d.mean() + half))
    naive = stats.ttest_1samp(d, 0.0).pvalue
    assert got["p"] > naive  # overlapping training sets: less certain than the naive test


def test_identical_scores_give_p_one_and_bad_input_is_refused():
    assert corrected_resampled_ttest(np.zeros(6), 80, 20)["p"] == 1.0
    with pytest.raises(ValueError, match="at least 2 finite"):
        corrected_resampled_ttest([0.1], 80, 20)
    with pytest.raises(ValueError, match="positive n_train"):
        corrected_resampled_ttest([0.1, 0.2], 0, 20)

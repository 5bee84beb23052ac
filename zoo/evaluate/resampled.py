"""Differences between two models scored on repeated random splits, tested honestly.

Repeated train/test splits of one cohort overlap, so their scores are correlated and the
naive paired t-test (variance / J) overstates certainty. Nadeau & Bengio (2003, Machine
Learning 52:239) correct the variance of the mean difference over J resamples to
``(1/J + n_test/n_train) · s²``; with several training seeds per split the J = splits ×
seeds differences enter alike (Bouckaert & Frank 2004), paired by split and seed.
"""
from __future__ import annotations

import numpy as np

__all__ = ["corrected_resampled_ttest"]


def corrected_resampled_ttest(diffs, n_train: int, n_test: int, *, level: float = 0.95) -> dict:
    """Corrected resampled t-test of the mean of ``diffs`` (A − B per split × seed).

    Returns ``mean``, ``se`` (corrected), ``t``, ``df`` (J − 1), two-sided ``p``, the
    ``level`` confidence interval ``lo``/``hi`` and ``n`` (J). Identical scores (s = 0)
    give p = 1 and a zero-width interval.
    """
    from scipy import stats

    d = np.asarray(diffs, np.float64).ravel()
    d = d[np.isfinite(d)]
    if d.size < 2:
        raise ValueError(f"Expected at least 2 finite differences (splits x seeds), got {d.size}")
    if n_train < 1 or n_test < 1:
        raise ValueError(f"Expected positive n_train and n_test, got {n_train} and {n_test}")
    if not 0 < level < 1:
        raise ValueError(f"Expected 0 < level < 1, got {level}")
    j = d.size
    mean = float(d.mean())
    se = float(np.sqrt((1.0 / j + n_test / n_train) * d.var(ddof=1)))
    df = j - 1
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    if se == 0:
        t, p = (0.0, 1.0) if mean == 0 else (float(np.sign(mean) * np.inf), 0.0)
    else:
        t = mean / se
        p = float(2 * stats.t.sf(abs(t), df))
    return {"mean": mean, "se": se, "t": float(t), "df": df, "p": p, "lo": mean - half,
            "hi": mean + half, "n": j}

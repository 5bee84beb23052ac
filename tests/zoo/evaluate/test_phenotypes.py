"""Phenotype prediction: identical folds, AUROC from scores, R² against known answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.phenotypes import (CvConfig, compare_pairs, make_folds, pair_means,
                                     phenotype_kinds, roc_auc, score_latents, summarise_scores)


@pytest.fixture(scope="module")
def spaces():
    """'good' carries the phenotype signal, 'poor' a weaker copy, 'noise' none."""
    rng = np.random.default_rng(11)
    n = 400
    ids = pd.Index([f"s{i}" for i in range(n)], name="sample_id")
    signal = rng.normal(size=n)
    pheno = pd.DataFrame({"bmi": 25 + 3 * signal + rng.normal(0, 1, n),
                          "disease": (signal + rng.normal(0, 0.7, n) > 0.5).astype(int)},
                         index=ids)
    good = np.column_stack([signal, rng.normal(size=(n, 3))])
    poor = np.column_stack([signal + rng.normal(0, 1.5, n), rng.normal(size=(n, 3))])
    cols = [f"latent_{i}" for i in range(4)]
    make = lambda a: pd.DataFrame(a, index=ids, columns=cols)
    return {"good": make(good), "poor": make(poor).iloc[::-1],   # order must not matter
            "noise": make(rng.normal(size=(n, 4)))}, pheno


def test_auroc_matches_sklearn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    s = y + rng.normal(size=300)
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    tied = np.round(s)                         # ties count one half
    assert roc_auc(y, tied) == pytest.approx(roc_auc_score(y, tied), abs=1e-12)
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    with pytest.raises(ValueError, match="both classes"):
        roc_auc([1, 1], [0.2, 0.3])


def test_folds_are_seeded_and_stratified():
    config = CvConfig(n_splits=3, train_fraction=0.75, seed=5)
    a = make_folds(100, config, key="bmi")
    b = make_folds(100, config, key="bmi")
    assert all((x[0] == y[0]).all() and (x[1] == y[1]).all() for x, y in zip(a, b))
    assert len(a) == 3 and len(a[0][0]) == 75 and not set(a[0][0]) & set(a[0][1])
    other = make_folds(100, config, key="height")
    assert not all((x[1] == y[1]).all() for x, y in zip(a, other))
    labels = np.r_[np.ones(10), np.zeros(90)]
    for _, test in make_folds(100, config, labels=labels, key="af"):
        assert labels[test].sum() in (2, 3)


def test_scores_rank_spaces_and_use_identical_folds(spaces, monkeypatch):
    import zoo.evaluate.phenotypes as mod

    latents, pheno = spaces
    seen = []                                   # (space-independent) test sets per call
    real = mod._fit_score
    monkeypatch.setattr(mod, "_fit_score", lambda kind, xtr, ytr, xte, yte, cfg: (
        seen.append(yte.copy()), real(kind, xtr, ytr, xte, yte, cfg))[1])
    scores = score_latents(latents, pheno, phenotype_kinds(pheno), CvConfig(n_splits=3))
    # for each phenotype the three spaces saw the same held-out phenotype values in order
    per_pheno = [seen[i:i + 9] for i in (0, 9)]
    for calls in per_pheno:
        for split in range(3):
            np.testing.assert_array_equal(calls[split], calls[3 + split])
            np.testing.assert_array_equal(calls[split], calls[6 + split])
    summary = summarise_scores(scores).set_index(["space", "phenotype"])
    # known answer: R² of y = 3 s + e (var 1) from s is 9/10
    assert summary.loc[("good", "bmi"), "mean"] == pytest.approx(0.9, abs=0.05)
    assert summary.loc[("noise", "bmi"), "mean"] < 0.05
    assert summary.loc[("good", "disease"), "mean"] > summary.loc[("poor", "disease"), "mean"] > 0.6
    assert 0.35 < summary.loc[("noise", "disease"), "mean"] < 0.65
    pairs = compare_pairs(scores, [("good", "poor")]).set_index("phenotype")
    assert pairs.loc["bmi", "diff"] > 0.3 and pairs.loc["bmi", "diff_lo"] > 0


def test_split_scores_match_a_sklearn_pipeline(spaces):
    """Each split's score against scikit-learn's own standardise-then-fit pipeline and
    metrics (``r2_score``, ``roc_auc_score``) on the same folds."""
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from zoo.evaluate.phenotypes import _logistic

    latents, pheno = spaces
    config = CvConfig(n_splits=2, seed=3)
    scores = score_latents({"good": latents["good"]}, pheno, phenotype_kinds(pheno), config)
    x = latents["good"].loc[pheno.index].to_numpy()
    for name, kind in (("bmi", "continuous"), ("disease", "binary")):
        y = pheno[name].to_numpy(np.float64)
        folds = make_folds(len(y), config, labels=y if kind == "binary" else None, key=name)
        for split, (tr, te) in enumerate(folds):
            got = scores[(scores.phenotype == name) & (scores.split == split)]["value"].item()
            if kind == "continuous":
                model = make_pipeline(StandardScaler(), RidgeCV(alphas=config.ridge_alphas))
                expect = r2_score(y[te], model.fit(x[tr], y[tr]).predict(x[te]))
                assert got == pytest.approx(expect, rel=1e-10)
            else:
                model = make_pipeline(StandardScaler(), _logistic(config)).fit(x[tr], y[tr])
                expect = roc_auc_score(y[te], model.decision_function(x[te]))
                assert got == pytest.approx(expect, abs=0.01)   # saga stops at tol=1e-3


def test_summaries_known_answers():
    """Means, SDs (n − 1), ± 2 SD intervals and paired differences of hand-made scores:
    A = 0.6, 0.8, 1.0 (mean 0.8, SD 0.2); B = 0.5 on every split, so A − B = 0.1, 0.3, 0.5
    (mean 0.3, SD 0.2); a second phenotype with A = 0.7, B = 0.6 on every split."""
    rows = []
    for split, (a, b) in enumerate(((0.6, 0.5), (0.8, 0.5), (1.0, 0.5))):
        rows += [("A", "bmi", "continuous", "r2", split, a),
                 ("B", "bmi", "continuous", "r2", split, b),
                 ("A", "hba1c", "continuous", "r2", split, 0.7),
                 ("B", "hba1c", "continuous", "r2", split, 0.6)]
    scores = pd.DataFrame(rows, columns=["space", "phenotype", "kind", "metric", "split", "value"])
    summary = summarise_scores(scores).set_index(["space", "phenotype"])
    assert summary.loc[("A", "bmi"), ["mean", "sd", "lo", "hi", "n_splits"]].tolist() == \
        pytest.approx([0.8, 0.2, 0.4, 1.2, 3])
    assert summary.loc[("B", "bmi"), ["mean", "sd", "lo", "hi"]].tolist() == \
        pytest.approx([0.5, 0.0, 0.5, 0.5])
    pairs = compare_pairs(scores, [("A", "B")]).set_index("phenotype")
    assert pairs.loc["bmi", ["mean_a", "mean_b", "diff", "diff_sd", "diff_lo", "diff_hi"]
                     ].tolist() == pytest.approx([0.8, 0.5, 0.3, 0.2, -0.1, 0.7])
    assert pairs.loc["hba1c", ["diff", "diff_sd"]].tolist() == pytest.approx([0.1, 0.0], abs=1e-12)
    assert list(pairs.index) == ["bmi", "hba1c"]
    # pair means: per split, the phenotype mean of A is 0.65, 0.75, 0.85 and of B 0.55,
    # so A − B = 0.1, 0.2, 0.3 (mean 0.2, SD 0.1)
    means = pair_means(scores, [("A", "B")]).iloc[0]
    assert [means["mean_a"], means["mean_b"], means["diff"], means["diff_sd"]] == \
        pytest.approx([0.75, 0.55, 0.2, 0.1])
    assert means["n_phenotypes"] == 2


def test_bad_arguments(spaces):
    latents, pheno = spaces
    with pytest.raises(ValueError, match="n_splits"):
        CvConfig(n_splits=1)
    with pytest.raises(ValueError, match="'height'"):
        score_latents(latents, pheno, {"height": "continuous"})
    scores = score_latents({"good": latents["good"]}, pheno, {"bmi": "continuous"},
                           CvConfig(n_splits=2))
    with pytest.raises(ValueError, match="'other'"):
        compare_pairs(scores, [("good", "other")])
    assert CvConfig.from_dict(CvConfig().to_dict()) == CvConfig()


def test_binary_scores_do_not_depend_on_numpys_global_state():
    """saga shuffles the samples; scored twice with the global RNG in different states, the
    same latents give the same AUROC (a hard, slowly converging case: few cases, many
    weak dimensions)."""
    rng = np.random.default_rng(5)
    n = 120
    ids = pd.Index([f"s{i}" for i in range(n)], name="sample_id")
    latents = pd.DataFrame(rng.normal(size=(n, 16)), index=ids)
    pheno = pd.DataFrame({"disease": (latents[0] + rng.normal(0, 2.0, n) > 1.6).astype(int)}, index=ids)
    config = CvConfig(n_splits=3, seed=1, max_iter=5)
    runs = []
    for state in (1, 2):
        np.random.seed(state)
        runs.append(score_latents({"a": latents}, pheno, {"disease": "binary"}, config)["value"].to_numpy())
    np.testing.assert_array_equal(runs[0], runs[1])

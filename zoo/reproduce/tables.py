"""Table 2 and the sweep from per-(space, seed) measures, with honest uncertainty.

Scores are a long table ``space seed phenotype kind metric split value``. A summary
metric (e.g. the mean R² over a tensor's own traits) is averaged per (space, seed, split);
a pair's difference is taken per (seed, split) — same training seed index, same split —
and tested with the Nadeau–Bengio corrected resampled t-test over splits × seeds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from zoo.evaluate.resampled import corrected_resampled_ttest
from zoo.reproduce.plan import DISEASES, FACTOR_TRAITS, Pair, own_traits, space

__all__ = ["SUMMARIES", "scores_frame", "summary_values", "pair_test", "pair_rows", "space_rows", "traits_of",
           "negative_control", "retained_share", "verdicts", "nuisance_share"]

TRAITS = tuple(dict.fromkeys(t for ts in FACTOR_TRAITS.values() for t in ts))
# summary -> (metric, phenotypes or None for every phenotype of that metric)
SUMMARIES = {
    "own_r2": ("r2", None),  # filled per pair: the baseline tensor's own traits
    "trait_r2": ("r2", TRAITS),
    "disease_auroc": ("auroc", DISEASES),
    "all_r2": ("r2", None),
    "all_auroc": ("auroc", None),
}


def traits_of(truth: dict, space_name: str) -> tuple[str, ...]:
    """Measured traits driven by the factors of a space's phantom tensor."""
    return own_traits(truth["modalities"][space(space_name).truth_tensor]["factors"])


def scores_frame(records: dict) -> pd.DataFrame:
    """All phenotype scores of a level as one long table with a ``seed`` column."""
    parts = [pd.DataFrame(r["scores"]).assign(seed=seed) for (_, seed), r in records.items()]
    return pd.concat(parts, ignore_index=True)


def summary_values(scores: pd.DataFrame, metric: str, phenotypes=None) -> pd.Series:
    """Mean of ``metric`` over ``phenotypes`` (all when None) per (space, seed, split)."""
    part = scores[scores["metric"] == metric]
    if phenotypes is not None:
        part = part[part["phenotype"].isin(list(phenotypes))]
    if part.empty:
        raise ValueError(f"Expected scores of metric {metric!r} for {phenotypes}, got none")
    return part.groupby(["space", "seed", "split"])["value"].mean()


def pair_test(values: pd.Series, a: str, b: str, n_train: int, n_test: int) -> dict:
    """A − B of a summary metric, paired by (seed, split), corrected resampled t-test."""
    va, vb = values.xs(a, level="space"), values.xs(b, level="space")
    joined = pd.concat([va.rename("a"), vb.rename("b")], axis=1, join="inner")
    if len(joined) < 2:
        raise ValueError(f"pair {a}:{b}: expected shared (seed, split) scores, got {len(joined)}")
    test = corrected_resampled_ttest(joined["a"] - joined["b"], n_train, n_test)
    return {"mean_a": float(joined["a"].mean()), "mean_b": float(joined["b"].mean()),
            "diff": test["mean"], "lo": test["lo"], "hi": test["hi"], "p": test["p"], "n": test["n"],
            "se": test["se"], "df": test["df"]}


def _summary_tests(scores, pair: Pair, own: tuple[str, ...], n_train, n_test) -> dict:
    out = {}
    for key, (metric, phenos) in SUMMARIES.items():
        phenos = own if key == "own_r2" else phenos
        if key == "own_r2" and not own:
            continue
        out[key] = pair_test(summary_values(scores, metric, phenos), pair.a, pair.b, n_train, n_test)
    return out


def _seed_stats(records: dict, name: str, key: str):
    vals = [r["gwas"][key] if key in r.get("gwas", {}) else r.get("phewas", {}).get(key)
            for (s, _), r in records.items() if s == name]
    vals = [v for v in vals if v is not None]
    return (float(np.mean(vals)), float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0) if vals else (None, None)


def space_rows(records: dict, scores: pd.DataFrame, truth: dict, spaces) -> list[dict]:
    """Per latent space: own-trait R², PheWAS, loci, recall, precision and null rate
    (means over seeds, SD over seeds)."""
    rows = []
    for name in spaces:
        own = traits_of(truth, name)
        row = {"space": name, "role": space(name).role, "modality": space(name).modality,
               "own_traits": list(own)}
        if own:
            v = summary_values(scores[scores["space"] == name], "r2", own).groupby("seed").mean()
            row["own_r2"], row["own_r2_sd_seeds"] = float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0
        for key in ("n_associated", "loci_min_p", "loci_manova", "recall_min_p", "recall_manova",
                    "precision_min_p", "precision_manova", "null_rate", "lambda_gc", "n_true"):
            row[key], row[f"{key}_sd"] = _seed_stats(records, name, key)
        rows.append(row)
    return rows


def pair_rows(pairs, records: dict, scores: pd.DataFrame, truth: dict, n_train: int, n_test: int) -> list[dict]:
    """Table 2: one row per pair with every summary test and the GWAS and PheWAS means."""
    rows = []
    for pair in pairs:
        own = traits_of(truth, pair.b)
        row = {**pair.to_dict(), "own_traits": list(own), **{
            f"{k}_{m}": v for k, t in _summary_tests(scores, pair, own, n_train, n_test).items()
            for m, v in t.items()}}
        for side, name in (("a", pair.a), ("b", pair.b)):
            for key in ("n_associated", "loci_min_p", "loci_manova", "precision_min_p", "precision_manova",
                        "recall_min_p", "recall_manova", "null_rate"):
                row[f"{key}_{side}"], row[f"{key}_{side}_sd"] = _seed_stats(records, name, key)
        rows.append(row)
    return rows


def negative_control(sweep: pd.DataFrame, alpha: float = 0.05) -> list[dict]:
    """Rows of the sweep at nuisance 0, each marked ``significant_gain`` when registration
    helped there (p < ``alpha`` and Δ > 0): with nothing to register, it must not."""
    zero = sweep[sweep["level"] == 0.0]
    return [{**r, "significant_gain": bool(r["p"] < alpha and r["diff"] > 0)} for r in zero.to_dict(orient="records")]


def retained_share(table2: pd.DataFrame, pairs) -> list[dict]:
    """Per registration pair: the unregistered space's own-trait R² as a share of the
    registered one's (None when the registered space explains nothing)."""
    rows = []
    for pair in pairs:
        row = table2[(table2["a"] == pair.a) & (table2["b"] == pair.b)].iloc[0]
        a, b = row["own_r2_mean_a"], row["own_r2_mean_b"]
        rows.append({"modality": pair.modality, "a": pair.a, "b": pair.b, "own_r2_a": a, "own_r2_b": b,
                     "share": float(b / a) if a > 0 else None})
    return rows


def verdicts(table2: pd.DataFrame, alpha: float = 0.05) -> list[dict]:
    """Per pair, in words: did method A help its baseline B on own-trait R² (p < ``alpha``
    and Δ > 0), hurt it (p < ``alpha`` and Δ < 0), or make no significant difference."""
    rows = []
    for r in table2.to_dict(orient="records"):
        d, p = r.get("own_r2_diff"), r.get("own_r2_p")
        if d is None or p is None or not np.isfinite(p):
            word = "not scored (no own traits)"
        else:
            word = "helped" if p < alpha and d > 0 else "hurt" if p < alpha and d < 0 else "no significant difference"
        rows.append({"label": r["label"], "a": r["a"], "b": r["b"], "modality": r["modality"], "method": r["method"], "oracle": r["oracle"],
                     "verdict": word, "diff": d, "lo": r.get("own_r2_lo"), "hi": r.get("own_r2_hi"), "p": p,
                     "loci_diff": _minus(r.get("loci_manova_a"), r.get("loci_manova_b"))})
    return rows


def _minus(a, b):
    return None if a is None or b is None else float(a) - float(b)


def nuisance_share(sweep: pd.DataFrame, main_level: float, alpha: float = 0.05) -> list[dict]:
    """Per sweep pair: the registration gain at the main strength minus its gain at
    nuisance 0 — the part of the gain that removing the dialled nuisance explains. The
    two gains come from separate trainings, so their corrected standard errors add in
    quadrature (a normal interval: an approximation, stated as such in the report)."""
    from scipy import stats

    rows = []
    for label, group in sweep.groupby("label", sort=False):
        at = {float(r["level"]): r for r in group.to_dict(orient="records")}
        if 0.0 not in at or main_level not in at or main_level == 0.0:
            continue
        main, zero = at[main_level], at[0.0]
        diff = float(main["diff"] - zero["diff"])
        se = float(np.hypot(main["se"], zero["se"]))
        half = float(stats.norm.ppf(1 - alpha / 2)) * se
        rows.append({"label": label, "a": main["a"], "gain_main": float(main["diff"]), "gain_zero": float(zero["diff"]),
                     "attributable": diff, "lo": diff - half, "hi": diff + half,
                     # a share of a gain that is not there (not significant) means nothing
                     "share_of_gain": diff / float(main["diff"])
                     if main["diff"] > 0 and float(main["p"]) < alpha else None})
    return rows

"""How well does a latent space predict phenotypes? Repeated held-out splits, same for all.

Protocol (ml4h comparison, Table 2 of the paper): continuous phenotype -> ridge regression
on standardised latents, R² on held-out samples; binary phenotype -> class-balanced
elastic-net logistic regression, AUROC of the held-out *scores* (ml4h computed it from
predicted labels, which understates it). Splits are repeated random train/test splits
drawn once per phenotype from the seed and the samples every latent space shares, so all
latent spaces are scored on identical folds and pair differences are paired.
"""
from __future__ import annotations

import inspect
import zlib
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

__all__ = ["CvConfig", "make_folds", "roc_auc", "score_latents", "summarise_scores",
           "compare_pairs", "pair_means", "phenotype_kinds"]


@dataclass(frozen=True)
class CvConfig:
    """Repeated random splits and model settings of the phenotype comparison."""

    n_splits: int = 4
    train_fraction: float = 0.8
    seed: int = 0
    ridge_alphas: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
    l1_ratio: float = 0.5
    C: float = 1.0
    max_iter: int = 2000

    def __post_init__(self):
        if self.n_splits < 2:
            raise ValueError(f"Expected n_splits >= 2 (a spread needs repeats), got {self.n_splits}")
        if not 0 < self.train_fraction < 1:
            raise ValueError(f"Expected 0 < train_fraction < 1, got {self.train_fraction}")

    def to_dict(self) -> dict:
        return {**asdict(self), "ridge_alphas": list(self.ridge_alphas)}

    @classmethod
    def from_dict(cls, data: dict) -> "CvConfig":
        data = dict(data)
        if "ridge_alphas" in data:
            data["ridge_alphas"] = tuple(data["ridge_alphas"])
        return cls(**data)


def phenotype_kinds(frame: pd.DataFrame, columns=None) -> dict[str, str]:
    """``{column: 'binary' | 'continuous'}``: binary when the observed values are {0, 1}."""
    kinds = {}
    for col in columns if columns is not None else frame.columns:
        values = frame[col].dropna()
        if not pd.api.types.is_numeric_dtype(values) or values.nunique() < 2:
            continue
        kinds[col] = "binary" if set(np.unique(values)) <= {0, 1} else "continuous"
    return kinds


def make_folds(n: int, config: CvConfig, *, labels: np.ndarray | None = None,
               key: str = "") -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_splits`` (train, test) index pairs over ``n`` samples, from ``seed`` and ``key``.

    With ``labels`` (binary) the splits are stratified so each test set has both classes.
    The same (n, config, labels, key) always gives the same folds.
    """
    # Seeded by (seed, phenotype name) only: never by the latent space.
    state = int(np.random.SeedSequence([config.seed, zlib.crc32(key.encode())]).generate_state(1)[0])
    if labels is None:
        from sklearn.model_selection import ShuffleSplit
        splitter = ShuffleSplit(config.n_splits, train_size=config.train_fraction,
                                random_state=state)
        return [(tr, te) for tr, te in splitter.split(np.zeros(n))]
    from sklearn.model_selection import StratifiedShuffleSplit
    splitter = StratifiedShuffleSplit(config.n_splits, train_size=config.train_fraction,
                                      random_state=state)
    return [(tr, te) for tr, te in splitter.split(np.zeros(n), labels)]


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """AUROC from scores: the Mann–Whitney U statistic with ties counted half."""
    from scipy.stats import rankdata

    labels = np.asarray(labels).astype(bool)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"Expected both classes for AUROC, got {n_pos} positives and "
                         f"{n_neg} negatives")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _logistic(config: CvConfig):
    from sklearn.linear_model import LogisticRegression

    # saga visits the samples in a random order: seeded, or the same latents score
    # differently from run to run (numpy's global state otherwise)
    kwargs = dict(C=config.C, l1_ratio=config.l1_ratio, solver="saga", class_weight="balanced",
                  max_iter=config.max_iter, tol=1e-3, random_state=config.seed)
    # scikit-learn >= 1.8 infers elastic net from l1_ratio; older versions need `penalty`.
    if inspect.signature(LogisticRegression).parameters["penalty"].default != "deprecated":
        kwargs["penalty"] = "elasticnet"
    return LogisticRegression(**kwargs)


def _fit_score(kind: str, x_tr, y_tr, x_te, y_te, config: CvConfig) -> float:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import r2_score

    mean, sd = x_tr.mean(axis=0), x_tr.std(axis=0)
    sd[sd == 0] = 1.0
    x_tr, x_te = (x_tr - mean) / sd, (x_te - mean) / sd
    if kind == "continuous":
        model = RidgeCV(alphas=config.ridge_alphas).fit(x_tr, y_tr)
        return float(r2_score(y_te, model.predict(x_te)))
    with warnings.catch_warnings():
        # saga's tolerance warning on a few splits does not change AUROC materially
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = _logistic(config).fit(x_tr, y_tr)
    return roc_auc(y_te, model.decision_function(x_te))


def score_latents(spaces: dict[str, pd.DataFrame], phenotypes: pd.DataFrame,
                  kinds: dict[str, str] | None = None, config: CvConfig | None = None,
                  *, progress: bool = False) -> pd.DataFrame:
    """Held-out R²/AUROC of every latent space for every phenotype on every split.

    ``spaces`` maps a name to a latent table indexed by sample id; ``phenotypes`` is indexed
    by sample id. Only samples present in every space are used, so the folds of a phenotype
    are identical across spaces. Returns columns ``space phenotype kind metric split value``.
    """
    from tqdm.auto import tqdm

    config = config or CvConfig()
    if not spaces:
        raise ValueError("Expected at least one latent space, got none")
    kinds = kinds if kinds is not None else phenotype_kinds(phenotypes)
    missing = [c for c in kinds if c not in phenotypes.columns]
    if missing:
        raise ValueError(f"Expected phenotype columns {missing}, got {list(phenotypes.columns)[:10]}")
    common = phenotypes.index
    for frame in spaces.values():
        common = common.intersection(frame.index, sort=False)
    rows = []
    bar = tqdm(total=len(kinds) * len(spaces), disable=not progress, desc="phenotype CV")
    for pheno, kind in kinds.items():
        y_all = phenotypes.loc[common, pheno]
        ids = y_all.dropna().index
        y = y_all.loc[ids].to_numpy(np.float64)
        if len(ids) < 10:
            raise ValueError(f"phenotype {pheno!r}: expected at least 10 samples shared by "
                             f"every latent space, got {len(ids)}")
        folds = make_folds(len(ids), config, labels=y if kind == "binary" else None, key=pheno)
        metric = "auroc" if kind == "binary" else "r2"
        for name, frame in spaces.items():
            x = frame.loc[ids].to_numpy(np.float64)
            for split, (tr, te) in enumerate(folds):
                rows.append((name, pheno, kind, metric, split,
                             _fit_score(kind, x[tr], y[tr], x[te], y[te], config)))
            bar.update(1)
    bar.close()
    return pd.DataFrame(rows, columns=["space", "phenotype", "kind", "metric", "split", "value"])


def summarise_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD and the paper's mean ± 2 SD interval per (space, phenotype)."""
    grouped = scores.groupby(["space", "phenotype", "kind", "metric"], sort=False)["value"]
    out = grouped.agg(mean="mean", sd="std", n_splits="count").reset_index()
    out["lo"] = out["mean"] - 2 * out["sd"]
    out["hi"] = out["mean"] + 2 * out["sd"]
    return out


def compare_pairs(scores: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Per pair (A, B) and phenotype: mean of A − B over the shared splits, ± 2 SD.

    The folds are identical across spaces, so differences are taken split by split.
    """
    wide = scores.pivot_table(index=["phenotype", "kind", "metric", "split"], columns="space",
                              values="value")
    rows = []
    for a, b in pairs:
        for name in (a, b):
            if name not in wide.columns:
                raise ValueError(f"Expected latent space {name!r} in the scores, got "
                                 f"{list(wide.columns)}")
        diff = (wide[a] - wide[b]).groupby(level=["phenotype", "kind", "metric"], sort=False)
        mean_a = wide[a].groupby(level=["phenotype", "kind", "metric"], sort=False).mean()
        mean_b = wide[b].groupby(level=["phenotype", "kind", "metric"], sort=False).mean()
        order = {name: i for i, name in enumerate(pd.unique(scores["phenotype"]))}
        for key, d in sorted(diff, key=lambda item: order[item[0][0]]):
            rows.append({"pair": f"{a}:{b}", "a": a, "b": b, "phenotype": key[0], "kind": key[1],
                         "metric": key[2], "mean_a": mean_a[key], "mean_b": mean_b[key],
                         "diff": d.mean(), "diff_sd": d.std(), "diff_lo": d.mean() - 2 * d.std(),
                         "diff_hi": d.mean() + 2 * d.std()})
    return pd.DataFrame(rows)


def pair_means(scores: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Per pair and metric: the mean over phenotypes of R² (or AUROC) for A and B, and
    their difference ± 2 SD, the SD taken over splits of the per-split phenotype mean."""
    per_split = scores.groupby(["space", "metric", "split"])["value"].mean().unstack("space")
    rows = []
    for a, b in pairs:
        for metric, part in per_split.groupby(level="metric", sort=False):
            diff = part[a] - part[b]
            rows.append({"pair": f"{a}:{b}", "a": a, "b": b, "metric": metric,
                         "mean_a": part[a].mean(), "mean_b": part[b].mean(),
                         "diff": diff.mean(), "diff_sd": diff.std(),
                         "n_phenotypes": int(scores[(scores.metric == metric)]
                                             ["phenotype"].nunique())})
    return pd.DataFrame(rows)

"""What a finished ``zoo reproduce`` run says about each latent space it trained.

The run folder holds its settings (``reproduce.json``), one JSON result per finished step
(``steps/<key>.json``: per space and training seed, the phenotype scores on identical
splits, the PheWAS counts and the latent-GWAS loci with the null rate) and the report's
tables (``table2.csv``, ``report.json`` with the nuisance-0 negative control). A preset
published from the run carries, for its latent space, the same numbers: means ± SD over
the training seeds (and over the splits), the Table-2 pair it is the method of, and its
negative control when the run swept its registration to nuisance 0.
"""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zoo.reproduce.plan import DISEASES, SWEEP_PAIRS, space
from zoo.reproduce.run import MANIFEST, Level
from zoo.reproduce.settings import CONVERGE, FULL, QUICK, Settings, profile_flags
from zoo.reproduce.tables import TRAITS, space_rows, summary_values, traits_of

__all__ = ["ReproduceRun", "reproduce_command", "space_metrics"]

# the report's Table-2 and control columns a preset records (plain floats)
_DIGITS = 6
_GWAS_KEYS = ("lambda_gc", "loci_min_p", "precision_min_p", "recall_min_p", "loci_manova", "precision_manova",
              "recall_manova")


def _r(x):
    return None if x is None or pd.isna(x) else round(float(x), _DIGITS)


def _p(x):
    """A p-value to 3 significant digits: rounding to fixed decimals would print 2e-13 as 0."""
    return None if x is None or pd.isna(x) else float(f"{float(x):.3g}")


def reproduce_command(settings: Settings) -> str:
    """The ``zoo reproduce`` command line that trains with ``settings`` (``--out DIR``);
    settings the command line cannot spell are a Python call of ``zoo.run_reproduce``."""
    base = QUICK if settings.quick else CONVERGE if settings.converge else FULL
    flags = ["zoo", "reproduce", *profile_flags(settings)]
    flags += ["--n", str(settings.n), "--seeds", str(settings.seeds), "--nuisance", f"{settings.nuisance:g}",
              "--sweep", *(f"{s:g}" for s in settings.sweep), "--epochs", str(settings.epochs),
              "--cohort-seed", str(settings.cohort_seed), "--out", "DIR"]
    spelled = base.with_(n=settings.n, seeds=settings.seeds, nuisance=settings.nuisance, sweep=settings.sweep,
                         epochs=settings.epochs, cohort_seed=settings.cohort_seed)
    if spelled == settings:
        return " ".join(shlex.quote(f) for f in flags)
    return (f"python -c 'import zoo; from zoo.reproduce.settings import Settings; zoo.run_reproduce(\"DIR\", "
            f"Settings.from_dict({json.dumps(settings.to_dict())}))'")


@dataclass(frozen=True)
class ReproduceRun:
    """A finished ``zoo reproduce`` folder: settings, main level, step results, report."""

    root: Path
    settings: Settings

    @classmethod
    def open(cls, root) -> "ReproduceRun":
        root = Path(root)
        manifest = root / MANIFEST
        if not manifest.is_file():
            raise ValueError(f"{root}: expected a `zoo reproduce` run folder with {MANIFEST}, found none")
        settings = Settings.from_dict(json.loads(manifest.read_text(encoding="utf-8"))["settings"])
        run = cls(root, settings)
        report = root / "report.json"
        if not report.is_file() or not (root / "table2.csv").is_file():
            raise ValueError(f"{root}: expected the report of a finished run (report.json, table2.csv), found none; "
                             "finish the run (rerun its `zoo reproduce` command) first")
        pending = json.loads(report.read_text(encoding="utf-8")).get("pending_sweep_levels") or []
        if pending:
            raise ValueError(f"{report}: the report is partial (nuisance sweep levels {', '.join(pending)} still to "
                             "run); finish the run (rerun its `zoo reproduce` command) first")
        return run

    @property
    def main(self) -> Level:
        return Level(self.root, self.settings.nuisance, True)

    def step(self, key: str) -> dict:
        path = self.root / "steps" / f"{key}.json"
        if not path.is_file():
            raise ValueError(f"{path}: expected the result of step {key} of a finished run, found none")
        return json.loads(path.read_text(encoding="utf-8"))["result"]

    def records(self, name: str) -> dict:
        """(space, seed) -> measure step result, every training seed of ``name``."""
        lv = self.main
        return {(name, seed): self.step(lv.key(f"measure_{name}_seed{seed}")) for seed in range(self.settings.seeds)}

    def truth(self) -> dict:
        return json.loads((self.main.root / "cohort" / "truth.json").read_text(encoding="utf-8"))

    def n_common(self) -> int:
        return len(self.step(self.main.key("common"))["sample_ids"])

    def window(self) -> int:
        return int(self.step(self.main.key("ld"))["window"])

    def run_dir(self, model: str, seed: int = 0) -> Path:
        path = self.main.root / "runs" / f"{model}_seed{seed}"
        if not path.is_dir():
            raise ValueError(f"{path}: expected the run folder of model {model}, seed {seed}, found none")
        return path

    def table2(self) -> pd.DataFrame:
        return pd.read_csv(self.root / "table2.csv")

    def negative_control(self) -> list[dict]:
        return json.loads((self.root / "report.json").read_text(encoding="utf-8")).get("negative_control") or []

    def data(self) -> dict:
        """The training data record of every preset of this run: its phantom cohort."""
        s = self.settings
        return {"name": "regzoo-phantom-reproduce", "kind": "phantom", "n": s.n, "nuisance": s.nuisance,
                "cohort_seed": s.cohort_seed, "n_variants": s.n_variants,
                "description": f"regzoo phantom cohort of the `zoo reproduce` run (synthetic; {s.n} subjects, "
                               f"nuisance strength {s.nuisance:g}, cohort seed {s.cohort_seed}, {s.n_variants} "
                               "variants, quick scale: reduced resolutions)."}

    def evaluation(self) -> str:
        """How the card's metrics were measured (the same text for every space of the run)."""
        s = self.settings
        return (f"Measured by the `zoo reproduce` run that trained this encoder: the latent space was trained with "
                f"{s.seeds} seeds (this preset is seed 0) at the same budget as every other space "
                f"(batch {s.batch}, {s.steps} steps/epoch, at most {s.epochs} epochs, early stopping with patience "
                f"{s.patience}). Held-out ridge R² (continuous) and logistic AUROC (binary) on the "
                f"{self.n_common()} samples every latent space shares, over {s.splits} random "
                f"{s.train_fraction:.0%}/{1 - s.train_fraction:.0%} splits identical for every space and seed; "
                "each value is a mean over phenotypes, then ± SD over the training seeds and over the splits. "
                "Own traits: the measured traits the tensor's own phantom factors drive; trait R²: all 9 measured "
                "traits; disease AUROC: the 4 diseases. PheWAS: diseases associated with a latent dimension "
                f"(Bonferroni). Latent GWAS: p < {s.threshold:g}, MAF ≥ {s.min_maf:g}, loci clumped and matched "
                f"within the {self.window() / 1e3:.0f} kb LD window; recall and precision against the causal "
                "variants of the tensor's own factors. A registered space's gain over its baseline is paired by "
                "(seed, split) and tested with the Nadeau–Bengio corrected resampled t-test.")


def _spread(values: pd.Series) -> dict:
    """mean, SD over seeds (of the per-seed means), SD over splits (of the seed-averaged splits)."""
    by_seed, by_split = values.groupby(level="seed").mean(), values.groupby(level="split").mean()
    return {"mean": _r(values.mean()), "sd_over_seeds": _r(by_seed.std(ddof=1)) if len(by_seed) > 1 else 0.0,
            "sd_over_splits": _r(by_split.std(ddof=1)) if len(by_split) > 1 else 0.0,
            "seeds": int(len(by_seed)), "splits": int(len(by_split))}


def _pair(run: ReproduceRun, name: str) -> dict | None:
    table = run.table2()
    rows = table[table["a"] == name]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return {"baseline": str(r["b"]), "method": str(r["method"]), "oracle": bool(r["oracle"]),
            "own_r2": _r(r["own_r2_mean_a"]), "own_r2_baseline": _r(r["own_r2_mean_b"]),
            "delta_own_r2": _r(r["own_r2_diff"]), "ci95": [_r(r["own_r2_lo"]), _r(r["own_r2_hi"])],
            "p": _p(r["own_r2_p"]), "test": f"Nadeau–Bengio corrected resampled t-test, {int(r['own_r2_n'])} "
                                            "(seed, split) pairs"}


def _control(run: ReproduceRun, name: str) -> dict | str:
    rows = [r for r in run.negative_control() if r["a"] == name]
    if rows:
        r = rows[0]
        return {"nuisance": float(r["level"]), "baseline": r["b"], "own_r2": _r(r["mean_a"]),
                "own_r2_baseline": _r(r["mean_b"]), "delta_own_r2": _r(r["diff"]), "ci95": [_r(r["lo"]), _r(r["hi"])],
                "p": _p(r["p"]), "verdict": "SIGNIFICANT GAIN: the negative control fails" if r["significant_gain"]
                else "no significant gain"}
    s = space(name)
    if 0.0 not in run.settings.levels:
        return "not run: this run's nuisance sweep has no level 0"
    if s.role == "native":
        return "not applicable: an unregistered baseline (the control tests registered spaces against it)"
    swept = ", ".join(f"{p.method} ({p.a})" for p in SWEEP_PAIRS)
    return f"not run: the nuisance sweep reruns only {swept}"


def space_metrics(run: ReproduceRun, name: str) -> dict:
    """The metrics of latent space ``name`` as its preset records them."""
    records = run.records(name)
    scores = pd.concat([pd.DataFrame(r["scores"]).assign(seed=seed) for (_, seed), r in records.items()],
                       ignore_index=True)
    truth = run.truth()
    own = traits_of(truth, name)
    out = {"space": name, "n_samples": run.n_common()}
    for key, metric, phenos in (("own_r2", "r2", own), ("trait_r2", "r2", TRAITS),
                                ("disease_auroc", "auroc", DISEASES)):
        if phenos and scores[(scores["metric"] == metric) & scores["phenotype"].isin(phenos)].size:
            present = sorted(set(phenos) & set(scores.loc[scores["metric"] == metric, "phenotype"]))
            out[key] = {**_spread(summary_values(scores, metric, phenos)),
                        "phenotypes": [p for p in phenos if p in present]}
    row = space_rows(records, scores, truth, [name])[0]
    if row.get("n_associated") is not None:
        phewas = [r["phewas"] for r in records.values()]
        out["phewas_diseases"] = {"mean": _r(row["n_associated"]), "sd_over_seeds": _r(row["n_associated_sd"]),
                                  "of": int(phewas[0]["n_phenotypes"])}
    if all("gwas" in r for r in records.values()):
        factors = truth["modalities"][space(name).truth_tensor]["factors"]
        gwas = {"threshold": run.settings.threshold, "min_maf": run.settings.min_maf,
                "window_kb": run.window() / 1e3, "own_factors": list(factors), "n_true": int(row["n_true"]),
                "n_tested": int(round(sum(r["gwas"]["n_tested"] for r in records.values()) / len(records)))}
        for key in _GWAS_KEYS:
            gwas[key] = None if row[key] is None else {"mean": _r(row[key]), "sd_over_seeds": _r(row[f"{key}_sd"])}
        gwas["null_rate"] = _r(row["null_rate"])
        out["gwas"] = gwas
    pair = _pair(run, name)
    if pair is not None:
        out["vs_baseline"] = pair
    out["negative_control"] = _control(run, name)
    return out

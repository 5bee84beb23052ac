"""``run_reproduce``: the whole experiment as resumable steps, then the report.

At the main nuisance strength: phantom cohort → store → every registration → every model
× seed → latent tables → measures per latent space × seed (phenotypes, PheWAS, GWAS) →
registration quality and LD window. At each other strength of the sweep (same seed, so
the same people, genotypes and anatomy; only the nuisance differs): the registrations
that remove the dialled nuisance, their native/registered models × seeds, phenotype
scores. Everything lands under ``OUT`` (sweep levels under ``OUT/sweep/``); the report is
rebuilt from the step results on every run.
"""
from __future__ import annotations

import errno
import json
from pathlib import Path

import pandas as pd

import fastio
from fastio.safefs import atomic_write_text, output_folder
from zoo.evaluate.compare import cv_min_class
from zoo.evaluate.latents import read_latents
from zoo.evaluate.ld import ld_decay, ld_window
from zoo.evaluate.phenotypes import CvConfig, phenotype_kinds
from zoo.phantom import generate
from zoo.registration.methods import get_method
from zoo.registration.pipeline import register_store
from zoo.reproduce.measure import measure_space, own_truth
from zoo.reproduce.plan import MODELS, PAIRS, REGISTRATIONS, SPACES, SWEEP_PAIRS, pair_models, space
from zoo.reproduce.pose import registration_errors
from zoo.reproduce.quality import explained_shares
from zoo.reproduce.report import write_report
from zoo.reproduce.settings import Settings
from zoo.reproduce.steps import Steps
from zoo.reproduce.train import train_and_infer, trained_as_planned

__all__ = ["run_reproduce", "Level", "measure_latents"]

MANIFEST = "reproduce.json"
_COVARIATES = ("age", "sex") + tuple(f"PC{i}" for i in range(1, 11))
_WEIGHTS = {"phantom": 1.0, "convert": 0.5, "register": 0.3, "register_learned": 2.0, "train": 1.0,
            "common": 0.05, "measure": 0.15, "measure_gwas": 0.4, "ld": 0.2, "quality": 0.3, "pose": 0.05}


class Level:
    """One nuisance strength: its folder, pairs, models, spaces and registrations."""

    def __init__(self, out: Path, strength: float, main: bool):
        self.strength, self.main = strength, main
        self.tag = f"nuisance{strength:.2f}"
        self.root = out if main else out / "sweep" / self.tag
        self.pairs = PAIRS if main else SWEEP_PAIRS
        self.models = MODELS if main else pair_models(SWEEP_PAIRS)
        tensors = {t for m in self.models for t in m.inputs}
        self.registrations = tuple(r for r in REGISTRATIONS if r.out in tensors)
        self.sources = tuple(sorted(({r.source for r in self.registrations} | tensors)
                                    - {r.out for r in self.registrations}))
        names = {n for p in self.pairs for n in (p.a, p.b)}
        self.spaces = tuple(s.name for s in SPACES if s.name in names)

    def key(self, what: str) -> str:
        return f"{what}@{self.tag}"


def _check_out(out: Path, settings: Settings) -> None:
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder; expected an output folder", str(out))
    manifest = out / MANIFEST
    if manifest.is_file():
        previous = Settings.from_dict(json.loads(manifest.read_text(encoding="utf-8"))["settings"])
        if previous != settings:
            raise ValueError(f"{out}: holds a reproduce run with other settings ({previous.to_dict()}); "
                             f"rerun with those settings to resume it, or choose another --out")
        return
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out}: expected an empty or new folder (or a reproduce run to resume), "
                         f"found other files")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(manifest, json.dumps({"format": "regzoo-reproduce/1", "settings": settings.to_dict()},
                                           indent=1))


def _plan(levels: list[Level], settings: Settings) -> dict[str, float]:
    w = _WEIGHTS
    plan = {}
    for lv in levels:
        plan[lv.key("phantom")] = w["phantom"]
        plan[lv.key("convert")] = w["convert"]
        for r in lv.registrations:
            plan[lv.key(f"register_{r.out}")] = w["register_learned" if r.learned else "register"]
        plan[lv.key("pose")] = w["pose"]
        for m in lv.models:
            for seed in range(settings.seeds):
                plan[lv.key(f"train_{m.name}_seed{seed}")] = w["train"] * len(m.inputs)
        plan[lv.key("common")] = w["common"]
        if lv.main:
            plan[lv.key("ld")] = w["ld"]
            plan[lv.key("quality")] = w["quality"]
        for name in lv.spaces:
            for seed in range(settings.seeds):
                plan[lv.key(f"measure_{name}_seed{seed}")] = w["measure_gwas" if lv.main else "measure"]
    return plan


def _cohort(lv: Level, settings: Settings, progress: bool) -> dict:
    cohort = generate(lv.root / "cohort", n=settings.n, seed=settings.cohort_seed, scale="quick",
                      n_variants=settings.n_variants, progress=progress, nuisance=lv.strength)
    return {"hd5": str(cohort.hd5_dir), "phenotypes": str(cohort.phenotypes_csv), "bfile": str(cohort.bfile),
            "truth": str(cohort.truth_json), "preview": str(lv.root / "cohort" / "preview.png")}


def _register(lv: Level, reg, settings: Settings, progress: bool) -> dict:
    options = {"epochs": settings.reg_epochs, "steps": settings.reg_steps} if reg.learned else {}
    if settings.template_fit is not None and not reg.learned and "max_fit" in get_method(reg.method).options.names():
        options["max_fit"] = settings.template_fit  # the ECC methods build their template from these
    options.update(dict(reg.options))
    result = register_store(lv.root / "store.zarr", reg.method, reg.source, out_tensor=reg.out,
                            progress=progress, seed=settings.cohort_seed, **options)
    return {"n_registered": result["n_registered"], "n_source_present": result["n_source_present"],
            "n_failures": len(result["failures"]), "plot": result.get("plot")}


def _common(lv: Level, trained: dict, cohort: dict) -> dict:
    pheno = pd.read_csv(cohort["phenotypes"], dtype={"sample_id": str})
    ids = pd.Index(pheno.dropna(subset=list(_COVARIATES))["sample_id"].astype(str))
    for name in lv.spaces:
        s = space(name)
        for seed_tables in trained[s.model]:
            ids = ids.intersection(read_latents(seed_tables["latents"][s.tensor]).index, sort=False)
    if len(ids) < 40:
        raise RuntimeError(f"{lv.root}: expected at least 40 samples shared by every latent space, got {len(ids)}")
    return {"sample_ids": sorted(ids)}


def measure_latents(name: str, latents_path, cohort: dict, sample_ids, settings: Settings, truth: dict,
                    window: int, *, gwas: bool) -> dict:
    """Every measure of latent space ``name`` from its latent table, on ``sample_ids``:
    phenotype scores on the run's splits, PheWAS, and (``gwas``) the latent GWAS loci."""
    s = space(name)
    ids = pd.Index(sample_ids)
    pheno = pd.read_csv(cohort["phenotypes"], dtype={"sample_id": str}).set_index("sample_id").loc[ids]
    latents = read_latents(latents_path).loc[ids]
    cv = CvConfig(n_splits=settings.splits, train_fraction=settings.train_fraction, seed=settings.cohort_seed)
    kinds = phenotype_kinds(pheno, [c for c in pheno.columns if c not in ("FID", "IID")])
    # a disease too rare for every test set to hold a case is not scored (same rule as zoo compare)
    kinds = {c: k for c, k in kinds.items()
             if k != "binary" or min((pheno[c] == 1).sum(), (pheno[c] == 0).sum()) >= cv_min_class(cv)}
    factors = truth["modalities"][s.truth_tensor]["factors"]
    return measure_space(name, latents, pheno, kinds, pheno[list(_COVARIATES)], cv, bfile=cohort["bfile"],
                         truth_variants=own_truth(truth, factors), window=window, threshold=settings.threshold,
                         min_maf=settings.min_maf, gwas=gwas)


def _measure(lv, name, seed, trained, cohort, common, settings, truth, window) -> dict:
    s = space(name)
    return measure_latents(name, trained[s.model][seed]["latents"][s.tensor], cohort, common["sample_ids"],
                           settings, truth, window, gwas=lv.main)


def _ld(cohort: dict, settings: Settings) -> dict:
    decay = ld_decay(cohort["bfile"], max_distance=500_000, bin_size=10_000)
    window = ld_window(decay, r2=0.1, lo=100_000, hi=250_000, n_samples=settings.n)
    return {"window": window, "decay": decay.to_dict(orient="list")}


def _quality(lv: Level, truth: dict) -> dict:
    store = fastio.open_store(lv.root / "store.zarr")
    rows = []
    for r in lv.registrations:
        before = explained_shares(store, r.source, truth, r.source)
        after = explained_shares(store, r.out, truth, r.source)
        rows.append({"method": r.method, "source": r.source, "out": r.out,
                     "nuisance_r2_before": before["nuisance_r2"], "nuisance_r2_after": after["nuisance_r2"],
                     "factor_r2_before": before["factor_r2"], "factor_r2_after": after["factor_r2"]})
    tensors = {}
    for name in lv.sources + tuple(r.out for r in lv.registrations):
        spec = store.spec(name)
        tensors[name] = {"shape": list(spec.shape), "present": int(store.present(name).sum())}
    return {"registrations": rows, "tensors": tensors}


def _run_level(lv: Level, steps: Steps, settings: Settings, progress: bool, window: int | None) -> dict:
    cohort = steps.run(lv.key("phantom"), lambda: _cohort(lv, settings, progress),
                       what=f"phantom cohort, n={settings.n}, nuisance {lv.strength:g}")
    truth = json.loads(Path(cohort["truth"]).read_text(encoding="utf-8"))
    store = lv.root / "store.zarr"
    steps.run(lv.key("convert"), lambda: {"summary": str(fastio.convert(
        cohort["hd5"], store, list(lv.sources), scale="quick", progress=progress))},
        what=f"convert {len(lv.sources)} tensors")
    # each registration writes its own tensor of the level's store: they run side by side
    parallel = settings.train_workers > 1
    done = steps.run_many([(lv.key(f"register_{r.out}"), _register, (lv, r, settings, progress and not parallel),
                            f"register {r.source} by {r.method}") for r in lv.registrations])
    registered = {r.out: done[lv.key(f"register_{r.out}")] for r in lv.registrations}
    pose = steps.run(lv.key("pose"), lambda: {"registrations": registration_errors(
        fastio.open_store(store), truth, lv.registrations)}, what="registration error against the known nuisance")
    measures = [lv.key(f"measure_{name}_seed{seed}") for name in lv.spaces for seed in range(settings.seeds)]
    trained = {}
    for m in lv.models:
        for seed in range(settings.seeds):
            key = lv.key(f"train_{m.name}_seed{seed}")
            if steps.done(key) and not trained_as_planned(m, settings, store, lv.root / "runs", seed):
                # the plan builds this model differently now: retrain it and re-measure its spaces
                mine = {sp.name for sp in SPACES if sp.model == m.name}
                moved = steps.invalidate([key, lv.key("common"),
                                          *(lv.key(f"measure_{n}_seed{seed}") for n in lv.spaces if n in mine)])
                steps.say(f"{key}: trained with other flags than today's plan; {len(moved)} steps will run again")
    jobs = [(lv.key(f"train_{m.name}_seed{seed}"), train_and_infer, (m, settings, store, lv.root / "runs", seed),
             f"train {m.name}, seed {seed}") for m in lv.models for seed in range(settings.seeds)]
    # a worker process reuses the model it built for another seed (zoo.recipes.reuse)
    done = steps.run_many(jobs, group=lambda key: key.split("@")[0].rsplit("_seed", 1)[0])
    for m in lv.models:
        trained[m.name] = [done[lv.key(f"train_{m.name}_seed{seed}")] for seed in range(settings.seeds)]
    common = steps.run(lv.key("common"), lambda: _common(lv, trained, cohort), what="shared samples",
                       dependents=measures)
    extra = {}
    if lv.main:
        extra["ld"] = steps.run(lv.key("ld"), lambda: _ld(cohort, settings), what="LD decay and window")
        window = extra["ld"]["window"]
        extra["quality"] = steps.run(lv.key("quality"), lambda: _quality(lv, truth), what="registration quality")
    jobs = [(lv.key(f"measure_{name}_seed{seed}"), _measure,
             (lv, name, seed, trained, cohort, common, settings, truth, window or 100_000),
             f"measure {name}, seed {seed}") for name in lv.spaces for seed in range(settings.seeds)]
    done = steps.run_many(jobs)
    records = {(name, seed): done[lv.key(f"measure_{name}_seed{seed}")]
               for name in lv.spaces for seed in range(settings.seeds)}
    return {"level": lv, "cohort": cohort, "truth": truth, "registered": registered, "pose": pose, "trained": trained,
            "n_common": len(common["sample_ids"]), "records": records, **extra}


def run_reproduce(out, settings: Settings, *, progress: bool = False, say=print, remeasure: bool = False) -> dict:
    """Run (or resume) the whole registered-vs-unregistered experiment under ``out`` and
    write its report (``zoo reproduce``); every finished step is kept, so a rerun after a
    kill continues where it stopped.

    Args:
        out: the experiment's folder (cohorts, stores, runs, steps, report).
        settings: :class:`~zoo.reproduce.settings.Settings`: cohort size, training seeds,
            nuisance sweep and the training budget every model shares (``FULL``, ``QUICK``).
        progress: show progress bars.
        say: where the one-line progress messages go.
        remeasure: score every latent space again (after a change to the scoring); the
            trainings and registrations are kept.

    Returns:
        ``markdown`` and ``html`` (the report's paths), and the main level's tables:
        ``table2`` (registered vs unregistered pairs), ``spaces`` (per latent space),
        ``sweep`` (the nuisance sweep).

    Example:
        >>> import zoo
        >>> from zoo.reproduce import QUICK
        >>> tiny = QUICK.with_(n=50, sweep=(), n_variants=1000, epochs=1, steps=2, batch=8,
        ...                    patience=1, reg_epochs=1, reg_steps=2, splits=2)
        >>> report = zoo.run_reproduce("experiment", tiny, say=lambda line: None)
        >>> sorted(report)
        ['html', 'markdown', 'spaces', 'sweep', 'table2']
    """
    out = Path(out)
    with output_folder(out):
        _check_out(out, settings)
    levels = [Level(out, s, s == settings.nuisance) for s in settings.levels]
    levels.sort(key=lambda lv: not lv.main)  # the main run first: its tables matter most
    with Steps(out, _plan(levels, settings), say, workers=settings.train_workers) as steps:
        return _run_levels(out, levels, steps, settings, progress, say, remeasure)


def _run_levels(out: Path, levels: list[Level], steps: Steps, settings: Settings, progress: bool, say,
                remeasure: bool) -> dict:
    if remeasure:
        moved = steps.invalidate([k for k in steps.plan if k.startswith("measure_")])
        say(f"scoring every latent space again: {len(moved)} finished measures will run again")
    results, report = [], None
    for lv in levels:
        results.append(_run_level(lv, steps, settings, progress, None))
        # a report after every level: a long run shows its tables before the sweep ends
        pending = [f"{other.strength:g}" for other in levels[len(results):]]
        say("writing the report" + (f" (sweep levels still to run: {', '.join(pending)})" if pending else ""))
        report = write_report(out, settings, results, steps, pending=pending)
    return report

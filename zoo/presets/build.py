"""``zoo presets build --out DIR``: train and publish every shipped preset, seeded.

One command, in the experiment's own steps: a phantom cohort at quick scale (or your ml4h
``.hd5`` folder with ``--hd5``) → one fastio store → every registration the experiment
compares (``zoo register``) → one autoencoder or DropFuse pair model per latent space
(the ml4h recipe, the demo's architecture) → ``zoo infer`` latents → ``zoo compare``
metrics (held-out phenotype R²/AUROC with their spread over splits, PheWAS counts, GWAS
loci against the planted truth) → ``zoo presets publish`` of each encoder with its metrics.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fastio.safefs import atomic_write_text
from zoo.reproduce import plan

__all__ = ["RECIPES", "REGISTRATIONS", "Recipe", "add_arguments", "run_build",
           "space_metrics"]

SOURCE_TENSORS = ("dxa_2", "dxa_5", "dxa_11", "dxa_12", "ecg_rest", "ecg_rest_median_raw_10",
                  "lax_4ch_heart_center", "t1_slice_80", "t1_mni_slice_80")


@dataclass(frozen=True)
class Recipe:
    """One training run: an autoencoder of ``inputs[0]``, or a DropFuse pair of two."""

    run_id: str
    inputs: tuple[str, ...]


_AE_TENSORS = ("ecg_rest", "ecg_rest_median_beat", "t1_slice_80", "t1_slice_80_template", "t1_mni_slice_80",
               "dxa_2", "dxa_5", "dxa_11", "dxa_12", "dxa_12_homography", "dxa_12_voxelmorph",
               "lax_4ch_heart_center", "lax_4ch_heart_center_deepcycle", "lax_4ch_heart_center_voxelmorph")
# the experiment's registrations (zoo.reproduce.plan) of the tensors a preset is trained on
REGISTRATIONS = tuple(r for r in plan.REGISTRATIONS if r.out in _AE_TENSORS)
_PAIRS = (("dxa_2", "dxa_5"), ("dxa_11", "dxa_12"), ("lax_4ch_heart_center", "ecg_rest_median_raw_10"))

RECIPES = tuple(Recipe(f"{t}_ae", (t,)) for t in _AE_TENSORS) + tuple(
    Recipe(f"{a}_{b}_dropfuse", (a, b)) for a, b in _PAIRS)

# registered : unregistered, as the experiment compares them (DropFuse against each side's AE)
COMPARED = (("t1_slice_80_template", "t1_slice_80"), ("t1_mni_slice_80", "t1_slice_80"),
            ("ecg_rest_median_beat", "ecg_rest"), ("dxa_12_homography", "dxa_12"),
            ("dxa_12_voxelmorph", "dxa_12"), ("lax_4ch_heart_center_deepcycle", "lax_4ch_heart_center"),
            ("lax_4ch_heart_center_voxelmorph", "lax_4ch_heart_center"),
            ("dxa_2@dxa_2_dxa_5_dropfuse", "dxa_2"), ("dxa_5@dxa_2_dxa_5_dropfuse", "dxa_5"),
            ("dxa_11@dxa_11_dxa_12_dropfuse", "dxa_11"), ("dxa_12@dxa_11_dxa_12_dropfuse", "dxa_12"),
            ("lax_4ch_heart_center@lax_4ch_heart_center_ecg_rest_median_raw_10_dropfuse", "lax_4ch_heart_center"))


def _say(message: str) -> None:
    print(f"[zoo presets build] {message}", flush=True)


def add_arguments(p: argparse.ArgumentParser) -> None:
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--out", help="work folder to train in (cohort, store, runs, comparison, mirror)")
    source.add_argument("--from-reproduce", metavar="RUN_DIR", default=None,
                        help="train nothing: publish the seed-0 encoder of every latent space of this finished "
                             "`zoo reproduce` run, with the run's measured metrics (needs --publish-to; versions: "
                             "the next free one per name, never --version)")
    p.add_argument("--hd5", default=None, help="an ml4h .hd5 folder to train on instead of a new phantom cohort")
    p.add_argument("--phenotypes", default=None, help="with --hd5: phenotypes.csv for the metrics")
    p.add_argument("--bfile", default=None, help="with --hd5: PLINK prefix for the GWAS metrics")
    p.add_argument("--truth", default=None, help="with --hd5: truth.json (phantom cohorts only)")
    p.add_argument("--n", type=int, default=500, help="phantom subjects (default 500, as `zoo demo`)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=6, help="autoencoder epochs (default 6, as `zoo demo`)")
    p.add_argument("--steps", type=int, default=16, help="training steps per epoch (default 16, as `zoo demo`)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--latent", type=int, default=16, help="latent dimensions")
    p.add_argument("--reg-epochs", type=int, default=6, help="epochs of the learned registrations")
    p.add_argument("--reg-steps", type=int, default=16, help="steps per epoch of the learned registrations")
    p.add_argument("--version", type=int, default=None, help="version to publish every preset as (default 1)")
    p.add_argument("--publish-to", default=None, help="mirror to publish into (default OUT/mirror; zoo/presets "
                   "is the package's own)")
    p.add_argument("--cards", default=None, help="card folder (default PUBLISH_TO/model_cards)")
    p.add_argument("--only", nargs="*", default=None, help="run ids to train (default all; for trials)")
    p.add_argument("--quiet", action="store_true")


def _recipe_argv(store, runs, recipe: Recipe, args) -> list[str]:
    # the flags `zoo reproduce` trains with (zoo.reproduce.train), at this build's budget
    from zoo.reproduce.plan import Model
    from zoo.reproduce.settings import FULL
    from zoo.reproduce.train import recipe_argv

    settings = FULL.with_(latent=args.latent, epochs=args.epochs, steps=args.steps, batch=args.batch_size)
    argv = recipe_argv(Model(recipe.run_id, tuple(recipe.inputs)), settings, store, runs, args.seed)
    argv[argv.index("--id") + 1] = recipe.run_id
    return argv


def _space_name(recipe: Recipe, tensor: str) -> str:
    return tensor if len(recipe.inputs) == 1 else f"{tensor}@{recipe.run_id}"


def space_metrics(comparison: dict, scores, space: str) -> dict:
    """Metrics of one latent space: mean held-out R²/AUROC over phenotypes (± SD over the
    identical splits), PheWAS count, GWAS loci, recall/precision against the truth."""
    out = {"n_samples": comparison["n_samples"]}
    rows = scores[scores["space"] == space]
    for metric in ("r2", "auroc"):
        sub = rows[rows["metric"] == metric]
        if len(sub):
            per_split = sub.groupby("split")["value"].mean()
            out[f"mean_{metric}"] = {"mean": round(float(per_split.mean()), 4),
                                     "sd_over_splits": round(float(per_split.std(ddof=1)), 4),
                                     "phenotypes": int(sub["phenotype"].nunique()), "splits": int(len(per_split))}
    for row in comparison.get("phewas_counts") or []:
        if row["space"] == space:
            out["phewas_diseases"] = int(row["n_associated"])
    for row in comparison.get("gwas") or []:
        if row["space"] == space:
            out["gwas"] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()
                           if k != "space" and not k.startswith("half") and v is not None}
    return out


def _register(store, args) -> None:
    from zoo.registration.pipeline import register_store

    for reg in REGISTRATIONS:
        t = time.perf_counter()
        options = {"epochs": args.reg_epochs, "steps": args.reg_steps} if reg.learned else {}
        options.update(dict(reg.options))
        result = register_store(store, reg.method, reg.source, out_tensor=reg.out, progress=not args.quiet,
                                seed=args.seed, plot=False, **options)
        _say(f"register {reg.source} by {reg.method} → {reg.out}: {result['n_registered']} of "
             f"{result['n_source_present']} samples, {len(result['failures'])} failures "
             f"({time.perf_counter() - t:.0f} s)")


CONTROL = "control_permuted_ids"


def _evaluate(out: Path, latents: dict, phenotypes, bfile, truth, args):
    """`zoo compare` over every latent space plus a negative control: the first space's
    latents with the sample ids permuted (no link to the subjects: R² ≤ 0, no loci)."""
    import numpy as np
    import pandas as pd

    from zoo.commands.compare import main as compare_main
    from zoo.evaluate.latents import read_latents, write_latents

    first = next(iter(latents))
    table = read_latents(latents[first])
    rng = np.random.default_rng(args.seed)
    permuted = table.set_axis(pd.Index(rng.permutation(table.index.to_numpy()), name="sample_id"))
    control = write_latents(permuted, out / f"hidden_{CONTROL}.tsv")
    report = out / "comparison"
    pairs = [f"{a}:{b}" for a, b in COMPARED if a in latents and b in latents] + [f"{first}:{CONTROL}"]
    argv = ["--phenotypes", str(phenotypes), "--out", str(report), "--seed", str(args.seed), "--no-plots"]
    argv += ["--bfile", str(bfile)] if bfile else []
    argv += ["--truth", str(truth)] if truth else []
    for name, path in [*latents.items(), (CONTROL, control)]:
        argv += ["--latents", f"{name}={path}"]
    argv += ["--pairs", *pairs]
    argv += ["--quiet"] if args.quiet else []
    if compare_main(argv) != 0:
        raise RuntimeError("zoo compare failed")
    comparison = json.loads((report / "comparison.json").read_text(encoding="utf-8"))
    comparison["control_of"] = first
    scores = pd.read_csv(report / "scores.tsv", sep="\t")
    _say(f"comparison: {report / 'comparison.md'}; negative control ({first}, ids permuted): "
         f"{json.dumps(space_metrics(comparison, scores, CONTROL))}")
    return comparison, scores


def _evaluation_text(comparison: dict, scores) -> str:
    control = space_metrics(comparison, scores, CONTROL)
    r2 = control.get("mean_r2", {})
    loci = control.get("gwas", {})
    splits = comparison.get("config", {}).get("cv", {}).get("n_splits", "the")
    return ("Held-out phenotype prediction (ridge R² for continuous, logistic AUROC for binary phenotypes; "
            f"mean over phenotypes, ± SD over {splits} identical random splits), PheWAS disease count "
            "(Bonferroni) and latent GWAS loci (p < 5e-8, MAF ≥ 1 %, 500 kb clumps; recall/precision against the "
            f"planted causal variants) on the {comparison['n_samples']} samples every compared latent space "
            f"shares. Negative control: the {comparison['control_of']} latents with sample ids permuted gave "
            f"mean R² {r2.get('mean', 'n/a')} ± {r2.get('sd_over_splits', 'n/a')} and "
            f"{loci.get('loci_min_p', 'n/a')} loci (min p) / {loci.get('loci_manova', 'n/a')} (MANOVA); "
            "chance for R² is 0 and for AUROC 0.5.")


def _from_reproduce(args) -> dict:
    """``--from-reproduce RUN_DIR``: publish a finished reproduce run's encoders, train nothing."""
    if not args.publish_to:
        raise ValueError("build --from-reproduce: expected --publish-to MIRROR, got none")
    if args.version is not None:
        raise ValueError(f"build --from-reproduce: expected no --version (each name gets its next free version), "
                         f"got {args.version}")
    # the work's module (pandas, Keras): the parser above must stay light for `--help`
    from zoo.presets.from_reproduce import publish_reproduce

    published = publish_reproduce(args.from_reproduce, args.publish_to, args.cards, say=_say)
    return {"published": [p.ref for p in published], "mirror": str(args.publish_to)}


def run_build(args, command: str = "zoo presets build (from Python)") -> dict:
    if getattr(args, "from_reproduce", None):
        return _from_reproduce(args)
    import fastio
    from zoo.phantom import generate
    from zoo.phantom.cohort import PhantomCohort
    from zoo.presets.publishing import publish
    from zoo.recipes.args import parse_args
    from zoo.recipes.inference import infer
    from zoo.recipes.run import run as recipe_run

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if args.hd5:
        hd5, phenotypes, bfile, truth = Path(args.hd5), args.phenotypes, args.bfile, args.truth
        data = {"name": str(hd5), "kind": "ml4h", "description": f"ml4h .hd5 files under {hd5}."}
    else:
        cohort = PhantomCohort.at(out / "cohort", [], "quick")
        if cohort.truth_json.is_file():  # written last: the cohort of an earlier, interrupted build
            _say(f"reusing the phantom cohort in {out / 'cohort'}")
        else:
            _say(f"phantom cohort: {args.n} subjects, seed {args.seed}, quick scale")
            cohort = generate(out / "cohort", n=args.n, seed=args.seed, scale="quick", progress=not args.quiet)
        hd5, phenotypes, bfile, truth = cohort.hd5_dir, cohort.phenotypes_csv, cohort.bfile, cohort.truth_json
        data = {"name": "regzoo-phantom-quick", "kind": "phantom",
                "description": f"regzoo phantom cohort (synthetic; {args.n} subjects, seed {args.seed}, quick "
                               "scale: reduced resolutions)."}
    store = out / "store.zarr"
    _say(f"convert {len(SOURCE_TENSORS)} tensors → {store}")
    print(fastio.convert(hd5, store, SOURCE_TENSORS, scale="quick", progress=not args.quiet))
    _register(store, args)

    runs = out / "runs"
    recipes = [r for r in RECIPES if args.only is None or r.run_id in args.only]
    latents: dict[str, Path] = {}
    for recipe in recipes:
        t = time.perf_counter()
        argv = _recipe_argv(store, runs, recipe, args)
        record = runs / recipe.run_id / "build_latents.json"  # this build's note: tensor -> latent table
        saved = runs / recipe.run_id / f"arguments_{recipe.run_id}.json"
        same = saved.is_file() and json.loads(saved.read_text(encoding="utf-8")) == json.loads(
            json.dumps(vars(parse_args(["--mode", "train", *argv])), sort_keys=True, default=str))
        tables = json.loads(record.read_text(encoding="utf-8")) if same and record.is_file() else {}
        if tables and all(Path(p).is_file() for p in tables.values()):
            _say(f"reusing {recipe.run_id} (same arguments, latents written)")
        else:
            if recipe_run(["--mode", "train", *argv]) != 0:
                raise RuntimeError(f"training {recipe.run_id} failed")
            # the recipe's own infer names the tables; it returns them in input order
            written = infer(["--mode", "infer_encoders", *argv])
            tables = {t: str(p) for t, p in zip(recipe.inputs, written)}
            atomic_write_text(record, json.dumps(tables, indent=1))
            _say(f"trained {recipe.run_id} ({time.perf_counter() - t:.0f} s)")
        for tensor in recipe.inputs:
            latents[_space_name(recipe, tensor)] = Path(tables[tensor])

    comparison, scores = _evaluate(out, latents, phenotypes, bfile, truth, args) if phenotypes else ({}, None)
    mirror = Path(args.publish_to) if args.publish_to else out / "mirror"
    evaluation = _evaluation_text(comparison, scores) if phenotypes else ""
    published = []
    for recipe in recipes:
        for tensor in recipe.inputs:
            space = _space_name(recipe, tensor)
            metrics = space_metrics(comparison, scores, space) if phenotypes else {}
            preset = publish(runs / recipe.run_id, version=args.version or 1, out=mirror, tensor=tensor,
                             cards=args.cards, metrics=metrics, data=data, command=command,
                             evaluation=evaluation)
            published.append(preset.ref)
            _say(f"published {preset.ref} ({sum(f.size for f in preset.files) / 1e6:.2f} MB): "
                 f"{json.dumps(metrics)}")
    record = {"command": command, "published": published, "seconds": round(time.perf_counter() - t0, 1),
              "mirror": str(mirror), "latents": {k: str(v) for k, v in latents.items()}}
    atomic_write_text(out / "build.json", json.dumps(record, indent=1))
    _say(f"done: {len(published)} presets in {record['seconds']:.0f} s → {mirror}")
    return record


def main(argv: list[str] | None = None) -> int:  # `python -m zoo.presets.build`
    p = argparse.ArgumentParser(prog="zoo presets build", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    argv = sys.argv[1:] if argv is None else list(argv)
    run_build(p.parse_args(argv), "zoo presets build " + " ".join(shlex.quote(a) for a in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())

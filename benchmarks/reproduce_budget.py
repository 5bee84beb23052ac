"""Does a ``zoo reproduce`` verdict depend on the training budget it ran with?

The full run trains every latent space for at most 15 epochs of 8 steps, and every one of
its trainings used the whole budget (none stopped early). This script retrains the
models of the sweep pairs (each modality's registration against its native baseline) on
the run's own store with a larger cap, so that early stopping (the run's patience) can
end them, and scores them exactly as the run does: own-trait R² on the run's shared
samples and splits, the pair difference paired by (seed, split) with the Nadeau–Bengio
test. Next to it, the same seeds of the run itself, so the two budgets compare like for
like. Resumable (a rerun skips finished trainings).

    python benchmarks/reproduce_budget.py RUN_DIR OUT [--epochs 60] [--seeds 2] [--learning-rate LR]

``--learning-rate`` retrains at another (initial) learning rate than the run's, to see
whether a faster one lets the models stop within the larger cap.

writes ``OUT/budget.md`` (and ``budget.csv``); the committed result is
``benchmarks/results/reproduce-budget.md``.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pandas as pd

from zoo.reproduce.plan import SWEEP_PAIRS, pair_models
from zoo.reproduce.run import MANIFEST, measure_latents
from zoo.reproduce.settings import Settings
from zoo.reproduce.steps import Steps, duration
from zoo.reproduce.tables import pair_test, scores_frame, summary_values, traits_of
from zoo.reproduce.train import train_and_infer

MAIN_TAG = "nuisance{:.2f}"


def _main_step(run: Path, key: str, tag: str) -> dict:
    marker = run / "steps" / f"{key}@{tag}.json"
    if not marker.is_file():
        raise ValueError(f"{run}: expected the finished step {marker.name} of a full reproduce run")
    return json.loads(marker.read_text(encoding="utf-8"))["result"]


def _rows(records: dict, truth: dict, n_common: int, settings: Settings) -> list[dict]:
    scores = scores_frame(records)
    n_train = int(math.floor(settings.train_fraction * n_common))
    out = []
    for pair in SWEEP_PAIRS:
        own = traits_of(truth, pair.b)
        out.append({"pair": f"{pair.method} ({pair.modality})",
                    **pair_test(summary_values(scores, "r2", own), pair.a, pair.b, n_train, n_common - n_train)})
    return out


def _seconds(value) -> str:
    return "–" if value is None or value != value else f"{value:.0f}"


def _network(settings: Settings) -> str:
    blocks = "/".join(map(str, settings.dense_blocks))
    return f"{settings.width} filters, blocks {blocks} × {settings.block_size} conv"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run", type=Path, help="a finished `zoo reproduce` folder")
    p.add_argument("out", type=Path, help="where the retrained models and the table go")
    p.add_argument("--epochs", type=int, default=60, help="the larger cap (early stopping as in the run)")
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--learning-rate", type=float, default=None,
                   help="initial learning rate of the retrainings (default: the run's)")
    p.add_argument("--min-improvement", type=float, default=None,
                   help="early stopping's relative threshold (zoo.recipes.stopping; default: the run's)")
    p.add_argument("--width", type=int, default=None, help="filters of the first conv (default: the run's)")
    p.add_argument("--dense-blocks", type=int, nargs="+", default=None,
                   help="filters of each pooled block (default: the run's)")
    p.add_argument("--block-size", type=int, default=None, help="convs per block (default: the run's)")
    args = p.parse_args(argv)
    settings = Settings.from_dict(json.loads((args.run / MANIFEST).read_text(encoding="utf-8"))["settings"])
    if args.epochs <= settings.epochs or not 2 <= args.seeds <= settings.seeds:
        p.error(f"expected --epochs above the run's {settings.epochs} and 2 <= --seeds <= {settings.seeds}")
    try:
        bigger = settings.with_(epochs=args.epochs, learning_rate=args.learning_rate, width=args.width,
                                min_improvement=args.min_improvement,
                                dense_blocks=None if args.dense_blocks is None else tuple(args.dense_blocks),
                                block_size=args.block_size)
    except ValueError as err:
        p.error(str(err))
    flags = "".join(f" --{name} {value}" for name, value in (
        ("learning-rate", None if args.learning_rate is None else f"{args.learning_rate:g}"),
        ("min-improvement", None if args.min_improvement is None else f"{args.min_improvement:g}"),
        ("width", args.width),
        ("dense-blocks", None if args.dense_blocks is None else " ".join(map(str, args.dense_blocks))),
        ("block-size", args.block_size)) if value is not None)
    network = ("" if (bigger.width, bigger.dense_blocks, bigger.block_size) ==
               (settings.width, settings.dense_blocks, settings.block_size) else
               f", network {_network(settings)} vs {_network(bigger)}")
    tag = MAIN_TAG.format(settings.nuisance)
    cohort = _main_step(args.run, "phantom", tag)
    truth = json.loads(Path(cohort["truth"]).read_text(encoding="utf-8"))
    ids = _main_step(args.run, "common", tag)["sample_ids"]
    window = _main_step(args.run, "ld", tag)["window"]
    models = pair_models(SWEEP_PAIRS)
    plan = {f"train_{m.name}_seed{s}": 1.0 for m in models for s in range(args.seeds)}
    args.out.mkdir(parents=True, exist_ok=True)
    steps = Steps(args.out, plan, lambda line: print(f"[budget] {line}", flush=True))
    ran, before, after = [], {}, {}
    for m in models:
        for seed in range(args.seeds):
            got = steps.run(f"train_{m.name}_seed{seed}",
                            lambda m=m, seed=seed: train_and_infer(m, bigger, args.run / "store.zarr",
                                                                   args.out / "runs", seed),
                            what=f"train {m.name}, seed {seed}, at most {args.epochs} epochs")
            old = _main_step(args.run, f"train_{m.name}_seed{seed}", tag)
            ran.append({"model": m.name, "seed": seed, "epochs_run_15": old["training"]["epochs_run"],
                        "epochs_run": got["training"]["epochs_run"], "best_epoch": got["training"]["best_epoch"],
                        "stopped_early": got["training"]["epochs_run"] < args.epochs,
                        "val_loss_15": old["training"]["best_val_loss"], "val_loss": got["training"]["best_val_loss"],
                        "fit_seconds_15": old["training"].get("fit_seconds"),
                        "fit_seconds": got["training"].get("fit_seconds")})
            for tensor in m.inputs:
                after[(tensor, seed)] = measure_latents(tensor, got["latents"][tensor], cohort, ids, settings,
                                                        truth, window, gwas=False)
                before[(tensor, seed)] = _main_step(args.run, f"measure_{tensor}_seed{seed}", tag)
    table = pd.DataFrame([{**a, **{f"{k}_cap": v for k, v in b.items() if k != "pair"}}
                          for a, b in zip(_rows(before, truth, len(ids), settings),
                                          _rows(after, truth, len(ids), settings))])
    table.to_csv(args.out / "budget.csv", index=False)
    trainings = pd.DataFrame(ran)
    trainings.to_csv(args.out / "trainings.csv", index=False)
    stopped = int(trainings["stopped_early"].sum())
    lines = [
        f"# Training budget: at most {settings.epochs} vs {args.epochs} epochs of {settings.steps} steps"
        f"{'' if args.learning_rate is None else f', learning rate {settings.learning_rate:g} vs {args.learning_rate:g}'}"
        f"{network}",
        "",
        f"Command: `python benchmarks/reproduce_budget.py RUN_DIR OUT --epochs {args.epochs} --seeds {args.seeds}{flags}` "
        f"on the committed full run (`zoo reproduce --out RUN_DIR`; n = {settings.n}, nuisance "
        f"{settings.nuisance:g}). Seeds 0–{args.seeds - 1} of the sweep pairs' models retrained on the run's "
        f"store with early stopping (patience {bigger.patience}"
        f"{'' if not bigger.min_improvement else f', restarted only by a {bigger.min_improvement:.1%} fall'}"
        f"{' as in the run' if bigger.min_improvement == settings.min_improvement else ''}), scored on the run's "
        f"{len(ids)} shared samples and {settings.splits} splits; the left columns are the run's own "
        f"trainings of the same seeds. {stopped} of {len(trainings)} retrainings stopped early; the step "
        f"time was {duration(steps.seconds)} (this invocation).",
        "",
        "| pair | own-trait R² A vs B, 15 epochs | Δ [95 % CI], p | own-trait R² A vs B, larger cap | Δ [95 % CI], p |",
        "|---|---|---|---|---|",
    ]
    for r in table.to_dict(orient="records"):
        lines.append(f"| {r['pair']} | {r['mean_a']:.3f} vs {r['mean_b']:.3f} | {r['diff']:+.3f} "
                     f"[{r['lo']:+.3f}, {r['hi']:+.3f}], p={r['p']:.2g} | {r['mean_a_cap']:.3f} vs "
                     f"{r['mean_b_cap']:.3f} | {r['diff_cap']:+.3f} [{r['lo_cap']:+.3f}, {r['hi_cap']:+.3f}], "
                     f"p={r['p_cap']:.2g} |")
    lines += ["", "| model | seed | epochs run (cap 15 → larger cap) | best epoch | best validation loss (15 → larger cap) "
              "| fit seconds (15 → larger cap) |",
              "|---|---|---|---|---|---|"]
    for r in ran:
        lines.append(f"| {r['model']} | {r['seed']} | {r['epochs_run_15']} → {r['epochs_run']}"
                     f"{' (stopped early)' if r['stopped_early'] else ''} | {r['best_epoch']} | "
                     f"{r['val_loss_15']:.4f} → {r['val_loss']:.4f} | {_seconds(r['fit_seconds_15'])} → "
                     f"{_seconds(r['fit_seconds'])} |")
    (args.out / "budget.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

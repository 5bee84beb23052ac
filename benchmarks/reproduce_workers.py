"""How much do two worker processes speed up ``zoo reproduce``'s full-size trainings?

Trains the same models and seeds of the full run's plan on a finished run's store twice,
in this process (``--workers 1``) and in two spawned worker processes (``--workers 2``),
and prints the wall clock of each and the best validation losses, which must be equal:
the workers change how the work is spread, not what it computes.

    python benchmarks/reproduce_workers.py RUN_DIR OUT

``RUN_DIR`` is a finished full ``zoo reproduce`` run (its ``store.zarr`` is read, never
written); trainings land under ``OUT/w1`` and ``OUT/w2`` (each must not exist yet). The
committed result is ``benchmarks/results/reproduce-workers.md``.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from zoo.reproduce.plan import MODELS
from zoo.reproduce.settings import FULL
from zoo.reproduce.steps import Steps
from zoo.reproduce.train import train_and_infer

# one model of each image family the full run trains most: brain slice, DXA view, cine
NAMES = ("ae_t1_slice_80", "ae_dxa_12", "ae_lax_4ch_heart_center")
SEEDS = 2


def _train(store: Path, out: Path, workers: int) -> tuple[float, dict]:
    if out.exists():
        raise ValueError(f"{out}: expected a new folder")
    settings = FULL.with_(reconstructions=0, train_workers=workers)
    jobs = [(f"train_{m.name}_seed{seed}", train_and_infer, (m, settings, store, out / "runs", seed),
             f"{m.name}, seed {seed}") for m in MODELS if m.name in NAMES for seed in range(SEEDS)]
    t0 = time.perf_counter()
    with Steps(out, {key: 1.0 for key, *_ in jobs}, lambda line: None, workers=workers) as steps:
        results = steps.run_many(jobs, group=lambda key: key.rsplit("_seed", 1)[0])
    return time.perf_counter() - t0, {k: results[k]["training"]["best_val_loss"] for k in sorted(results)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", type=Path)
    p.add_argument("out", type=Path)
    args = p.parse_args()
    store = args.run / "store.zarr"
    if not store.is_dir():
        raise ValueError(f"{args.run}: expected a finished full reproduce run with {store.name}")
    print(f"load average before: {os.getloadavg()[0]:.2f}; {len(NAMES)} models x {SEEDS} seeds at the full "
          f"run's settings", flush=True)
    walls, losses = {}, {}
    for workers in (1, 2):
        walls[workers], losses[workers] = _train(store, args.out / f"w{workers}", workers)
        print(f"{workers} process(es): {walls[workers]:.1f} s wall, load average after: {os.getloadavg()[0]:.2f}",
              flush=True)
    print(f"two processes: {walls[1] / walls[2]:.2f}x the trainings of one; best validation losses equal: "
          f"{losses[1] == losses[2]}")
    for key in losses[1]:
        print(f"  {key}: {losses[1][key]:.6f} / {losses[2][key]:.6f}")


if __name__ == "__main__":
    main()

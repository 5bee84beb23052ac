"""How far does a learned registration get with more training? Its error against the
phantom's known pose, at the ``zoo reproduce`` budget and at larger ones.

``zoo reproduce`` trains each learned registration for ``reg_epochs`` × ``reg_steps``
(8 × 16 at the full scale: 128 steps of 8 images), a tenth of what the method trains by
default (20 epochs of one pass over its 512 fitting images: 1,280 steps). Its report
measures each registration against the pose the phantom drew (``zoo.reproduce.pose``); this
script registers the run's own cohort again with more training and measures the same way,
so the learned methods' verdicts can be read against what their registration achieved.

    python benchmarks/registration_budget.py RUN_DIR OUT [--method voxelmorph]
        [--tensor t1_slice_80] [--budgets 8x16 20x64 80x64]

Each budget is ``EPOCHS x STEPS``. The source tensor is converted from the run's phantom
cohort into ``OUT/store.zarr`` (the run's folder is only read). Writes ``OUT/budget.md``
and ``OUT/budget.json``; the committed result is ``benchmarks/results/registration-budget.md``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import fastio
from zoo.registration.pipeline import register_store
from zoo.reproduce.plan import REGISTRATIONS, Registration
from zoo.reproduce.pose import registration_errors
from zoo.reproduce.report import pose_text
from zoo.reproduce.run import MANIFEST
from zoo.reproduce.settings import Settings


def _budget(text: str) -> tuple[int, int]:
    try:
        epochs, steps = (int(x) for x in text.lower().split("x"))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected EPOCHSxSTEPS such as 20x64, got {text!r}") from err
    if epochs < 1 or steps < 1:
        raise argparse.ArgumentTypeError(f"expected positive epochs and steps, got {text!r}")
    return epochs, steps


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run", type=Path, help="a finished `zoo reproduce` folder")
    p.add_argument("out", type=Path, help="a new folder for the store and the table")
    p.add_argument("--method", default="voxelmorph")
    p.add_argument("--tensor", default="t1_slice_80")
    p.add_argument("--budgets", type=_budget, nargs="+", default=[(8, 16), (20, 64), (80, 64)])
    args = p.parse_args(argv)
    settings = Settings.from_dict(json.loads((args.run / MANIFEST).read_text(encoding="utf-8"))["settings"])
    planned = next((r for r in REGISTRATIONS if r.method == args.method and r.source == args.tensor), None)
    if planned is None:
        p.error(f"expected a registration the run plans, got {args.method} of {args.tensor}")
    truth_path = args.run / "cohort" / "truth.json"
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=False)
    store = args.out / "store.zarr"
    fastio.convert(args.run / "cohort" / "hd5", store, [args.tensor], scale="quick", progress=False)
    rows = []
    for epochs, steps in args.budgets:
        out = f"{planned.out}_e{epochs}_s{steps}"
        start = time.perf_counter()
        register_store(store, args.method, args.tensor, out_tensor=out, progress=False, plot=False,
                       seed=settings.cohort_seed, epochs=epochs, steps=steps, **dict(planned.options))
        seconds = time.perf_counter() - start
        reg = Registration(args.method, args.tensor, out, options=planned.options)
        (error,) = registration_errors(fastio.open_store(store), truth, [reg])
        rows.append({"epochs": epochs, "steps": steps, "training_steps": epochs * steps, "seconds": seconds,
                     **error})
        print(f"[budget] {args.method} {epochs}x{steps}: {pose_text(error)} ({seconds:.0f} s)", flush=True)
    (args.out / "budget.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    options = ", ".join(f"{k}={v}" for k, v in planned.options) or "defaults"
    lines = [f"# {args.method} registration of {args.tensor}: error against the known pose by training budget",
             "",
             f"Command: `python benchmarks/registration_budget.py RUN_DIR OUT --method {args.method} --tensor "
             f"{args.tensor} --budgets {' '.join(f'{e}x{s}' for e, s in args.budgets)}` on the committed full run "
             f"(`zoo reproduce --out RUN_DIR`; n = {settings.n}, nuisance {settings.nuisance:g}). Options as the "
             f"run's ({options}), batch 8; the run itself trained {settings.reg_epochs}x{settings.reg_steps}. "
             "Error: the misalignment across subjects that the phantom's known pose explains, and in brackets "
             "the whole misalignment (`zoo.reproduce.pose`, as in the report's Table 1).",
             "",
             "| epochs × steps | training steps | error against the known pose, before → after | seconds |",
             "|---|---|---|---|"]
    lines += [f"| {r['epochs']} × {r['steps']} | {r['training_steps']} | {pose_text(r)} | {r['seconds']:.0f} |"
              for r in rows]
    (args.out / "budget.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

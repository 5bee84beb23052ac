"""``zoo phantom --out DIR``: generate a phantom biobank from the command line."""
from __future__ import annotations

import argparse
import json
import time

from fastio import _flags
from fastio.safefs import output_folder

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = _flags.command_parser(
        "zoo phantom",
        "Generate a synthetic biobank with known genetic truth: per-subject ml4h HDF5 "
        "tensors (DXA, ECG, cardiac and brain MRI), phenotypes.csv, PLINK genotypes, truth.json.",
        parents=[_flags.out("output directory"), _flags.seed(),
                 _flags.scale("quick", "quick: reduced resolutions for CPU training; "
                              "full: UK Biobank shapes"),
                 _flags.workers("rendering threads (default: up to 2)"),
                 _flags.quiet("no progress bar")])
    p.add_argument("--n", type=int, default=1000, help="number of subjects (default 1000)")
    p.add_argument("--n-variants", type=int, default=None, help="number of variants (default by scale)")
    p.add_argument("--nuisance", type=float, default=None,
                   help="nuisance strength 0..1: pose, scale, heartbeat phase, acquisition geometry "
                   "(default 0.25; 0 = none, 1 = the largest amplitudes)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from zoo.phantom.generation import generate

    start = time.perf_counter()
    # errors: the shared convention of fastio._dispatch.run_main; a failed run removes
    # --out again if it created it and nothing was written there
    with output_folder(args.out):
        cohort = generate(
            args.out, n=args.n, seed=args.seed, scale=args.scale, n_variants=args.n_variants,
            progress=not args.quiet, workers=args.workers,
            **({} if args.nuisance is None else {"nuisance": args.nuisance}),
        )
    summary = {k: v for k, v in cohort.to_dict().items() if k != "sample_ids"}
    summary["n"] = len(cohort.sample_ids)
    summary["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(summary, indent=2))
    return 0


"""``zoo phantom``: generate a phantom biobank from the command line."""
from __future__ import annotations

import argparse
import json
import sys
import time

from fastio.safefs import output_folder

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zoo phantom",
        description="Generate a synthetic biobank with known genetic truth: per-subject ml4h HDF5 "
        "tensors (DXA, ECG, cardiac and brain MRI), phenotypes.csv, PLINK genotypes, truth.json.",
    )
    p.add_argument("--n", type=int, default=1000, help="number of subjects (default 1000)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--scale", choices=("quick", "full"), default="quick",
                   help="quick: reduced resolutions for CPU training; full: UK Biobank shapes")
    p.add_argument("--n-variants", type=int, default=None, help="number of variants (default by scale)")
    p.add_argument("--nuisance", type=float, default=None,
                   help="nuisance strength 0..1: pose, scale, heartbeat phase, acquisition geometry "
                   "(default 0.25; 0 = none, 1 = the largest amplitudes)")
    p.add_argument("--workers", type=int, default=None, help="rendering threads (default: up to 2)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from zoo.phantom.generation import generate

    start = time.perf_counter()
    # errors: the shared convention of fastio._dispatch (one line; exit 2, 3 or 130); a
    # failed run removes --out again if it created it and nothing was written there
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


if __name__ == "__main__":
    sys.exit(main())

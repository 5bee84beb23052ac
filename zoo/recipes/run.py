"""The recipe entry point shared by ``python -m zoo.recipes``, ``zoo train`` and ``zoo infer``.

A failed run prints the reason and returns 1 (ml4h logged the exception and exited 0,
which let broken pipelines carry on).
"""
from __future__ import annotations

import sys
import traceback

__all__ = ["main", "run"]


def run(argv: list[str], default_mode: str | None = None) -> int:
    from zoo.recipes.args import parse_args

    argv = list(argv)
    if default_mode and not any(a == "--mode" or a.startswith("--mode=") for a in argv):
        argv = ["--mode", default_mode, *argv]
    args = parse_args(argv)  # argparse exits with status 2 on a bad command line
    try:
        if args.mode == "train":
            from zoo.recipes.training import train

            print(f"zoo.recipes: trained; outputs in {train(args)}")
        else:
            from zoo.recipes.inference import infer

            for path in infer(args):
                print(f"zoo.recipes: wrote {path}")
    except Exception as exc:  # report every failure, then exit non-zero
        traceback.print_exc(file=sys.stderr)
        print(f"zoo.recipes: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)

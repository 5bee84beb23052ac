"""The recipe entry point shared by ``python -m zoo.recipes``, ``zoo train`` and ``zoo infer``.

A failed run exits non-zero (ml4h logged the exception and exited 0, which let broken
pipelines carry on). Errors follow the convention every command shares
(``fastio._dispatch.run_main``): bad input is one line and exit 2, a file that cannot be
read or written exit 3, Ctrl-C exit 130; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import sys

from fastio._dispatch import run_main
from zoo.recipes.args import parse_args

__all__ = ["main", "run"]


def run(argv: list[str], default_mode: str | None = None, prog: str = "python -m zoo.recipes") -> int:
    """Train or infer as ``--mode`` says (``default_mode`` when the command line names
    none); ``prog`` names the command in argparse's messages."""
    argv = list(argv)
    if default_mode and not any(a == "--mode" or a.startswith("--mode=") for a in argv):
        argv = ["--mode", default_mode, *argv]
    args = parse_args(argv, prog=prog)  # argparse exits with status 2 on a bad command line
    if args.mode == "train":
        from zoo.recipes.training import train  # the work, after parsing: --help stays light

        print(f"zoo.recipes: trained; outputs in {train(args)}")
    else:
        from zoo.recipes.inference import infer  # the work, after parsing

        for path in infer(args):
            print(f"zoo.recipes: wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main("zoo.recipes", run, sys.argv[1:] if argv is None else argv)

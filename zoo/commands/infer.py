"""``zoo infer ...``: write latent tables with ml4h's recipe flags (``--mode
infer_encoders`` is implied)."""
from __future__ import annotations

import argparse
import sys

from zoo.recipes.args import build_parser as recipe_parser

__all__ = ["build_parser", "main"]

PROG = "zoo infer"


def build_parser() -> argparse.ArgumentParser:
    return recipe_parser(PROG)


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    from zoo.recipes.run import run

    return run(sys.argv[1:] if argv is None else argv, default_mode="infer_encoders", prog=PROG)

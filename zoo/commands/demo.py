"""``zoo demo``: the README's main job, which is ``zoo reproduce --quick`` — the same code
path at a scale that runs in minutes on two cores (the flags are ``zoo reproduce``'s)."""
from __future__ import annotations

import argparse
import sys

from zoo.commands import reproduce

__all__ = ["build_parser", "main"]

PROG = "zoo demo"


def build_parser() -> argparse.ArgumentParser:
    return reproduce.build_parser(PROG)


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    return reproduce.main(["--quick", *[a for a in argv if a != "--quick"]], prog=PROG)

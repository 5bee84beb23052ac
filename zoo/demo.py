"""``zoo demo``: the README's main job, which is ``zoo reproduce --quick`` — the same code
path at a scale that runs in minutes on two cores (``zoo reproduce --help`` for flags)."""
from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    from zoo.reproduce.cli import main as reproduce_main

    argv = list(sys.argv[1:] if argv is None else argv)
    return reproduce_main(["--quick", *[a for a in argv if a != "--quick"]], prog="zoo demo")


if __name__ == "__main__":
    sys.exit(main())

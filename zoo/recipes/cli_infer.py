"""``zoo infer ...``: write latent tables (``--mode infer_encoders`` is implied)."""
from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    from zoo.recipes.run import run

    return run(sys.argv[1:] if argv is None else argv, default_mode="infer_encoders")

"""``fastio merge PART [PART ...] --out STORE``: join the stores of ``convert --part i/n``."""
from __future__ import annotations

import argparse

from fastio import _flags

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = _flags.command_parser(
        "fastio merge", "Merge the part stores of one conversion into one store.",
        parents=[_flags.out("merged store"),
                 _flags.overwrite("replace the merged store if it holds another conversion"),
                 _flags.quiet("no progress bar")])
    p.add_argument("parts", nargs="+", help="part stores (written with fastio convert --part i/n)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    args = build_parser().parse_args(argv)
    from fastio.parts import merge_parts

    summary = merge_parts(args.parts, args.out, progress=not args.quiet, overwrite=args.overwrite)
    print(summary.format())
    return 0

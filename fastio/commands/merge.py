"""``fastio merge PART [PART ...] --out STORE``: join the stores of ``convert --part i/n``."""
from __future__ import annotations

import argparse
import sys

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fastio merge",
                                description="Merge the part stores of one conversion into one store.")
    p.add_argument("parts", nargs="+", help="part stores (written with fastio convert --part i/n)")
    p.add_argument("--out", required=True, help="merged store")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from fastio.parts import merge_parts

    try:
        summary = merge_parts(args.parts, args.out, progress=not args.no_progress, overwrite=args.overwrite)
    except (ValueError, KeyError) as exc:
        print(f"fastio merge: error: {exc}", file=sys.stderr)
        return 2
    print(summary.format())
    return 0

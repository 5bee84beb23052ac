"""``fastio inspect STORE``: tensors, shapes, counts, stats, failures, size on disk."""
from __future__ import annotations

import argparse
import json
import sys

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fastio inspect", description="Describe a fastio zarr store.")
    p.add_argument("store")
    p.add_argument("--failures", type=int, default=20, metavar="K", help="failure rows to print (20)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--plot", metavar="PNG", help="also draw a few samples and histograms per tensor")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from fastio.store import open_store
    from fastio.summary import ConvertSummary, format_failures

    try:
        store = open_store(args.store)
    except (ValueError, KeyError) as exc:
        print(f"fastio inspect: error: {exc}", file=sys.stderr)
        return 2
    summary = ConvertSummary.from_store(store)
    if args.json:
        data = summary.to_dict()
        data["stats"] = {name: store.stats(name) for name in store.tensors}
        print(json.dumps(data, indent=2))
        return 0
    print(summary.format())
    print()
    width = max([26, *(len(name) + 2 for name in store.tensors)])
    print(f"{'tensor':<{width}}{'mean':>12}{'std':>12}{'min':>12}{'max':>12}")
    for name in store.tensors:
        s = store.stats(name)
        if s:
            print(f"{name:<{width}}{s['mean']:>12.4g}{s['std']:>12.4g}{s['min']:>12.4g}{s['max']:>12.4g}")
        else:
            print(f"{name:<{width}}{'(no stats yet)':>24}")
    print()
    print(format_failures(store.failure_columns(), args.failures))
    if args.plot:
        from fastio.preview import plot_store

        print(f"\npreview   {plot_store(store, args.plot)}")
    return 0

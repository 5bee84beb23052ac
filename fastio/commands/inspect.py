"""``fastio inspect STORE``: tensors, shapes, counts, stats, failures, size on disk;
``--verify`` reads every file and lists each damaged block."""
from __future__ import annotations

import argparse
import json
import sys
import warnings

from fastio import _flags
from fastio._dispatch import EXIT_BAD_INPUT

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = _flags.command_parser("fastio inspect", "Describe a fastio zarr store. Exits "
                              f"{EXIT_BAD_INPUT} (bad input data) when a tensor has unwritten or "
                              "damaged blocks.")
    p.add_argument("store")
    p.add_argument("--failures", type=int, default=20, metavar="K", help="failure rows to print (20)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--plot", metavar="PNG", help="also draw a few samples and histograms per tensor")
    p.add_argument("--verify", action="store_true",
                   help="read every block and compare it with the checksums the store recorded; "
                   f"exit {EXIT_BAD_INPUT} and list each damaged block (tensor, block, file) if any")
    return p


def verify(store) -> list[str]:
    """Every problem found reading the whole store: sample ids, then each tensor's blocks."""
    problems = []
    try:
        store.sample_ids
    except ValueError as exc:
        problems.append(str(exc))
    for name in store.tensors:
        try:
            problems += [str(d) for d in store.damage(name, full=True)]
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``; a store with
    unwritten or damaged blocks is bad input data (its summary is printed first)."""
    args = build_parser().parse_args(argv)
    from fastio.store import open_store
    from fastio.summary import ConvertSummary, format_failures

    # Inspecting is how one finds out what is damaged: read what is there.
    store = open_store(args.store, allow_incomplete=True)
    if args.verify:
        problems = verify(store)
        for line in problems:
            print(line)
        if problems:
            print(f"fastio inspect: {args.store}: {len(problems)} problem(s); repair by rerunning the "
                  "fastio convert (or zoo register) command that wrote the store", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"verified  {args.store}: every block matches its recorded checksum")
        return 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = ConvertSummary.from_store(store)
    for w in caught:  # damaged or unwritten blocks: one line each, then the summary
        print(f"fastio inspect: warning: {w.message} (run fastio inspect --verify)", file=sys.stderr)
    status = EXIT_BAD_INPUT if caught else 0
    if args.json:
        data = summary.to_dict()
        data["stats"] = {name: store.stats(name) for name in store.tensors}
        print(json.dumps(data, indent=2))
        return status
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
    return status

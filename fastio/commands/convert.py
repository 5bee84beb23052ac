"""``fastio convert SRC_DIR STORE --tensors NAME [NAME ...]``: ml4h .hd5 files → zarr store."""
from __future__ import annotations

import argparse
import sys

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fastio convert",
        description="Convert every {sample_id}.hd5 under SRC_DIR into one zarr store. "
        "Rerun the same command to resume an interrupted conversion.",
    )
    p.add_argument("src_dir", help="folder of ml4h per-sample .hd5 files (searched recursively)")
    p.add_argument("store", help="output zarr store (a folder)")
    p.add_argument("--tensors", nargs="+", required=True, metavar="NAME",
                   help="catalogue names (dxa.dxa_2 or dxa_2) or names from --specs")
    p.add_argument("--specs", metavar="FILE", help="YAML/JSON file of extra TensorSpecs")
    p.add_argument("--scale", default="full", choices=("full", "quick"),
                   help="catalogue shapes: UK Biobank (full) or reduced (quick)")
    p.add_argument("--workers", type=int, default=None, help="parallel blocks (default: CPU count)")
    p.add_argument("--executor", default="process", choices=("process", "thread"))
    p.add_argument("--shard-size", type=int, default=64, help="samples per shard = work unit (64)")
    p.add_argument("--part", metavar="I/N", help="convert only part I of N (0-based) into STORE; "
                   "join the parts with `fastio merge`")
    p.add_argument("--dask", metavar="SCHEDULER", help="schedule N parts on this Dask scheduler "
                   "address ('local' starts a LocalCluster) and merge them into STORE")
    p.add_argument("--parts", type=int, default=None, help="number of parts with --dask (default: workers)")
    p.add_argument("--overwrite", action="store_true", help="replace STORE if it holds another conversion")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--show-failures", type=int, default=20, metavar="K", help="failure rows to print (20)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from fastio.catalogue import load_specs
    from fastio.conversion import convert
    from fastio.store import open_store
    from fastio.summary import format_failures

    try:
        if args.specs:
            load_specs(args.specs)
        common = dict(scale=args.scale, shard_size=args.shard_size, progress=not args.no_progress,
                      overwrite=args.overwrite)
        if args.dask:
            from distributed import Client, LocalCluster

            from fastio.parts import convert_dask

            if args.dask == "local":
                cluster = LocalCluster(n_workers=args.workers or 2, threads_per_worker=1, processes=True)
                client = Client(cluster)
            else:
                cluster, client = None, Client(args.dask)
            try:
                summary = convert_dask(args.src_dir, args.store, args.tensors, client=client,
                                       n_parts=args.parts, **common)
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        else:
            summary = convert(args.src_dir, args.store, args.tensors, workers=args.workers,
                              executor=args.executor, part=args.part, **common)
    except (ValueError, KeyError) as exc:
        print(f"fastio convert: error: {exc}", file=sys.stderr)
        return 2
    print(summary.format())
    if summary.n_failures and args.show_failures:
        print()
        print(format_failures(open_store(summary.store).failure_columns(), args.show_failures))
    return 0

"""``fastio convert SRC_DIR STORE --tensors NAME [NAME ...]``: ml4h .hd5 files → zarr store."""
from __future__ import annotations

import argparse

from fastio import _flags
from fastio.blocks import EXECUTORS
from fastio.spec import CODECS

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = _flags.command_parser(
        "fastio convert",
        "Convert every {sample_id}.hd5 under SRC_DIR into one zarr store. "
        "Rerun the same command to resume an interrupted conversion.",
        parents=[_flags.scale("full", "catalogue shapes: UK Biobank (full) or reduced (quick)"),
                 _flags.workers("parallel blocks (default: CPU count)"),
                 _flags.dask("schedule N parts on this Dask scheduler address ('local' starts "
                             "a LocalCluster) and merge them into STORE"),
                 _flags.overwrite("replace STORE if it holds another conversion"),
                 _flags.quiet("no progress bar")],
    )
    p.add_argument("src_dir", help="folder of ml4h per-sample .hd5 files (searched recursively)")
    p.add_argument("store", help="output zarr store (a folder)")
    p.add_argument("--tensors", nargs="+", required=True, metavar="NAME",
                   help="catalogue names (dxa.dxa_2 or dxa_2) or names from --specs")
    p.add_argument("--specs", metavar="FILE", help="YAML/JSON file of extra TensorSpecs")
    p.add_argument("--codec", nargs="+", default=[], metavar="[NAME=]CODEC",
                   help="store every tensor (CODEC) or one (NAME=CODEC) with this codec instead of "
                   f"its spec's, one of {', '.join(CODECS)} (default: the catalogue's, per tensor: "
                   "ECG signals and DXA none, MRI and cine blosc-lz4; fastio/STORE.md)")
    p.add_argument("--executor", default="process", choices=EXECUTORS)
    p.add_argument("--shard-size", type=int, default=64, help="samples per shard = work unit (64)")
    p.add_argument("--part", metavar="I/N", help="convert only part I of N (0-based) into STORE; "
                   "join the parts with `fastio merge`")
    p.add_argument("--parts", type=int, default=None, help="number of parts with --dask (default: workers)")
    p.add_argument("--show-failures", type=int, default=20, metavar="K", help="failure rows to print (20)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    args = build_parser().parse_args(argv)
    from fastio.catalogue import load_specs, resolve_specs
    from fastio.cluster import dask_client
    from fastio.compression import parse_codec_choices, with_codecs
    from fastio.conversion import convert
    from fastio.parts import convert_dask
    from fastio.store import open_store
    from fastio.summary import format_failures

    if args.specs:
        load_specs(args.specs)
    tensors = args.tensors
    if args.codec:
        tensors = with_codecs(resolve_specs(tensors, args.scale), parse_codec_choices(args.codec))
    common = dict(scale=args.scale, shard_size=args.shard_size, progress=not args.quiet,
                  overwrite=args.overwrite)
    if args.dask:
        with dask_client(args.dask, n_workers=args.workers or 2, threads_per_worker=1,
                         processes=True) as client:
            summary = convert_dask(args.src_dir, args.store, tensors, client=client,
                                   n_parts=args.parts, **common)
    else:
        summary = convert(args.src_dir, args.store, tensors, workers=args.workers,
                          executor=args.executor, part=args.part, **common)
    print(summary.format())
    if summary.n_failures and args.show_failures:
        print()
        print(format_failures(open_store(summary.store).failure_columns(), args.show_failures))
    return 0

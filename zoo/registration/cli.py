"""``zoo register METHOD --store STORE --tensor NAME``: register a tensor inside a store."""
from __future__ import annotations

import argparse
import json

__all__ = ["build_parser", "main"]

_METHODS = ("template", "homography", "affine", "median_beat", "voxelmorph", "deepcycle")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zoo register",
        description="Register a tensor of a fastio store and write the result as a new tensor "
        "(resumable; a rerun continues where a killed one stopped).",
    )
    p.add_argument("method", choices=_METHODS, help="registration method")
    p.add_argument("--store", required=True, help="path of the zarr store (written in place)")
    p.add_argument("--tensor", required=True, help="source tensor name, e.g. dxa_12")
    p.add_argument("--out-tensor", default=None, help="output tensor name (default: TENSOR_registered)")
    p.add_argument("--template", default=None,
                   help="template: a tensor of the store (its mean image) or a .npy/.png file; "
                   "default: built from the data (iterated mean) or learned")
    p.add_argument("--transform", default=None, choices=("translation", "rigid", "affine", "homography"),
                   help="transform of 'template' (default affine) and 'affine' (default affine)")
    p.add_argument("--iterations", type=int, default=None, help="template-building iterations (3)")
    p.add_argument("--fs", type=float, default=None, help="median_beat: sampling rate (default: samples / 10 s)")
    p.add_argument("--out-len", type=int, default=None, help="median_beat: resample the beat to this length")
    p.add_argument("--epochs", type=int, default=None, help="learned methods: training epochs")
    p.add_argument("--steps", type=int, default=None, help="learned methods: steps per epoch")
    p.add_argument("--batch-size", type=int, default=None, help="learned methods: batch size")
    p.add_argument("--loss", default=None, choices=("mse", "ncc"), help="voxelmorph: image similarity (mse)")
    p.add_argument("--smooth", type=float, default=None, help="voxelmorph: weight of the smoothness loss (0.01)")
    p.add_argument("--int-steps", type=int, default=None, help="voxelmorph: scaling-and-squaring steps (7)")
    p.add_argument("--width", type=int, default=None, help="voxelmorph: network width (default 32 filters)")
    p.add_argument("--max-fit", type=int, default=None,
                   help="samples used to build the template or train the network (256 / 512)")
    p.add_argument("--threads", type=int, default=2, help="worker threads for ECC alignment")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true", help="replace an output from a different registration")
    p.add_argument("--no-plot", action="store_true", help="skip the before/after picture")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from zoo.registration.pipeline import register_store

    # errors: the shared convention of fastio._dispatch (one line; exit 2, 3 or 130)
    summary = register_store(
        args.store, args.method, args.tensor, out_tensor=args.out_tensor, template=args.template,
        overwrite=args.overwrite, progress=not args.quiet, plot=not args.no_plot, seed=args.seed,
        transform=args.transform, iterations=args.iterations, fs=args.fs, out_len=args.out_len,
        epochs=args.epochs, steps=args.steps, batch_size=args.batch_size, threads=args.threads,
        loss=args.loss, smooth=args.smooth, int_steps=args.int_steps, width=args.width,
        max_fit=args.max_fit,
    )
    brief = {k: summary[k] for k in ("n_registered", "n_source_present", "extras", "work_dir") if k in summary}
    brief["failures"] = len(summary["failures"])
    brief["plot"] = summary.get("plot")
    print(json.dumps(brief, indent=1))
    return 0

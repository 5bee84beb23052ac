"""The recipe command line: ml4h's flags (ML4H_COMPAT.md), plus a few of regzoo's own.

ml4h command lines run unchanged: every flag of ML4H_COMPAT.md means what it meant
there, and a handful of other ml4h flags that do not apply here are accepted and
reported as ignored (:data:`IGNORED_ML4H_FLAGS`) instead of failing the run. Any other
unknown flag is an error, so a typo never goes unnoticed.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from fastio import _flags
from fastio.scales import SCALES
from fastio.ml4h_names import TSV_STYLES
from zoo.models.vocabulary import ACTIVATIONS, BOTTLENECKS, MERGES, NORMALIZATIONS, PAIR_LOSSES, POOL_TYPES

__all__ = ["MODES", "IGNORED_ML4H_FLAGS", "build_parser", "parse_args"]

MODES = ("train", "infer_encoders")

# ml4h flags that appear in its command lines but configure machinery regzoo replaces
# (tensor generators, caches, regularisers ml4h rarely used with these models).
IGNORED_ML4H_FLAGS = (
    "--num_workers", "--cache_size", "--conv_normalize", "--conv_regularize",
    "--conv_regularize_rate", "--conv_type", "--conv_dilate", "--conv_dropout",
    "--dense_regularize", "--dense_regularize_rate", "--u_connect",
    "--learning_rate_schedule", "--anneal_rate", "--anneal_shift", "--anneal_max",
    "--balance_csvs", "--hidden_layer", "--plot_mode", "--tensors_source",
)


def build_parser(prog: str = "python -m zoo.recipes") -> argparse.ArgumentParser:
    """ml4h's recipe flags, verbatim (``prog``: the command that reads them)."""
    p = _flags.command_parser(
        prog, "Train ml4h-style autoencoders and DropFuse pair models, or write latent tables.")
    io = p.add_argument_group("data and outputs")
    io.add_argument("--mode", choices=MODES, default="train")
    io.add_argument("--tensors", required=True,
                    help="a fastio zarr store, or a directory of ml4h .hd5 files (converted on the fly)")
    io.add_argument("--output_folder", default="./recipes_output")
    io.add_argument("--id", default="no_id", help="run name: outputs go to OUTPUT_FOLDER/ID/")
    io.add_argument("--input_tensors", nargs="+", default=[], help="e.g. dxa.dxa_2")
    io.add_argument("--output_tensors", nargs="*", default=[], help="e.g. dxa.dxa_2")
    io.add_argument("--tensormap_prefix", default="ml4h.tensormap.ukb",
                    help="accepted for ml4h command lines; regzoo looks names up in its catalogue/store")
    io.add_argument("--tensor_scale", choices=SCALES, default="full",
                    help="regzoo: catalogue shapes used when converting .hd5 files on the fly")
    io.add_argument("--sample_csv", default=None, help="CSV whose first column lists the sample ids to use")
    io.add_argument("--tsv_style", choices=TSV_STYLES, default="standard")
    io.add_argument("--model_file", default=None, help="a saved .keras model to continue from / infer with")
    io.add_argument("--inspect_model", action="store_true", help="write a model summary and architecture plot")
    io.add_argument("--reconstructions", type=int, default=4,
                    help="regzoo: validation samples shown in the reconstruction figures")

    model = p.add_argument_group("model")
    model.add_argument("--encoder_blocks", nargs="*", default=["conv_encode"],
                       help="conv_encode, or PATH/encoder_{tensor}.keras to start from")
    model.add_argument("--decoder_blocks", nargs="*", default=["conv_decode"],
                       help="conv_decode, or PATH/decoder_{tensor}.keras to start from")
    model.add_argument("--merge_blocks", nargs="*", default=[], help="'pair' (bare flag: none)")
    model.add_argument("--pairs", nargs=2, action="append", default=None, metavar=("A", "B"))
    model.add_argument("--pair_loss", nargs="+", default=["contrastive"],
                       choices=PAIR_LOSSES)
    model.add_argument("--pair_loss_weight", nargs="+", type=float, default=[1.0])
    model.add_argument("--pair_merge", default=None, choices=MERGES)
    model.add_argument("--activation", default="swish", choices=ACTIVATIONS)
    model.add_argument("--conv_layers", nargs="*", type=int, default=[32])
    model.add_argument("--conv_width", nargs="*", type=int, default=[71])
    model.add_argument("--conv_x", nargs="*", type=int, default=[3])
    model.add_argument("--conv_y", nargs="*", type=int, default=[3])
    model.add_argument("--conv_z", nargs="*", type=int, default=[2])
    model.add_argument("--dense_blocks", nargs="*", type=int, default=[32, 32, 32])
    model.add_argument("--dense_layers", nargs="*", type=int, default=[256])
    model.add_argument("--block_size", type=int, default=3)
    model.add_argument("--pool_type", choices=POOL_TYPES, default="max")
    model.add_argument("--pool_x", type=int, default=2)
    model.add_argument("--pool_y", type=int, default=2)
    model.add_argument("--pool_z", type=int, default=1)
    model.add_argument("--bottleneck_type", nargs="+", choices=BOTTLENECKS, default=["flatten_restructure"],
                       help="ml4h's bottleneck: one value for every input, or (regzoo) one per --input_tensors "
                            "entry; global_average_pool averages the last conv features over positions")
    model.add_argument("--dense_normalize", choices=[n for n in NORMALIZATIONS if n], default=None)
    model.add_argument("--dropout", type=float, default=0.0)

    fit = p.add_argument_group("training")
    fit.add_argument("--learning_rate", type=float, default=5e-5)
    fit.add_argument("--optimizer", default="adam", help="any keras.optimizers name")
    fit.add_argument("--batch_size", type=int, default=8)
    fit.add_argument("--epochs", type=int, default=10)
    fit.add_argument("--training_steps", type=int, default=96)
    fit.add_argument("--validation_steps", type=int, default=32)
    fit.add_argument("--test_steps", type=int, default=32)
    fit.add_argument("--patience", type=int, default=8)
    fit.add_argument("--min_improvement", type=float, default=0.0,
                     help="regzoo: early stopping's patience restarts only when the validation loss "
                          "falls by this fraction of the last such loss (0.005: 0.5 %%); 0 = any "
                          "decrease, as ml4h")
    fit.add_argument("--valid_ratio", type=float, default=0.1)
    fit.add_argument("--test_ratio", type=float, default=0.1)
    fit.add_argument("--random_seed", type=int, default=12878,
                     help="weights, sample order and augmentation (not the split: --split_seed)")
    fit.add_argument("--split_seed", type=int, default=0,
                     help="regzoo: which samples are train/valid/test; fixed, so runs with different "
                          "--random_seed hold out the same samples")
    fit.add_argument("--workers", type=int, default=2, help="regzoo: Loader threads")
    fit.add_argument("--run_eagerly", action="store_true",
                     help="regzoo: skip graph tracing (tiny models, debugging)")
    fit.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="Keras fit verbosity")
    for flag in IGNORED_ML4H_FLAGS:
        p.add_argument(flag, nargs="*", default=None, help=argparse.SUPPRESS)
    return p


def _check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> argparse.Namespace:
    if not args.input_tensors:
        parser.error("expected at least one --input_tensors")
    if args.mode == "train" and not args.output_tensors:
        parser.error("--mode train expects at least one --output_tensors")
    for name in ("batch_size", "epochs", "training_steps", "validation_steps", "block_size", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"expected --{name} >= 1, got {getattr(args, name)}")
    if args.patience < 0 or args.test_steps < 0:
        parser.error("expected --patience and --test_steps >= 0")
    if not 0.0 <= args.min_improvement < 1.0:
        parser.error(f"expected 0 <= --min_improvement < 1, got {args.min_improvement}")
    if len(args.bottleneck_type) not in (1, len(args.input_tensors)):
        parser.error(f"expected one --bottleneck_type, or one per --input_tensors entry "
                     f"({len(args.input_tensors)}), got {args.bottleneck_type}")
    if not 0.0 <= args.valid_ratio < 1.0 or not 0.0 <= args.test_ratio < 1.0 or args.valid_ratio + args.test_ratio >= 1.0:
        parser.error(f"expected 0 <= --valid_ratio, --test_ratio and their sum < 1, got "
                     f"{args.valid_ratio}, {args.test_ratio}")
    if not args.id or args.id in (".", "..") or "/" in args.id or "\\" in args.id:
        parser.error(f"expected --id to be a plain run name (it names a folder in --output_folder), "
                     f"got {args.id!r}")
    if args.merge_blocks and args.merge_blocks != ["pair"]:
        parser.error(f"expected --merge_blocks to be empty or 'pair', got {args.merge_blocks}")
    if args.pairs and len(args.input_tensors) < 2:
        parser.error("--pairs needs at least two --input_tensors")
    ignored = [f for f in IGNORED_ML4H_FLAGS if getattr(args, f.lstrip("-")) is not None]
    if ignored and getattr(args, "ignored_flags", None) != ignored:  # say it once per run
        print(f"zoo.recipes: ignoring ml4h flags that do not apply here: {' '.join(ignored)}", file=sys.stderr)
    args.ignored_flags = ignored
    return args


def parse_args(argv: Sequence[str] | argparse.Namespace | None = None, *,
               prog: str = "python -m zoo.recipes") -> argparse.Namespace:
    """Parse a command line (``None`` = ``sys.argv[1:]``); a Namespace passes through
    the same checks. ``prog`` names the command in argparse's messages."""
    parser = build_parser(prog)
    if isinstance(argv, argparse.Namespace):
        defaults = vars(parser.parse_args(["--tensors", "_"]))
        merged = {**defaults, **vars(argv)}
        return _check(argparse.Namespace(**merged), parser)
    return _check(parser.parse_args(None if argv is None else list(argv)), parser)

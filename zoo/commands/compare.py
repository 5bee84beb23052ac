"""``zoo compare``: the registered-vs-unregistered comparison table.

    zoo compare --latents ecg=hidden_ecg.tsv --latents ecg_median=hidden_median.tsv \\
                --pairs ecg_median:ecg --phenotypes pheno.csv --bfile PREFIX \\
                [--truth truth.json] --out DIR

Writes ``DIR/comparison.md``, ``comparison.json``, ``scores.tsv`` and figures (bar chart of
R²/AUROC, Manhattan and QQ plots per latent space).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from fastio import _flags
from zoo.commands._parents import loci_flags
from zoo.evaluate.defaults import DTYPES

__all__ = ["build_parser", "main", "parse_named", "parse_pair"]

_DEFAULT_COVARIATES = ("age", "sex") + tuple(f"PC{i}" for i in range(1, 11))


def parse_named(text: str) -> tuple[str, str]:
    """``NAME=PATH`` -> (NAME, PATH)."""
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise ValueError(f"--latents: expected NAME=PATH, got {text!r}")
    return name, path


def parse_pair(text: str) -> tuple[str, str]:
    """``A:B`` -> (A, B): A is typically the registered space, B the unregistered one."""
    a, sep, b = text.partition(":")
    if not sep or not a or not b:
        raise ValueError(f"--pairs: expected A:B, got {text!r}")
    return a, b


def build_parser() -> argparse.ArgumentParser:
    parser = _flags.command_parser(
        "zoo compare", __doc__.split("\n\n")[0],
        parents=[_flags.out("output directory"), _flags.seed(), loci_flags(),
                 _flags.quiet("no progress bars")])
    parser.add_argument("--latents", action="append", required=True, metavar="NAME=PATH",
                        help="a latent table; repeat for each latent space")
    parser.add_argument("--pairs", nargs="*", default=[], metavar="A:B",
                        help="pairs to compare (A − B), e.g. registered:unregistered")
    parser.add_argument("--phenotypes", required=True, help="phenotypes.csv (sample_id, ...)")
    parser.add_argument("--bfile", help="PLINK fileset prefix for the latent GWAS")
    parser.add_argument("--truth", help="truth.json with causal variants (recall/precision)")
    parser.add_argument("--truth-factors", default=None,
                        help="only causal variants of these truth factors (comma-separated)")
    parser.add_argument("--covar-names", default=None,
                        help="covariates (default: age, sex, PC1-PC10 where present)")
    parser.add_argument("--targets", default=None,
                        help="phenotypes to predict (default: every numeric column)")
    parser.add_argument("--splits", type=int, default=4, help="repeated random splits")
    parser.add_argument("--train-fraction", type=float, default=0.8)
    parser.add_argument("--dtype", choices=DTYPES, default="float32")
    parser.add_argument("--no-split-halves", action="store_true",
                        help="skip the split-half GWAS replicates")
    parser.add_argument("--no-plots", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    args = build_parser().parse_args(argv)   # first: `zoo compare --help` imports nothing heavy
    from zoo.evaluate.compare import CompareConfig, compare
    from zoo.evaluate.design import parse_covar_names
    from zoo.evaluate.gwas import GwasConfig
    from zoo.evaluate.latents import read_latents, read_phenotypes
    from zoo.evaluate.loci import read_truth
    from zoo.evaluate.phenotypes import CvConfig

    named = [parse_named(t) for t in args.latents]
    names = [n for n, _ in named]
    if len(set(names)) != len(names):
        raise ValueError(f"--latents: expected distinct names, got {names}")
    spaces = {name: read_latents(path) for name, path in named}
    pairs = [parse_pair(t) for t in args.pairs]
    phenotypes = read_phenotypes(args.phenotypes)
    if args.covar_names is None:
        covars = tuple(c for c in _DEFAULT_COVARIATES if c in phenotypes.columns)
    else:
        covars = parse_covar_names(args.covar_names)
    targets = parse_covar_names(args.targets) if args.targets else None
    config = CompareConfig(
        covar_names=covars, targets=targets,
        cv=CvConfig(n_splits=args.splits, train_fraction=args.train_fraction, seed=args.seed),
        gwas=GwasConfig(dtype=args.dtype, progress=False), threshold=args.threshold,
        window=args.window, min_maf=args.min_maf, split_halves=not args.no_split_halves, seed=args.seed)
    factors = parse_covar_names(args.truth_factors) if args.truth_factors else None
    truth = read_truth(args.truth, factors) if args.truth else None
    comp = compare(spaces, phenotypes, pairs, out=args.out, bfile=args.bfile, truth=truth,
                   config=config, plots=not args.no_plots, progress=not args.quiet)
    print(f"zoo compare: {len(spaces)} latent spaces, {comp.n_samples} samples; "
          f"table in {Path(args.out) / 'comparison.md'}")
    return 0


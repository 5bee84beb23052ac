"""Parent parsers for flags that several ``zoo`` commands share beyond those of
``fastio._flags``: how loci are counted (``zoo gwas``, ``zoo compare``, with the defaults
of :mod:`zoo.evaluate.defaults`) and extra preset registries (``zoo presets``,
``zoo embed``)."""
from __future__ import annotations

import argparse

from zoo.evaluate.defaults import GENOME_WIDE, MIN_MAF, WINDOW

__all__ = ["loci_flags", "registry_flag"]


def loci_flags() -> argparse.ArgumentParser:
    """``--threshold``, ``--window``, ``--min-maf``."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--threshold", type=float, default=GENOME_WIDE,
                   help=f"locus p threshold (default {GENOME_WIDE:g})")
    p.add_argument("--window", type=int, default=WINDOW,
                   help=f"clumping window in bp (default {WINDOW})")
    p.add_argument("--min-maf", type=float, default=MIN_MAF,
                   help="count loci only at variants with at least this minor-allele frequency "
                        f"(default {MIN_MAF:g}; all variants are tested and written)")
    return p


def registry_flag() -> argparse.ArgumentParser:
    """``--registry FILE`` (repeatable; ``args.registry`` is a list or None)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--registry", action="append", default=None, metavar="FILE",
                   help="extra registry file (a mirror's registry.json); repeatable; "
                        "ZOO_REGISTRY also works")
    return p

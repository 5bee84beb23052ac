"""``--threshold``, ``--window`` and ``--min-maf``: how ``zoo gwas`` and ``zoo compare``
count loci, one parent parser with the defaults of :mod:`zoo.evaluate.defaults`."""
from __future__ import annotations

import argparse

from zoo.evaluate.defaults import GENOME_WIDE, MIN_MAF, WINDOW

__all__ = ["loci_flags"]


def loci_flags() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--threshold", type=float, default=GENOME_WIDE,
                   help=f"locus p threshold (default {GENOME_WIDE:g})")
    p.add_argument("--window", type=int, default=WINDOW,
                   help=f"clumping window in bp (default {WINDOW})")
    p.add_argument("--min-maf", type=float, default=MIN_MAF,
                   help="count loci only at variants with at least this minor-allele frequency "
                        f"(default {MIN_MAF:g}; all variants are tested and written)")
    return p

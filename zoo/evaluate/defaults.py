"""The GWAS settings every command, config and report shares: the locus threshold and
window, the minor-allele-frequency floor for counting loci, the compute dtypes.

Plain values in a module of their own, so that command-line parsers (which must not
import pandas or scipy) share them with :mod:`zoo.evaluate.loci` and the configs."""
from __future__ import annotations

__all__ = ["DTYPES", "GENOME_WIDE", "MIN_MAF", "WINDOW"]

GENOME_WIDE = 5e-8   # the genome-wide significance threshold for a locus
WINDOW = 500_000     # bp: the clumping window, and how near a locus must be to a true variant
MIN_MAF = 0.01       # loci are counted at variants with at least this minor-allele frequency
DTYPES = ("float32", "float64")   # the scan's float precision (GwasConfig.dtype, --dtype)

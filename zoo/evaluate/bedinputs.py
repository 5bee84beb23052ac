"""What a scan needs from a PLINK fileset before the latents are read.

``read_plink_inputs`` reads the .fam ids and the .bim variants and counts every variant's
called samples, mean and centred sum of squares from the .bed (``BedChunks.count_all``):
nothing of it depends on the latents or covariates, so ``zoo gwas`` runs it on a second
thread while the first reads those and residualises them, a core that otherwise waited
(0.1 CPU-s moved off the scan). ``run_gwas(..., inputs=...)`` takes the result.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.evaluate.bedfile import BedChunks, fileset, read_fam_ids, read_variants
from zoo.evaluate.columns import ColumnTable

__all__ = ["PlinkInputs", "read_plink_inputs"]


@dataclass(frozen=True, eq=False)
class PlinkInputs:
    """The .fam ids, the .bim variants and (with ``counts``) each variant's counts over
    every .fam sample, of the fileset ``bed`` (its .bed path)."""

    bed: Path
    fam_ids: np.ndarray
    variants: ColumnTable
    counts: tuple[np.ndarray, np.ndarray, np.ndarray] | None

    def of(self, prefix: str | Path) -> bool:
        """Whether these are the inputs of ``prefix``."""
        return fileset(prefix)[".bed"] == self.bed


def read_plink_inputs(prefix: str | Path, counts: bool = True) -> PlinkInputs:
    """``PlinkInputs`` of ``prefix``; ``counts=False`` skips reading the .bed."""
    fam_ids = read_fam_ids(prefix)
    variants = read_variants(prefix)
    chunks = BedChunks(prefix, np.arange(len(fam_ids)), shape=(len(fam_ids), len(variants)))
    return PlinkInputs(chunks.path, fam_ids, variants, chunks.count_all() if counts else None)

"""What a scan needs from a PLINK fileset besides the latents: the .fam ids and the .bim
variants. Neither depends on the latents or covariates, so ``zoo gwas`` reads them on a
second thread while the first reads those (Arrow's parser releases the GIL), and
``run_gwas(..., inputs=...)`` takes them. (Counting each variant's calls from the .bed
there too made the second thread the longer one, and the scan waited for it:
``countsahead.py`` counts them on a thread of their own from the last chunk back, which
the scan never waits for.)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.evaluate.bedfile import fileset, read_fam_ids, read_variants
from zoo.evaluate.columns import ColumnTable

__all__ = ["PlinkInputs", "read_plink_inputs"]


@dataclass(frozen=True, eq=False)
class PlinkInputs:
    """The .fam ids and the .bim variants of the fileset ``bed`` (its .bed path)."""

    bed: Path
    fam_ids: np.ndarray
    variants: ColumnTable

    def of(self, prefix: str | Path) -> bool:
        """Whether these are the inputs of ``prefix``."""
        return fileset(prefix)[".bed"] == self.bed


def read_plink_inputs(prefix: str | Path) -> PlinkInputs:
    """``PlinkInputs`` of ``prefix``."""
    return PlinkInputs(fileset(prefix)[".bed"], read_fam_ids(prefix), read_variants(prefix))

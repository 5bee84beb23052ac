"""PLINK 1 binary files (.bed/.bim/.fam) of the phantom genotypes, FID = IID = sample_id."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from zoo.evaluate.bedfile import write_bfile
from zoo.phantom.genotypes import Genotypes

__all__ = ["write_plink"]


def write_plink(prefix: str | Path, geno: Genotypes, sample_ids, sex: np.ndarray | None = None) -> Path:
    """Write ``prefix.bed/.bim/.fam``; the .bed counts allele 1 (ALT), which is the
    allele plink2 --glm reports as A1 by default. ``sex`` 1 = male (PLINK 1), 0 = female (2)."""
    prefix = Path(prefix)
    ids = [str(s) for s in sample_ids]
    if len(ids) != geno.n_samples:
        raise ValueError(f"{prefix}: expected {geno.n_samples} sample ids, got {len(ids)}")
    return write_bfile(prefix, geno.dosage, sample_ids=ids, chromosome=geno.chrom,
                       bp_position=geno.pos, variant_id=geno.variant_id, allele_1=geno.alt,
                       allele_2=geno.ref, cm_position=geno.cm,
                       sex=None if sex is None else np.where(np.asarray(sex) == 1, 1, 2))

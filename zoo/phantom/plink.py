"""PLINK 1 binary files (.bed/.bim/.fam) of the phantom genotypes, FID = IID = sample_id."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fastio.safefs import atomic_output
from zoo.phantom.genotypes import Genotypes

__all__ = ["write_plink"]


def write_plink(prefix: str | Path, geno: Genotypes, sample_ids, sex: np.ndarray | None = None) -> Path:
    """Write ``prefix.bed/.bim/.fam``; the .bed counts allele 1 (ALT), which is the
    allele plink2 --glm reports as A1 by default. ``sex`` 1 = male (PLINK 1), 0 = female (2)."""
    from bed_reader import to_bed

    prefix = Path(prefix)
    ids = np.asarray([str(s) for s in sample_ids])
    if len(ids) != geno.n_samples:
        raise ValueError(f"{prefix}: expected {geno.n_samples} sample ids, got {len(ids)}")
    properties = {
        "fid": ids,
        "iid": ids,
        "father": np.full(len(ids), "0"),
        "mother": np.full(len(ids), "0"),
        "chromosome": geno.chrom.astype(str),
        "sid": geno.variant_id,
        "cm_position": geno.cm,
        "bp_position": geno.pos,
        "allele_1": geno.alt,
        "allele_2": geno.ref,
    }
    if sex is not None:
        properties["sex"] = np.where(np.asarray(sex) == 1, 1, 2).astype(np.int32)
    # each file renamed into place: a kill leaves no half fileset, a planted symlink is replaced
    with atomic_output(prefix.with_suffix(".bed")) as bed, \
            atomic_output(prefix.with_suffix(".bim")) as bim, \
            atomic_output(prefix.with_suffix(".fam")) as fam:
        to_bed(bed, geno.dosage, properties=properties, count_A1=True, fam_filepath=fam,
               bim_filepath=bim)
    return prefix

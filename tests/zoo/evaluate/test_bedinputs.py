"""Fileset inputs read beside the latents: the same ids and variants as the scan reads
itself, and the same GWAS from them."""
from __future__ import annotations

import numpy as np
import pytest

from zoo.evaluate.bedfile import read_fam_ids, read_variants
from zoo.evaluate.bedinputs import read_plink_inputs
from zoo.evaluate.gwas import GwasConfig, run_gwas


def test_inputs_equal_what_the_scan_reads(cohort_missing):
    inputs = read_plink_inputs(cohort_missing.bfile)
    assert inputs.of(cohort_missing.bfile) and inputs.of(cohort_missing.bfile + ".bed")
    np.testing.assert_array_equal(inputs.fam_ids, read_fam_ids(cohort_missing.bfile))
    variants = read_variants(cohort_missing.bfile)
    assert inputs.variants.columns == variants.columns
    for col in variants.columns:
        np.testing.assert_array_equal(inputs.variants[col], variants[col])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_scan_from_inputs_is_the_same_scan(cohort_missing, cohort, tmp_path, dtype):
    """run_gwas(inputs=...) gives bit for bit the statistics and tables of run_gwas alone;
    another fileset's inputs are refused."""
    from zoo.evaluate.design import read_covariates
    from zoo.evaluate.latents import read_latents

    latents = read_latents(cohort_missing.latents)
    covar = read_covariates(cohort_missing.phenotypes, cohort_missing.covar_names)
    config = GwasConfig(dtype=dtype, progress=False, chunk_size=33)
    inputs = read_plink_inputs(cohort_missing.bfile)
    a = run_gwas(cohort_missing.bfile, latents, covar, config, out_dir=tmp_path / "a",
                 inputs=inputs)
    b = run_gwas(cohort_missing.bfile, latents, covar, config, out_dir=tmp_path / "b")
    for key in ("beta", "se", "t", "p", "obs", "a1_freq", "p_manova"):
        np.testing.assert_array_equal(a.stats[key], b.stats[key])
    for kind in ("long", "manova"):
        assert a.files[kind].read_bytes() == b.files[kind].read_bytes()
    with pytest.raises(ValueError, match="Expected the inputs of"):
        run_gwas(cohort.bfile, latents, covar, config, inputs=inputs)

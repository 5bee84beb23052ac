"""plink2/REGENIE phenotype files and Dask variant-block jobs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.export import (run_gwas_dask, variant_blocks, write_plink_phenotypes,
                                 write_regenie_phenotypes)
from zoo.evaluate.gwas import GwasConfig, run_gwas


def test_phenotype_files(tmp_path):
    frame = pd.DataFrame({"latent_0": [0.5, np.nan], "latent_1": [1.25, -2.0]},
                         index=pd.Index(["a", "b"], name="sample_id"))
    plink = write_plink_phenotypes(frame, tmp_path / "pheno.txt", fid=pd.Series({"a": "fam1"}))
    assert plink.read_text().splitlines() == ["FID\tIID\tlatent_0\tlatent_1",
                                              "fam1\ta\t0.5\t1.25", "b\tb\tNA\t-2"]
    regenie = write_regenie_phenotypes(frame, tmp_path / "pheno.regenie")
    assert regenie.read_text().splitlines()[2] == "b b NA -2"
    with pytest.raises(ValueError, match="whitespace"):
        write_plink_phenotypes(frame.rename(columns={"latent_0": "bad name"}), tmp_path / "x")


def test_variant_blocks():
    assert variant_blocks(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert variant_blocks(0, 4) == []
    with pytest.raises(ValueError, match="block_size"):
        variant_blocks(10, 0)


def test_dask_blocks_merge_to_the_single_run(cohort, cohort_tables):
    from distributed import Client, LocalCluster

    latents, covar = cohort_tables
    config = GwasConfig(dtype="float64", progress=False)
    single = run_gwas(cohort.bfile, latents, covar, config)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        merged = run_gwas_dask(client, cohort.bfile, latents, covar, config, block_size=70)
    pd.testing.assert_frame_equal(merged.long_frame(), single.long_frame())
    pd.testing.assert_frame_equal(merged.manova_frame(), single.manova_frame())

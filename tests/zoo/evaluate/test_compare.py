"""On the phantom cohort (zoo.phantom): the comparison runs on its files and finds its loci.

Slow (the phantom renders every modality); the latent spaces are stand-ins built from the
phantom's own image-derived phenotypes — a clean one and a nuisance-drowned one — so the
check is about zoo.evaluate reading phantom files and recovering planted truth, not about
any trained encoder.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from zoo.phantom.generation import generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    root = tmp_path_factory.mktemp("phantom")
    cohort = generate(root, n=600, seed=1, scale="quick", n_variants=5000, progress=False)
    pheno = pd.read_csv(cohort.phenotypes_csv, dtype={"sample_id": str}).set_index("sample_id")
    cols = ["height", "bmi", "bone_density", "lv_mass", "lvedv", "qrs_duration",
            "rr_interval", "brain_volume"]
    z = ((pheno[cols] - pheno[cols].mean()) / pheno[cols].std()).to_numpy()
    rng = np.random.default_rng(0)
    from zoo.evaluate.latents import write_latents

    names = [f"latent_{i}" for i in range(len(cols))]
    clean = pd.DataFrame(z + rng.normal(0, 0.3, z.shape), index=pheno.index, columns=names)
    noisy = pd.DataFrame(z + rng.normal(0, 1.5, z.shape), index=pheno.index, columns=names)
    return (cohort, write_latents(clean, root / "hidden_clean.tsv"),
            write_latents(noisy, root / "hidden_noisy.tsv"))


def test_compare_on_phantom(phantom, tmp_path):
    from zoo.commands import compare as cli_compare

    cohort, clean, noisy = phantom
    rc = cli_compare.main([
        "--latents", f"clean={clean}", "--latents", f"noisy={noisy}", "--pairs", "clean:noisy",
        "--phenotypes", str(cohort.phenotypes_csv), "--bfile", str(cohort.bfile),
        "--truth", str(cohort.truth_json), "--out", str(tmp_path), "--threshold", "1e-6",
        "--quiet", "--no-plots"])
    assert rc == 0
    report = json.loads((tmp_path / "comparison.json").read_text())
    gwas = pd.DataFrame(report["gwas"]).set_index("space")
    assert gwas.loc["clean", "precision_min_p"] == 1.0
    assert gwas.loc["clean", "loci_min_p"] >= 3
    assert gwas.loc["clean", "loci_min_p"] > gwas.loc["noisy", "loci_min_p"]
    assert 0.9 < gwas.loc["clean", "lambda_gc"] < 1.15
    means = pd.DataFrame(report["pair_means"]).set_index("metric")
    assert means.loc["r2", "diff"] > 0 and means.loc["auroc", "diff"] > 0

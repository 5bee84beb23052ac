"""LD decay measured from PLINK genotypes, the window it implies, and the null rate of a
lead-variant match: known answers on the phantom's genotype model and on hand-made sites."""
import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.ld import ld_decay, ld_window
from zoo.evaluate.loci import match_leads, null_rate
from zoo.phantom.genotypes import GenotypeModel, simulate_genotypes
from zoo.phantom.plink import write_plink


def _bfile(tmp_path, ld_kb, name):
    model = GenotypeModel(n_chromosomes=2, ld_length_kb=ld_kb, hotspot_rate=0.0)
    geno = simulate_genotypes(400, 3000, np.random.default_rng(1), model)
    ids = [f"s{i}" for i in range(400)]
    return write_plink(tmp_path / name, geno, ids)


def test_ld_decays_with_distance_and_longer_ld_gives_a_wider_window(tmp_path):
    short = ld_decay(_bfile(tmp_path, 20.0, "short"), max_distance=600_000, bin_size=20_000)
    long_ = ld_decay(_bfile(tmp_path, 120.0, "long"), max_distance=600_000, bin_size=20_000)
    for decay in (short, long_):
        near, far = decay["mean_r2"].iloc[0], decay["mean_r2"].iloc[-5:].mean()
        assert near > 0.1 and far < 0.02 and near > 5 * far
    # the model's latent correlation is exp(-d / L): r² falls off later when L is longer
    w_short = ld_window(short, r2=0.1, lo=0, hi=10**6, n_samples=400)
    w_long = ld_window(long_, r2=0.1, lo=0, hi=10**6, n_samples=400)
    assert 0 < w_short < w_long
    assert ld_window(short, r2=0.1, lo=100_000, hi=250_000) == max(100_000, min(w_short, 250_000))


def test_null_rate_and_lead_matching_known_answer():
    variants = pd.DataFrame({"#CHROM": ["1"] * 10 + ["2"] * 10,
                             "POS": list(range(0, 1_000_000, 100_000)) * 2, "ID": [f"v{i}" for i in range(20)]})
    truth = pd.DataFrame({"ID": ["c"], "#CHROM": ["1"], "POS": [450_000]})
    # within 100 kb of 450 kb on chromosome 1: 400 kb and 500 kb -> 2 of 20 variants
    assert null_rate(variants, truth, window=100_000) == pytest.approx(0.1)
    assert null_rate(variants, truth, window=100_000, mask=np.arange(20) < 10) == pytest.approx(0.2)
    loci = pd.DataFrame({"#CHROM": ["1", "1"], "POS": [500_000, 900_000], "ID": ["a", "b"],
                         "P": [1e-9, 1e-9], "N_VARIANTS": [1, 3], "START": [500_000, 300_000],
                         "END": [500_000, 900_000], "INDEX": [5, 9]})
    # the second locus's span reaches the causal variant, its lead does not
    got = match_leads(loci, truth, window=100_000)
    assert got["precision"] == 0.5 and got["recall"] == 1.0
    with pytest.raises(ValueError, match="window >= 0"):
        null_rate(variants, truth, window=-1)

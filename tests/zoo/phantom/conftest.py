"""Shared fixtures of the zoo.phantom tests: one small generated cohort, simulated
genetics at GWAS-sized n, and plink2 where it is installed."""
from __future__ import annotations


import numpy as np
import pytest

from zoo.phantom import generate
from zoo.phantom.biology import anatomy, simulate_biology
from zoo.phantom.genotypes import simulate_genotypes


@pytest.fixture(scope="session")
def cohort(tmp_path_factory):
    """60 subjects at quick scale, 2,000 variants (seed 11)."""
    return generate(tmp_path_factory.mktemp("phantom"), n=60, seed=11, n_variants=2000, progress=False)


@pytest.fixture(scope="session")
def genetics():
    """2,000 individuals x 3,000 variants with the default factors: enough power for a
    GWAS to find the larger causal effects, cheap because nothing is rendered."""
    rng = np.random.default_rng(5)
    geno = simulate_genotypes(2000, 3000, rng)
    bio = simulate_biology(geno, rng)
    return geno, bio


@pytest.fixture(scope="session")
def small_block():
    """Anatomy of 150 subjects for renderer tests."""
    rng = np.random.default_rng(3)
    geno = simulate_genotypes(150, 1500, rng)
    bio = simulate_biology(geno, rng)
    return bio, anatomy(bio)

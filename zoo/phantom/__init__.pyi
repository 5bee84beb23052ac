"""The public names of ``zoo.phantom``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from .biology import FACTORS, Factor, simulate_biology
from .cohort import PhantomCohort
from .diagnostics import factor_r2
from .generation import generate
from .genotypes import GenotypeModel, genetic_pcs, simulate_genotypes
from .plink import write_plink
from .truth import load_truth

__all__ = [
    "FACTORS", "Factor", "GenotypeModel", "PhantomCohort", "factor_r2",
    "generate", "genetic_pcs", "load_truth", "simulate_biology", "simulate_genotypes",
    "write_plink",
]

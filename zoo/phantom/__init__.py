"""zoo.phantom: a synthetic biobank with known genetic ground truth.

``generate(out_dir, n, seed, scale)`` writes per-subject ml4h-layout HDF5 files for all
nine tensors, ``phenotypes.csv``, PLINK genotypes and ``truth.json``. Names resolve
lazily so ``import zoo.phantom`` does no work.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "generate": "zoo.phantom.generate",
    "PhantomCohort": "zoo.phantom.cohort",
    "load_truth": "zoo.phantom.truth",
    "MODALITIES": "zoo.phantom.truth",
    "FACTORS": "zoo.phantom.biology",
    "Factor": "zoo.phantom.biology",
    "GenotypeModel": "zoo.phantom.genotypes",
    "simulate_genotypes": "zoo.phantom.genotypes",
    "simulate_biology": "zoo.phantom.biology",
    "genetic_pcs": "zoo.phantom.genotypes",
    "write_plink": "zoo.phantom.plink",
    "factor_r2": "zoo.phantom.diagnostics",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'zoo.phantom' has no attribute {name!r}")


def __dir__():
    return __all__

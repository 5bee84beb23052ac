"""zoo: models, registration, phantom cohort and evaluation for registered representations.

Sub-packages are imported lazily: ``import zoo`` does no work and never imports Keras.
"""
from __future__ import annotations

import importlib

_SUBPACKAGES = ("phantom", "models", "recipes", "registration", "evaluate")

__all__ = list(_SUBPACKAGES)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"zoo.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")

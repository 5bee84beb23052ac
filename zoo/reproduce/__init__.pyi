"""The public names of ``zoo.reproduce``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from .plan import MODELS, PAIRS, SPACES
from .run import run_reproduce
from .settings import CONVERGE, FULL, QUICK, Settings

__all__ = [
    "CONVERGE", "FULL", "MODELS", "PAIRS", "QUICK", "SPACES", "Settings", "run_reproduce",
]

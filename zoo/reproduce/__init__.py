"""zoo.reproduce: the whole registered-vs-unregistered experiment, resumable, as a report.

``zoo reproduce --out DIR [--quick]`` (``cli``) runs ``run_reproduce`` (``run``): a phantom
cohort per nuisance strength, every registration (``plan.REGISTRATIONS``), every model ×
training seed (``train``), per-space measures (``measure``), and writes Table 1, Table 2,
the nuisance sweep and its negative control (``tables``, ``report``, ``figures``).
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

_EXPORTS = {
    "run_reproduce": "zoo.reproduce.run",
    "Settings": "zoo.reproduce.settings",
    "FULL": "zoo.reproduce.settings",
    "QUICK": "zoo.reproduce.settings",
    "PAIRS": "zoo.reproduce.plan",
    "SPACES": "zoo.reproduce.plan",
    "MODELS": "zoo.reproduce.plan",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

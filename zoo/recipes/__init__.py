"""ml4h-compatible recipes: ``python -m zoo.recipes --mode train|infer_encoders ...``.

Python API: :func:`train` (returns the run directory) and :func:`infer` (returns the
written latent tables); both take a command line (list of strings) or an argparse
Namespace. ``zoo train`` / ``zoo infer`` are the same recipes under friendlier names.
The modules are ``training`` and ``inference`` so that the function names ``train`` and
``infer`` are never shadowed by a submodule of the same name.
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

_EXPORTS = {
    "train": "zoo.recipes.training",
    "infer": "zoo.recipes.inference",
    "parse_args": "zoo.recipes.args",
    "build_parser": "zoo.recipes.args",
    "main": "zoo.recipes.run",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

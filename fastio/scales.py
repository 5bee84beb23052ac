"""The two sizes the catalogue gives every tensor: UK Biobank's (``full``) and a reduced one
for quick runs (``quick``). A module of its own so that command-line parsers can offer
``--scale`` without importing the catalogue (and numpy with it) just to print ``--help``."""
from __future__ import annotations

__all__ = ["SCALES"]

SCALES = ("full", "quick")

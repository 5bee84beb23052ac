"""zoo: models, registration, phantom cohort and evaluation for registered representations.

Sub-packages are imported lazily: ``import zoo`` does no work and never imports Keras.
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

_SUBPACKAGES = ("phantom", "models", "recipes", "registration", "evaluate", "presets")
# the zoo itself: pretrained encoders, one call away (zoo.presets holds the rest)
_PRESET_NAMES = ("list_presets", "embed", "Encoder", "EmbeddingTransformer")

_EXPORTS = {**{name: None for name in _SUBPACKAGES}, **{name: "zoo.presets" for name in _PRESET_NAMES}}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

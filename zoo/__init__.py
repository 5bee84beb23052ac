"""zoo: models, registration, phantom cohort and evaluation for registered representations.

Sub-packages are imported lazily: ``import zoo`` does no work and never imports Keras.
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

_SUBPACKAGES = ("phantom", "models", "recipes", "registration", "evaluate", "presets")
# the zoo itself: pretrained encoders, one call away (zoo.presets holds the rest). Named
# by their defining modules: once `zoo.presets.embed` (the module) is imported, the
# package attribute `zoo.presets.embed` is that module, not the function.
_PRESET_NAMES = {"list_presets": "zoo.presets.listing", "embed": "zoo.presets.embed",
                 "Encoder": "zoo.presets.encoder", "EmbeddingTransformer": "zoo.presets.transformer"}

_EXPORTS = {**{name: None for name in _SUBPACKAGES}, **_PRESET_NAMES}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

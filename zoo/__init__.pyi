"""The public names of ``zoo``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from . import evaluate, modalities, models, phantom, presets, recipes, registration
from .presets.embed import embed
from .presets.encoder import Encoder
from .presets.listing import list_presets
from .presets.transformer import EmbeddingTransformer

__all__ = [
    "EmbeddingTransformer", "Encoder", "embed", "evaluate", "list_presets", "modalities", "models",
    "phantom", "presets", "recipes", "registration",
]
__version__: str

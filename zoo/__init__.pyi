"""The public names of ``zoo``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from . import evaluate, modalities, models, phantom, presets, recipes, registration
from .evaluate.compare import compare
from .phantom.generation import generate
from .presets.embedding import embed
from .presets.encoder import Encoder
from .presets.listing import list_presets
from .presets.transformer import EmbeddingTransformer
from .recipes.inference import infer
from .recipes.training import train
from .registration.pipeline import register_store
from .reproduce.run import run_reproduce

__all__ = [
    "EmbeddingTransformer", "Encoder", "compare", "embed", "evaluate", "generate", "infer",
    "list_presets", "modalities", "models", "phantom", "presets", "recipes", "register_store",
    "registration", "run_reproduce", "train",
]
__version__: str

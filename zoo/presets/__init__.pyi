"""The public names of ``zoo.presets``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from .cards import parse_card, render_card
from .embedding import embed
from .encoder import Encoder
from .fetching import FetchError, fetch, verify
from .listing import get_preset, list_presets
from .publishing import publish
from .record import FileEntry, Preset
from .registry import Registry, load_registry
from .transformer import EmbeddingTransformer

__all__ = [
    "EmbeddingTransformer", "Encoder", "FetchError", "FileEntry", "Preset", "Registry",
    "embed", "fetch", "get_preset", "list_presets", "load_registry", "parse_card", "publish",
    "render_card", "verify",
]

"""zoo.presets: versioned pretrained encoders per modality × registration method.

A preset is data (:class:`Preset`, in ``registry.json``) plus verified files (encoder,
registration state); :func:`embed` and :class:`Encoder` apply its own registration and
normalisation. Names resolve lazily: importing the package loads neither Keras nor pooch.
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "Preset": "zoo.presets.record",
    "FileEntry": "zoo.presets.record",
    "Registry": "zoo.presets.registry",
    "load_registry": "zoo.presets.registry",
    "list_presets": "zoo.presets.listing",
    "get_preset": "zoo.presets.listing",
    "Encoder": "zoo.presets.encoder",
    "embed": "zoo.presets.embed",
    "EmbeddingTransformer": "zoo.presets.transformer",
    "fetch": "zoo.presets.fetch",
    "verify": "zoo.presets.fetch",
    "FetchError": "zoo.presets.fetch",
    "publish": "zoo.presets.publish",
    "render_card": "zoo.presets.cards",
    "parse_card": "zoo.presets.cards",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

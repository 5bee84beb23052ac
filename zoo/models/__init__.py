"""Keras 3 builders: ml4h-style conv encoders/decoders, pair losses, merges, pair models.

Names resolve lazily, so ``import zoo.models`` does not import Keras; the first use of
a builder or layer does. Every custom layer is registered under the ``regzoo`` package
for ``keras.saving.load_model(..., safe_mode=True)``; call :func:`register_layers`
before loading a saved model in a fresh process.
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

_EXPORTS = {
    "Arch": "zoo.models.arch",
    "conv_encode": "zoo.models.encoder",
    "conv_decode": "zoo.models.decoder",
    "PAIR_LOSSES": "zoo.models.losses",
    "contrastive_loss": "zoo.models.losses",
    "cosine_loss": "zoo.models.losses",
    "euclid_loss": "zoo.models.losses",
    "PairLoss": "zoo.models.losses",
    "MERGES": "zoo.models.merges",
    "DropFuse": "zoo.models.merges",
    "AverageMerge": "zoo.models.merges",
    "KroneckerMerge": "zoo.models.merges",
    "merge_layer": "zoo.models.merges",
    "Pair": "zoo.models.pair",
    "parse_pairs": "zoo.models.pair",
    "build_model": "zoo.models.pair",
    "cross_decoder": "zoo.models.pair",
    "encoders_of": "zoo.models.pair",
    "decoders_of": "zoo.models.pair",
    "load_model": "zoo.models.saving",
    "register_layers": "zoo.models.saving",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

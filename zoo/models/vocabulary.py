"""The names a model recipe chooses from: one list each, read by the builders that
validate them and by the recipe command line that offers them as choices.

Keras-free (plain tuples), so ``zoo train --help`` can list the choices without
importing Keras."""
from __future__ import annotations

__all__ = ["ACTIVATIONS", "MERGES", "NORMALIZATIONS", "PAIR_LOSSES", "POOL_TYPES"]

ACTIVATIONS = ("swish", "gelu", "mish", "relu", "elu", "selu", "leaky_relu", "tanh", "linear")
POOL_TYPES = ("max", "average")
NORMALIZATIONS = (None, "batch_norm", "layer_norm")   # None: no normalisation
PAIR_LOSSES = ("contrastive", "cosine", "euclid")
MERGES = ("dropout", "average", "concat", "kronecker")

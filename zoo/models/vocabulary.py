"""The names a model recipe chooses from: one list each, read by the builders that
validate them and by the recipe command line that offers them as choices.

Keras-free (plain tuples), so ``zoo train --help`` can list the choices without
importing Keras."""
from __future__ import annotations

__all__ = ["ACTIVATIONS", "BOTTLENECKS", "MERGES", "NORMALIZATIONS", "PAIR_LOSSES", "POOL_TYPES"]

ACTIVATIONS = ("swish", "gelu", "mish", "relu", "elu", "selu", "leaky_relu", "tanh", "linear")
POOL_TYPES = ("max", "average")
# ml4h's --bottleneck_type values regzoo builds: flatten the last conv features into the
# dense stack (position-aware), or average them over every position first (shift-invariant:
# what a 10-s ECG strip needs, where each person's beats fall at different times)
BOTTLENECKS = ("flatten_restructure", "global_average_pool")
NORMALIZATIONS = (None, "batch_norm", "layer_norm")   # None: no normalisation
PAIR_LOSSES = ("contrastive", "cosine", "euclid")
MERGES = ("dropout", "average", "concat", "kronecker")

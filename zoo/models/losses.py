"""Pair losses between two latent batches: pure ``keras.ops`` functions plus one layer.

- ``contrastive``: symmetric InfoNCE (CLIP). Row ``i`` of ``a`` must pick row ``i`` of
  ``b`` among all rows of the batch, and vice versa; logits are cosine similarities
  times a learnable scale ``exp(log_scale)``. Works at any batch size: a batch of one
  gives a loss of exactly 0 (only one candidate), never an error. (ml4h swapped
  ``y_true``/``y_pred`` and fixed the batch size in the graph; both are fixed here.)
- ``cosine``: mean cosine distance ``1 - cos(a_i, b_i)``.
- ``euclid``: mean Euclidean distance ``‖a_i - b_i‖``.

:class:`PairLoss` adds ``weight × loss`` to the model's losses, logs the unweighted loss as
a metric named after the layer (``pair_contrastive_dxa_2_dxa_5``), and passes its two inputs
through unchanged, so it sits on the path from encoders to decoders and is saved with
the model (its learnable scale included). Only model code imports this module (it
imports Keras).
"""
from __future__ import annotations

import math

import keras

from zoo.models.vocabulary import PAIR_LOSSES

__all__ = [
    "INIT_LOG_SCALE",
    "MAX_LOG_SCALE",
    "l2_normalize",
    "contrastive_loss",
    "cosine_loss",
    "euclid_loss",
    "pair_loss",
    "PairLoss",
]

# CLIP's initial temperature 0.07 and its cap on the logit scale (100).
INIT_LOG_SCALE = math.log(1.0 / 0.07)
MAX_LOG_SCALE = math.log(100.0)
_EPS = 1e-12


def l2_normalize(x):
    from keras import ops

    return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), _EPS))


def contrastive_loss(a, b, log_scale=INIT_LOG_SCALE):
    """Symmetric InfoNCE of two ``(n, d)`` batches; returns a scalar."""
    from keras import ops

    a = l2_normalize(ops.cast(a, "float32"))
    b = l2_normalize(ops.cast(b, "float32"))
    scale = ops.exp(ops.clip(ops.cast(log_scale, "float32"), 0.0, MAX_LOG_SCALE))
    logits = ops.matmul(a, ops.transpose(b)) * scale
    diagonal = ops.diagonal(logits)
    a_to_b = ops.logsumexp(logits, axis=1) - diagonal
    b_to_a = ops.logsumexp(logits, axis=0) - diagonal
    return 0.5 * (ops.mean(a_to_b) + ops.mean(b_to_a))


def cosine_loss(a, b):
    from keras import ops

    a = l2_normalize(ops.cast(a, "float32"))
    b = l2_normalize(ops.cast(b, "float32"))
    return ops.mean(1.0 - ops.sum(a * b, axis=-1))


def euclid_loss(a, b):
    from keras import ops

    diff = ops.cast(a, "float32") - ops.cast(b, "float32")
    return ops.mean(ops.sqrt(ops.sum(ops.square(diff), axis=-1) + _EPS))


def pair_loss(kind: str, a, b, log_scale=INIT_LOG_SCALE):
    if kind == "contrastive":
        return contrastive_loss(a, b, log_scale)
    if kind == "cosine":
        return cosine_loss(a, b)
    if kind == "euclid":
        return euclid_loss(a, b)
    raise ValueError(f"Expected pair loss in {PAIR_LOSSES}, got {kind!r}")


@keras.saving.register_keras_serializable(package="regzoo")
class PairLoss(keras.layers.Layer):
    """Adds ``weight × pair_loss(a, b)`` to the model losses; returns ``[a, b]`` unchanged.

    The contrastive kind owns one trainable scalar, ``log_scale`` (the log inverse
    temperature), clipped to ``[0, log 100]`` when used. The loss is computed in every
    mode so validation loss and training loss measure the same objective.
    """

    def __init__(self, kind: str = "contrastive", weight: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        if kind not in PAIR_LOSSES:
            raise ValueError(f"Expected pair loss in {PAIR_LOSSES}, got {kind!r}")
        weight = float(weight)
        if not weight >= 0.0:
            raise ValueError(f"Expected a pair loss weight >= 0, got {weight!r}")
        self.kind = kind
        self.loss_weight = weight
        # Unweighted pair loss per batch, reported in the training logs under the
        # layer's name (val_… for validation) next to the reconstruction losses.
        self.tracker = keras.metrics.Mean(name=self.name)

    def build(self, input_shape):
        if self.kind == "contrastive":
            self.log_scale = self.add_weight(
                name="log_scale", shape=(), initializer=keras.initializers.Constant(INIT_LOG_SCALE),
                trainable=True,
            )
        else:
            self.log_scale = None
        self.built = True

    def pair_value(self, a, b):
        """The unweighted loss for ``a``, ``b`` with this layer's current scale."""
        return pair_loss(self.kind, a, b, self.log_scale if self.log_scale is not None else INIT_LOG_SCALE)

    def call(self, inputs):
        a, b = inputs
        value = self.pair_value(a, b)
        if self.loss_weight:
            self.add_loss(self.loss_weight * value)
        self.tracker.update_state(value)
        return [a, b]

    def compute_output_shape(self, input_shape):
        return list(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(kind=self.kind, weight=self.loss_weight)
        return config

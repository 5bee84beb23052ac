"""Merges of per-modality latents into the one vector every decoder reads.

- ``dropout`` (DropFuse): while training, each sample passes on the whole latent of one
  modality picked at random, so every decoder learns to reconstruct its modality from
  any modality's latent. Outside training the layer is deterministic: it passes the mean
  of the latents (``inference="average"``) or one fixed modality (``inference=k``).
  (ml4h re-drew the modality at inference; fixed here.) Embeddings for downstream use
  come from each encoder alone, which never involves this layer.
- ``average``: the mean of the latents.
- ``concat``: the latents side by side (width ``sum(d)``).
- ``kronecker``: the flattened outer product (width ``prod(d)``).

Pure ``keras.ops`` functions first, thin serialisable layers over them. Only model code
imports this module (it imports Keras).
"""
from __future__ import annotations

import math

import keras
from keras import ops

from zoo.models.vocabulary import MERGES

__all__ = [
    "dropfuse",
    "average_latents",
    "kronecker_latents",
    "merged_width",
    "DropFuse",
    "AverageMerge",
    "KroneckerMerge",
    "merge_layer",
]



def dropfuse(latents, choice):
    """Per sample ``i``, ``latents[choice[i]][i]``; ``choice`` is an int vector."""
    stacked = ops.stack(latents, axis=1)  # (n, m, d)
    mask = ops.one_hot(choice, len(latents), dtype=stacked.dtype)  # (n, m)
    return ops.sum(stacked * ops.expand_dims(mask, -1), axis=1)


def average_latents(latents):
    return ops.mean(ops.stack(latents, axis=0), axis=0)


def kronecker_latents(latents):
    out = latents[0]
    for nxt in latents[1:]:
        outer = ops.expand_dims(out, -1) * ops.expand_dims(nxt, 1)
        out = ops.reshape(outer, (-1, int(out.shape[-1]) * int(nxt.shape[-1])))
    return out


def merged_width(kind: str, widths) -> int:
    """The latent width a decoder behind this merge must accept."""
    widths = [int(w) for w in widths]
    if kind in ("dropout", "average"):
        if len(set(widths)) != 1:
            raise ValueError(f"Merge {kind!r}: expected latents of one width, got {widths}")
        return widths[0]
    if kind == "concat":
        return sum(widths)
    if kind == "kronecker":
        return math.prod(widths)
    raise ValueError(f"Expected pair_merge in {MERGES}, got {kind!r}")


def _check_widths(kind, input_shape):
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 2:
        raise ValueError(f"Merge {kind!r}: expected a list of at least two latents, got {input_shape}")
    merged_width(kind, [s[-1] for s in input_shape])


@keras.saving.register_keras_serializable(package="regzoo")
class DropFuse(keras.layers.Layer):
    """DropFuse merge; ``inference`` is ``"average"`` or the index of one modality."""

    def __init__(self, inference="average", seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if inference != "average" and not isinstance(inference, int):
            raise ValueError(f"Expected DropFuse inference 'average' or a modality index, got {inference!r}")
        self.inference = inference
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        _check_widths("dropout", input_shape)
        if isinstance(self.inference, int) and not 0 <= self.inference < len(input_shape):
            raise ValueError(
                f"DropFuse: expected inference index in [0, {len(input_shape)}), got {self.inference}"
            )
        self.built = True

    def call(self, inputs, training=False):
        if training:
            n = ops.shape(inputs[0])[0]
            choice = keras.random.randint((n,), 0, len(inputs), seed=self.seed_generator)
            return dropfuse(inputs, choice)
        if self.inference == "average":
            return average_latents(inputs)
        return inputs[self.inference]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update(inference=self.inference, seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package="regzoo")
class AverageMerge(keras.layers.Layer):
    def build(self, input_shape):
        _check_widths("average", input_shape)
        self.built = True

    def call(self, inputs):
        return average_latents(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


@keras.saving.register_keras_serializable(package="regzoo")
class KroneckerMerge(keras.layers.Layer):
    def build(self, input_shape):
        _check_widths("kronecker", input_shape)
        self.built = True

    def call(self, inputs):
        return kronecker_latents(inputs)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], math.prod(int(s[-1]) for s in input_shape))


def merge_layer(kind: str, *, seed: int | None = None, name: str = "merge"):
    """A Keras layer for ``--pair_merge`` ``kind``."""
    if kind == "dropout":
        return DropFuse(seed=seed, name=name)
    if kind == "average":
        return AverageMerge(name=name)
    if kind == "concat":
        return keras.layers.Concatenate(axis=-1, name=name)
    if kind == "kronecker":
        return KroneckerMerge(name=name)
    raise ValueError(f"Expected pair_merge in {MERGES}, got {kind!r}")

"""The DropFuse training objective as a deterministic validation loss.

In training, DropFuse decodes every output of a sample from the latent of one input
modality drawn uniformly at random, so the loss it minimises is, in expectation over
that draw,

    (1/m) Σ_k Σ_o mse(decoder_o(encoder_k(x_k)), y_o)  +  Σ_pairs weight × pair loss,

reconstruction of each modality from itself and cross-decoding from every other one.
Keras' own ``val_loss`` runs the model in inference mode, where DropFuse decodes from the
average latent: a different objective, and one training never optimised. Early
stopping and the choice of the saved weights therefore monitor ``val_dropfuse_loss``
(:class:`DropFuseValidation`); ``val_loss`` is still logged next to it.

Only model code imports this module (it imports Keras).
"""
from __future__ import annotations

from typing import Sequence

import keras
import numpy as np

from zoo.models.merges import DropFuse
from zoo.models.pair import decoders_of, encoders_of

__all__ = ["MONITOR", "uses_dropfuse", "dropfuse_objective", "DropFuseValidation"]

MONITOR = "val_dropfuse_loss"


def uses_dropfuse(model) -> bool:
    """Whether ``model`` merges its latents with a DropFuse layer."""
    return any(isinstance(layer, DropFuse) for layer in model.layers)


def _mse(pred, target) -> float:
    return float(np.mean((np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)) ** 2))


def dropfuse_objective(model, inputs: Sequence, outputs: Sequence, x, y) -> dict[str, float]:
    """One batch's expected DropFuse training loss and its parts.

    ``inputs``/``outputs`` are the model's TensorSpecs, ``x``/``y`` a Loader batch.
    Returns ``dropfuse_loss`` (the objective), ``dropfuse_pair`` (the weighted pair
    losses) and, per input modality ``k``, ``dropfuse_from_{k}``: the summed
    reconstruction loss of every output decoded from ``k``'s latent alone."""
    encoders, decoders = encoders_of(model, inputs), decoders_of(model, outputs)
    missing = [s.name for s in inputs if s.name not in encoders] + [s.name for s in outputs if s.name not in decoders]
    if missing:
        raise ValueError(f"Expected encoder_/decoder_ models for {missing} in model {model.name}, "
                         f"got encoders {sorted(encoders)} and decoders {sorted(decoders)}")
    model(x, training=False)  # the pair layers add their weighted losses on every call
    parts = {"dropfuse_pair": float(sum(float(v) for v in model.losses))}
    for src in inputs:
        latent = encoders[src.name](x[src.input_name], training=False)
        parts[f"dropfuse_from_{src.name}"] = sum(
            _mse(decoders[o.name](latent, training=False), y[o.output_name]) for o in outputs)
    reconstruction = np.mean([parts[f"dropfuse_from_{s.name}"] for s in inputs])
    return {"dropfuse_loss": float(reconstruction) + parts["dropfuse_pair"], **parts}


class DropFuseValidation(keras.callbacks.Callback):
    """Adds ``val_dropfuse_loss`` (and its parts, ``val_``-prefixed) to the epoch logs,
    averaged over the first ``steps`` batches of ``data`` weighted by batch size, as
    Keras averages ``val_loss``. Put it before the callbacks that read those logs."""

    def __init__(self, data, steps: int, inputs: Sequence, outputs: Sequence):
        super().__init__()
        if not 1 <= int(steps) <= len(data):
            raise ValueError(f"Expected steps in [1, {len(data)}], got {steps}")
        self.data, self.steps = data, int(steps)
        self.inputs, self.outputs = list(inputs), list(outputs)

    def evaluate(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        count = 0
        for i in range(self.steps):
            x, y = self.data[i][:2]
            n = len(next(iter(x.values())))
            for key, value in dropfuse_objective(self.model, self.inputs, self.outputs, x, y).items():
                totals[key] = totals.get(key, 0.0) + n * value
            count += n
        return {f"val_{k}": v / count for k, v in totals.items()}

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self.evaluate())

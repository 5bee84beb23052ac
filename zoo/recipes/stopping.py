"""Early stopping on a relative improvement of the validation loss (``--min_improvement``).

Keras' ``EarlyStopping`` restarts its patience on any decrease of the monitored loss. With
``ReduceLROnPlateau`` halving the learning rate on every plateau, an autoencoder then keeps
finding decreases of a few parts in ten thousand for hundreds of epochs, and the cap, not
early stopping, ends its training. Here the patience restarts only when the loss falls
below the reference (the loss of the last epoch that restarted it) by a fraction of that
reference; the weights kept are still those of the lowest loss seen, however small its
lead. ``min_improvement=0`` is Keras' own rule (and ``training.py`` then uses Keras'
callback itself). Only training code imports this module (it imports Keras).
"""
from __future__ import annotations

import math

import keras

__all__ = ["improved", "RelativeEarlyStopping"]


def improved(loss: float, reference: float | None, fraction: float) -> bool:
    """Is ``loss`` below ``reference`` by at least ``fraction`` of its size? (No reference
    yet: yes. A loss that is not a finite number: no.)"""
    if not math.isfinite(loss):
        return False
    if reference is None:
        return True
    return loss < reference - fraction * abs(reference)


class RelativeEarlyStopping(keras.callbacks.EarlyStopping):
    """``EarlyStopping(mode="min", restore_best_weights=True)`` whose patience restarts only
    on an ``improved`` loss (see the module)."""

    def __init__(self, monitor: str, patience: int, min_improvement: float):
        if not 0.0 <= min_improvement < 1.0:
            raise ValueError(f"Expected 0 <= min_improvement < 1, got {min_improvement}")
        super().__init__(monitor=monitor, mode="min", patience=patience, restore_best_weights=True)
        self.min_improvement = min_improvement
        self.reference = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.reference = None

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None:
            return
        current = float(current)
        self.wait += 1
        if math.isfinite(current) and (self.best is None or current < self.best):
            self.best, self.best_epoch = current, epoch
            self.best_weights = self.model.get_weights()
        if improved(current, self.reference, self.min_improvement):
            self.reference, self.wait = current, 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

"""Early stopping on a relative fall of the validation loss: the rule, its bookkeeping
against a scripted loss curve, and the recipe's choice of callback."""
from __future__ import annotations

import argparse
import math

import keras
import numpy as np
import pytest

from zoo.recipes.stopping import RelativeEarlyStopping, improved
from zoo.recipes.training import _early_stopping


@pytest.mark.parametrize("loss, reference, fraction, expected", [
    (0.99, 1.0, 0.005, True),       # 1 % below
    (0.996, 1.0, 0.005, False),     # 0.4 % below: not enough
    (0.995, 1.0, 0.005, False),     # exactly the fraction: strictly below is needed
    (0.5, None, 0.005, True),       # the first epoch sets the reference
    (-1.01, -1.0, 0.005, True),     # a negative loss: the fraction of its size
    (-1.004, -1.0, 0.005, False),
    (0.9999, 1.0, 0.0, True),       # 0: any decrease, Keras' rule
    (math.nan, 1.0, 0.005, False),
    (math.inf, None, 0.005, False),
])
def test_improved_is_a_fall_by_the_fraction(loss, reference, fraction, expected):
    assert improved(loss, reference, fraction) is expected


class _Model:
    """What the callback touches: weights (here the epoch that set them) and the stop flag."""

    def __init__(self):
        self.weights, self.stop_training = [np.array(-1.0)], False

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = weights


def _drive(losses, patience, fraction):
    callback = RelativeEarlyStopping("val_loss", patience, fraction)
    model = _Model()
    callback._model = model
    callback.on_train_begin()
    ran = 0
    for epoch, loss in enumerate(losses):
        model.weights = [np.array(float(epoch))]
        callback.on_epoch_end(epoch, {"val_loss": loss})
        ran = epoch + 1
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, callback, float(model.weights[0])


def test_small_falls_do_not_restart_the_patience_and_the_lowest_loss_is_kept():
    # falls of 0.1 % after epoch 1: Keras' rule would run all 8 epochs
    losses = [1.0, 0.9, 0.899, 0.8985, 0.898, 0.897, 0.896, 0.895]
    ran, callback, restored = _drive(losses, patience=3, fraction=0.005)
    assert ran == 5 and callback.stopped_epoch == 4
    # the weights of the lowest loss (epoch 4), not of the last epoch that restarted the patience
    assert callback.best == pytest.approx(0.898) and callback.best_epoch == 4 and restored == 4.0
    assert _drive(losses, patience=3, fraction=0.0)[0] == len(losses)


def test_a_big_enough_fall_restarts_the_patience():
    losses = [1.0, 0.999, 0.998, 0.98, 0.979, 0.978, 0.977]
    ran, callback, restored = _drive(losses, patience=3, fraction=0.005)
    assert ran == 7 and callback.stopped_epoch == 6 and restored == 6.0


def test_a_nan_loss_is_never_the_best():
    ran, callback, restored = _drive([1.0, math.nan, math.nan, math.nan], patience=2, fraction=0.005)
    assert ran == 3 and callback.best == 1.0 and restored == 0.0


def test_fraction_out_of_range_is_an_error():
    with pytest.raises(ValueError, match="min_improvement"):
        RelativeEarlyStopping("val_loss", 3, 1.0)


def test_the_recipe_keeps_keras_rule_at_zero_and_the_relative_one_above():
    plain = _early_stopping(argparse.Namespace(patience=3, min_improvement=0.0), "val_loss")
    assert type(plain) is keras.callbacks.EarlyStopping and plain.restore_best_weights
    relative = _early_stopping(argparse.Namespace(patience=3, min_improvement=0.005), "val_loss")
    assert isinstance(relative, RelativeEarlyStopping) and relative.patience == 3
    assert relative.min_improvement == 0.005


def test_a_real_fit_stops_on_the_relative_rule():
    """A linear model of noisy data: its validation loss creeps down towards the noise's
    variance by ever smaller amounts, which restart Keras' patience but not a 1 % rule's."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = x @ np.arange(1, 5, dtype="float32")[:, None] + rng.normal(size=(64, 1)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    stop = RelativeEarlyStopping("val_loss", 2, 0.01)
    history = model.fit(x, y, validation_data=(x, y), epochs=200, batch_size=64, verbose=0,
                        callbacks=[stop])
    ran = len(history.history["val_loss"])
    assert 2 < ran < 200 and stop.stopped_epoch == ran - 1
    assert min(history.history["val_loss"]) == pytest.approx(stop.best)

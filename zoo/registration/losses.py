"""Registration losses as ``keras.losses.Loss`` subclasses (kept apart from the layers).

Every loss takes batched channels-last tensors ``(B, *spatial, C)`` and reduces to a scalar
per sample, so Keras' usual reductions and sample weights apply.
"""
from __future__ import annotations

import math

import keras
from keras import ops

__all__ = ["NCC", "MSE", "Grad", "Dice", "PhaseAdvance", "ncc_map"]


def _box_sum(x, window: int):
    """Sum over a centred box of side ``window`` in every spatial axis, per channel."""
    rank = len(x.shape) - 2
    channels = int(x.shape[-1])
    # Move channels into the batch so one single-channel kernel serves every channel.
    perm = (0, rank + 1, *range(1, rank + 1))
    moved = ops.transpose(x, perm)
    spatial = tuple(int(s) for s in x.shape[1:-1])
    moved = ops.reshape(moved, (-1, *spatial, 1))
    kernel = ops.ones((*([window] * rank), 1, 1), dtype=x.dtype)
    summed = ops.conv(moved, kernel, strides=1, padding="same")
    summed = ops.reshape(summed, (-1, channels, *spatial))
    back = (0, *range(2, rank + 2), 1)
    return ops.transpose(summed, back)


def ncc_map(y_true, y_pred, window: int = 9, eps: float = 1e-5):
    """Local squared normalised cross-correlation in every window (values in [0, 1])."""
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.cast(y_pred, y_true.dtype)
    size = float(window ** (len(y_true.shape) - 2))
    s_t = _box_sum(y_true, window)
    s_p = _box_sum(y_pred, window)
    s_tt = _box_sum(y_true * y_true, window)
    s_pp = _box_sum(y_pred * y_pred, window)
    s_tp = _box_sum(y_true * y_pred, window)
    cross = s_tp - s_t * s_p / size
    var_t = ops.maximum(s_tt - s_t * s_t / size, 0.0)
    var_p = ops.maximum(s_pp - s_p * s_p / size, 0.0)
    return cross * cross / (var_t * var_p + eps)


def _per_sample_mean(x):
    return ops.mean(ops.reshape(x, (ops.shape(x)[0], -1)), axis=-1)


@keras.saving.register_keras_serializable(package="regzoo")
class NCC(keras.losses.Loss):
    """Windowed (local) normalised cross-correlation, as ``-mean(ncc²)``.

    Invariant to local intensity scale and offset, which is what makes it the loss of
    choice between scans with different gain.
    """

    def __init__(self, window: int = 9, eps: float = 1e-5, name: str = "ncc", **kwargs):
        super().__init__(name=name, **kwargs)
        if int(window) < 1 or int(window) % 2 == 0:
            raise ValueError(f"Expected an odd positive NCC window, got {window!r}")
        self.window = int(window)
        self.eps = float(eps)

    def call(self, y_true, y_pred):
        return -_per_sample_mean(ncc_map(y_true, y_pred, self.window, self.eps))

    def get_config(self):
        return {**super().get_config(), "window": self.window, "eps": self.eps}


@keras.saving.register_keras_serializable(package="regzoo")
class MSE(keras.losses.Loss):
    """Mean squared intensity difference per sample."""

    def __init__(self, name: str = "mse", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, y_true.dtype)
        return _per_sample_mean(ops.square(y_true - y_pred))


@keras.saving.register_keras_serializable(package="regzoo")
class Grad(keras.losses.Loss):
    """Smoothness of a displacement / velocity field: mean of its squared (``l2``) or
    absolute (``l1``) finite differences along every spatial axis. ``y_true`` is ignored."""

    def __init__(self, penalty: str = "l2", name: str = "grad", **kwargs):
        super().__init__(name=name, **kwargs)
        if penalty not in ("l1", "l2"):
            raise ValueError(f"Expected penalty 'l1' or 'l2', got {penalty!r}")
        self.penalty = penalty

    def call(self, y_true, y_pred):
        rank = len(y_pred.shape) - 2
        total = None
        for axis in range(1, rank + 1):
            n = int(y_pred.shape[axis])
            diff = ops.take(y_pred, ops.arange(1, n), axis=axis) - ops.take(
                y_pred, ops.arange(0, n - 1), axis=axis
            )
            diff = ops.square(diff) if self.penalty == "l2" else ops.abs(diff)
            term = _per_sample_mean(diff)
            total = term if total is None else total + term
        return total / float(rank)

    def get_config(self):
        return {**super().get_config(), "penalty": self.penalty}


@keras.saving.register_keras_serializable(package="regzoo")
class Dice(keras.losses.Loss):
    """Soft Dice loss ``1 - 2|A∩B| / (|A| + |B|)`` for (soft) masks, averaged over channels."""

    def __init__(self, eps: float = 1e-6, name: str = "dice", **kwargs):
        super().__init__(name=name, **kwargs)
        self.eps = float(eps)

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, y_true.dtype)
        rank = len(y_true.shape) - 2
        axes = tuple(range(1, rank + 1))
        inter = ops.sum(y_true * y_pred, axis=axes)
        sizes = ops.sum(y_true, axis=axes) + ops.sum(y_pred, axis=axes)
        dice = (2.0 * inter + self.eps) / (sizes + self.eps)
        return 1.0 - ops.mean(dice, axis=-1)

    def get_config(self):
        return {**super().get_config(), "eps": self.eps}


@keras.saving.register_keras_serializable(package="regzoo")
class PhaseAdvance(keras.losses.Loss):
    """DeepCycle's self-supervision on per-frame unit vectors ``z`` (B, T, 2): frame ``t``
    must sit ``2πt/T`` ahead of frame 0, i.e. the back-rotated vectors
    ``u_t = R(-2πt/T) z_t`` must all agree. Loss ``1 - |mean_t u_t|²`` (0 when they do; 1 for
    a constant encoder, whose back-rotated vectors cancel — so, unlike penalising only
    neighbouring frames, the trivial solution is the worst one). ``y_true`` is ignored."""

    def __init__(self, frames: int, name: str = "phase_advance", **kwargs):
        super().__init__(name=name, **kwargs)
        if int(frames) < 2:
            raise ValueError(f"Expected at least 2 frames per cycle, got {frames!r}")
        self.frames = int(frames)

    def call(self, y_true, y_pred):
        angles = [-2 * math.pi * t / self.frames for t in range(self.frames)]
        cos = ops.convert_to_tensor([math.cos(a) for a in angles], dtype=y_pred.dtype)
        sin = ops.convert_to_tensor([math.sin(a) for a in angles], dtype=y_pred.dtype)
        x, y = y_pred[..., 0], y_pred[..., 1]
        ux = ops.mean(cos * x - sin * y, axis=-1)
        uy = ops.mean(sin * x + cos * y, axis=-1)
        return 1.0 - (ux * ux + uy * uy)

    def get_config(self):
        return {**super().get_config(), "frames": self.frames}

"""Thin Keras layers over :mod:`zoo.registration.spatial` (no math of their own)."""
from __future__ import annotations

import keras
from keras import ops

from zoo.registration import spatial

__all__ = [
    "SpatialTransformer",
    "AffineTransformer",
    "HomographyTransformer",
    "VecInt",
    "AffineParams",
    "TemplateImage",
    "FrameWindows",
    "FoldFrames",
]


class _Warp(keras.layers.Layer):
    """What the transformers share: a checked ``padding`` (saved in the config) and an
    output shaped like the image, their first input."""

    def __init__(self, padding: str = "zeros", **kwargs):
        super().__init__(**kwargs)
        if padding not in spatial.PADDING_MODES:
            raise ValueError(f"Expected padding in {spatial.PADDING_MODES}, got {padding!r}")
        self.padding = padding

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="regzoo")
class SpatialTransformer(_Warp):
    """``[image, flow] -> image warped by the displacement field`` (pull convention)."""

    def call(self, inputs):
        image, flow = inputs
        return spatial.warp_flow(image, flow, padding=self.padding)


@keras.saving.register_keras_serializable(package="regzoo")
class AffineTransformer(_Warp):
    """``[image, matrix] -> warped image``; ``matrix`` is ``(B, n+1, n+1)``."""

    def call(self, inputs):
        image, matrix = inputs
        return spatial.warp_affine(image, matrix, padding=self.padding)


@keras.saving.register_keras_serializable(package="regzoo")
class HomographyTransformer(_Warp):
    """``[image, corner_offsets (B, 4, 2)] -> [warped image, homography (B, 3, 3)]`` (2-D)."""

    def call(self, inputs):
        image, offsets = inputs
        shape = tuple(int(s) for s in image.shape[1:-1])
        matrix = spatial.homography_from_corners(offsets, shape)
        return spatial.warp_affine(image, matrix, padding=self.padding), matrix

    def compute_output_shape(self, input_shape):
        return input_shape[0], (input_shape[0][0], 3, 3)


@keras.saving.register_keras_serializable(package="regzoo")
class VecInt(keras.layers.Layer):
    """Stationary velocity field -> displacement field by scaling and squaring."""

    def __init__(self, steps: int = 7, **kwargs):
        super().__init__(**kwargs)
        if int(steps) < 0:
            raise ValueError(f"Expected a non-negative number of integration steps, got {steps!r}")
        self.steps = int(steps)

    def call(self, velocity):
        return spatial.integrate_velocity(velocity, self.steps)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "steps": self.steps}


@keras.saving.register_keras_serializable(package="regzoo")
class AffineParams(keras.layers.Layer):
    """Flat parameters -> homogeneous matrix ``I + P`` (so zero parameters are the identity).

    ``ndim`` 2 takes 6 parameters (a 2×3 block), ``ndim`` 3 takes 12 (3×4). ``center`` moves
    the origin to the image centre, so rotations and scalings act about the middle of the
    image instead of its corner — far easier for a network to learn.
    """

    def __init__(self, ndim: int = 2, center=None, **kwargs):
        super().__init__(**kwargs)
        if int(ndim) not in (2, 3):
            raise ValueError(f"Expected ndim 2 or 3, got {ndim!r}")
        self.ndim = int(ndim)
        self.center = None if center is None else [float(c) for c in center]
        if self.center is not None and len(self.center) != self.ndim:
            raise ValueError(f"Expected {self.ndim} centre coordinates, got {center!r}")

    def call(self, params):
        n = self.ndim
        block = ops.reshape(params, (-1, n, n + 1))
        eye = ops.eye(n, n + 1, dtype=block.dtype)
        top = block + eye
        bottom = ops.broadcast_to(
            ops.convert_to_tensor([[0.0] * n + [1.0]], dtype=block.dtype), (ops.shape(block)[0], 1, n + 1)
        )
        matrix = ops.concatenate([top, bottom], axis=1)
        if self.center is None:
            return matrix
        c = ops.convert_to_tensor(self.center, dtype=block.dtype)
        shift = ops.concatenate([ops.eye(n, dtype=block.dtype), ops.expand_dims(c, -1)], axis=1)
        shift = ops.concatenate([shift, ops.convert_to_tensor([[0.0] * n + [1.0]], dtype=block.dtype)], axis=0)
        unshift = ops.concatenate([ops.eye(n, dtype=block.dtype), ops.expand_dims(-c, -1)], axis=1)
        unshift = ops.concatenate([unshift, ops.convert_to_tensor([[0.0] * n + [1.0]], dtype=block.dtype)], axis=0)
        return ops.einsum("ij,bjk,kl->bil", shift, matrix, unshift)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.ndim + 1, self.ndim + 1)

    def get_config(self):
        return {**super().get_config(), "ndim": self.ndim, "center": self.center}


@keras.saving.register_keras_serializable(package="regzoo")
class TemplateImage(keras.layers.Layer):
    """Holds a template image as a weight (saved with the model) and broadcasts it to the
    batch of its input; ``trainable_template`` lets training refine it."""

    def __init__(self, shape, trainable_template: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(s) for s in shape)
        self.trainable_template = bool(trainable_template)
        self.image = self.add_weight(name="template", shape=self.image_shape, initializer="zeros",
                                     trainable=self.trainable_template)

    def call(self, x):
        batch = ops.shape(x)[0]
        return ops.broadcast_to(ops.expand_dims(ops.cast(self.image, x.dtype), 0), (batch, *self.image_shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.image_shape)

    def get_config(self):
        return {**super().get_config(), "shape": list(self.image_shape),
                "trainable_template": self.trainable_template}


@keras.saving.register_keras_serializable(package="regzoo")
class FrameWindows(keras.layers.Layer):
    """Cine ``(B, H, W, T)`` -> ``(B*T, H, W, 3)``: every frame with its previous and next
    frame (circularly, one cardiac cycle), so a frame encoder sees the direction of motion."""

    def call(self, cines):
        prev = ops.roll(cines, 1, axis=-1)
        nxt = ops.roll(cines, -1, axis=-1)
        stacked = ops.transpose(ops.stack([prev, cines, nxt], axis=-1), (0, 3, 1, 2, 4))
        h, w = int(cines.shape[1]), int(cines.shape[2])
        return ops.reshape(stacked, (-1, h, w, 3))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] * input_shape[-1]
        return (batch, input_shape[1], input_shape[2], 3)


@keras.saving.register_keras_serializable(package="regzoo")
class FoldFrames(keras.layers.Layer):
    """``(B*T, ...) -> (B, T, ...)``: undo :class:`FrameWindows`' folding of frames into the batch."""

    def __init__(self, frames: int, **kwargs):
        super().__init__(**kwargs)
        self.frames = int(frames)

    def call(self, x):
        return ops.reshape(x, (-1, self.frames, *x.shape[1:]))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.frames
        return (batch, self.frames, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "frames": self.frames}

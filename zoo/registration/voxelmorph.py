"""VoxelMorph-style deformable registration: U-Net -> stationary velocity field -> scaling
and squaring -> warp. Unsupervised: image similarity (MSE or windowed NCC) between the
warped moving image and the fixed image, plus a smoothness penalty on the velocity.

Works in 2-D (channels-last images, e.g. a DXA view or a cine with frames as channels: one
deformation moves every frame) and 3-D. The network needs spatial sizes divisible by
``2 ** len(enc_filters)``; :class:`VoxelMorph` pads images (bottom/right, with the z-scored
mean) to the next such size and crops the flow back, so any image size works.
"""
from __future__ import annotations

import numpy as np

from zoo.registration.affine_net import zscore

__all__ = ["VoxelMorph", "build_voxelmorph"]


def build_voxelmorph(shape, enc_filters=(16, 32, 32, 32), dec_filters=(32, 32, 32, 32), final_filters=(16,),
                     int_steps: int = 7):
    """Keras model ``[moving, fixed] -> [moved, flow]`` (flow: displacement, ``(*spatial, n)``)."""
    import keras

    from zoo.registration.layers import SpatialTransformer, VecInt  # Keras layers

    shape = tuple(int(s) for s in shape)
    ndim = len(shape) - 1
    if ndim not in (2, 3):
        raise ValueError(f"Expected an image shape (H, W, C) or (H, W, D, C), got {shape}")
    levels = len(enc_filters)
    if any(s % (2**levels) for s in shape[:-1]):
        raise ValueError(
            f"Expected spatial sizes divisible by 2**{levels} = {2**levels} for a {levels}-level U-Net, got {shape[:-1]}"
        )
    if len(dec_filters) != levels:
        raise ValueError(f"Expected one decoder stage per encoder stage ({levels}), got {len(dec_filters)}")
    conv = keras.layers.Conv2D if ndim == 2 else keras.layers.Conv3D
    up = keras.layers.UpSampling2D if ndim == 2 else keras.layers.UpSampling3D
    moving = keras.Input(shape, name="moving")
    fixed = keras.Input(shape, name="fixed")
    x = keras.layers.Concatenate(axis=-1)([moving, fixed])
    skips = [x]
    for i, f in enumerate(enc_filters):
        x = conv(f, 3, strides=2, padding="same", name=f"enc_{i}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
        skips.append(x)
    for i, f in enumerate(dec_filters):
        x = conv(f, 3, padding="same", name=f"dec_{i}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
        x = up(2)(x)
        x = keras.layers.Concatenate(axis=-1)([x, skips[levels - 1 - i]])
    for i, f in enumerate(final_filters):
        x = conv(f, 3, padding="same", name=f"final_{i}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
    # Tiny initial velocities: an untrained model is (almost) the identity.
    velocity = conv(ndim, 3, padding="same", name="velocity",
                    kernel_initializer=keras.initializers.RandomNormal(stddev=1e-5), bias_initializer="zeros")(x)
    flow = VecInt(int_steps, name="flow")(velocity) if int_steps > 0 else velocity
    moved = SpatialTransformer(name="moved")([moving, flow])
    return keras.Model([moving, fixed], [moved, flow], name="voxelmorph")


class VoxelMorph:
    """Train (unsupervised, to a template) and apply a VoxelMorph model."""

    def __init__(self, shape, *, loss: str = "mse", smooth: float = 0.01, int_steps: int = 7,
                 enc_filters=(16, 32, 32, 32), dec_filters=(32, 32, 32, 32), final_filters=(16,),
                 learning_rate: float = 1e-3, seed: int = 0):
        import keras

        if loss not in ("mse", "ncc"):
            raise ValueError(f"Expected loss 'mse' or 'ncc', got {loss!r}")
        keras.utils.set_random_seed(seed)
        self.shape = tuple(int(s) for s in shape)
        self.loss, self.smooth, self.learning_rate = loss, float(smooth), float(learning_rate)
        step = 2 ** len(enc_filters)
        self.padded = tuple(-(-s // step) * step for s in self.shape[:-1]) + self.shape[-1:]
        self.model = build_voxelmorph(self.padded, enc_filters, dec_filters, final_filters, int_steps=int_steps)

    def _pad(self, x: np.ndarray) -> np.ndarray:
        widths = [(0, 0)] + [(0, p - s) for p, s in zip(self.padded, self.shape)]
        return np.pad(x, widths) if any(w[1] for w in widths) else x

    def _crop(self, flow: np.ndarray) -> np.ndarray:
        return flow[(slice(None), *[slice(0, s) for s in self.shape[:-1]])]

    def _compile(self) -> None:
        import keras

        from zoo.registration.losses import MSE, NCC, Grad  # Keras losses

        sim = MSE() if self.loss == "mse" else NCC(window=9)
        self.model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss=[sim, Grad("l2")],
                           loss_weights=[1.0, self.smooth], jit_compile=False)

    def _pairs(self, images, template):
        images = np.asarray(images, np.float32)
        if images.shape[1:] != self.shape:
            raise ValueError(f"Expected images of shape (N, {', '.join(map(str, self.shape))}), got {images.shape}")
        moving = self._pad(zscore(images))
        template = np.asarray(template, np.float32)
        if template.ndim == len(self.shape) - 1:
            template = template[..., None]
        try:
            template = np.broadcast_to(template, self.shape)[None]
        except ValueError as exc:
            raise ValueError(f"Expected a template of shape {self.shape} (or its spatial shape), got {template.shape}") from exc
        fixed = self._pad(zscore(template))
        return moving, np.broadcast_to(fixed, moving.shape)

    def fit(self, images, template, epochs: int = 10, batch_size: int = 8, steps: int | None = None,
            verbose: int = 0) -> list[float]:
        """Train every image towards ``template`` (per-image z-scored); returns the loss per epoch."""
        moving, fixed = self._pairs(images, template)
        self._compile()
        zeros = np.zeros((*moving.shape[:-1], len(self.padded) - 1), np.float32)
        hist = self.model.fit([moving, np.ascontiguousarray(fixed)], [np.ascontiguousarray(fixed), zeros],
                              epochs=epochs, batch_size=batch_size, steps_per_epoch=steps, shuffle=True,
                              verbose=verbose)
        return [float(v) for v in hist.history["loss"]]

    def flows(self, images, template, batch_size: int = 16) -> np.ndarray:
        moving, fixed = self._pairs(images, template)
        _, flow = self.model.predict([moving, np.ascontiguousarray(fixed)], batch_size=batch_size, verbose=0)
        return np.ascontiguousarray(self._crop(np.asarray(flow, np.float32)))

    def register(self, images, template, batch_size: int = 16):
        """``(moved raw images, flows)``: the flow comes from the z-scored pair and warps the raw
        values, so the registered tensor keeps its units."""
        from keras import ops

        from zoo.registration.spatial import warp_flow  # keras.ops at import

        images = np.asarray(images, np.float32)
        flow = self.flows(images, template, batch_size)
        moved = np.concatenate([
            np.asarray(ops.convert_to_numpy(warp_flow(images[i : i + batch_size], flow[i : i + batch_size])))
            for i in range(0, len(images), batch_size)
        ])
        return moved, flow

    def save_weights(self, path) -> None:
        self.model.save_weights(str(path))

    def load_weights(self, path) -> None:
        self.model.load_weights(str(path))

"""A learned affine / homography aligner: a small CNN looks at an image next to the
template and predicts the transform that warps the image onto it. Trained without labels —
the only signal is the similarity of the warped image to the template.

The network's last layer starts at zero, so an untrained model is the identity; affine
parameters act about the image centre and homographies are predicted as 4 corner offsets
(the parameterisation that trains best: every parameter is in pixels).
"""
from __future__ import annotations

import numpy as np

from zoo.registration.alignment import warp_image

__all__ = ["AffineNet", "build_affine_net", "zscore"]


def zscore(images: np.ndarray) -> np.ndarray:
    """Per-image z-score over all but the batch axis (gain and offset invariance)."""
    images = np.asarray(images, dtype=np.float32)
    axes = tuple(range(1, images.ndim))
    mu = images.mean(axis=axes, keepdims=True)
    sd = images.std(axis=axes, keepdims=True)
    return (images - mu) / np.where(sd > 0, sd, 1.0)


def build_affine_net(shape, transform: str = "affine", filters=(16, 32, 32, 64), dense: int = 64,
                     trainable_template: bool = False):
    """Keras model ``moving (H, W, C) -> [warped, matrix (3, 3)]`` aligning to its template."""
    import keras

    # Keras layers: imported with Keras, not before
    from zoo.registration.layers import AffineParams, AffineTransformer, HomographyTransformer, TemplateImage

    if transform not in ("affine", "homography"):
        raise ValueError(f"Expected transform 'affine' or 'homography', got {transform!r}")
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3:
        raise ValueError(f"Expected an image shape (H, W, C), got {shape}")
    moving = keras.Input(shape, name="moving")
    template = TemplateImage(shape, trainable_template, name="template")(moving)
    x = keras.layers.Concatenate(axis=-1)([moving, template])
    for i, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 3, strides=2, padding="same", name=f"conv_{i}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(dense, activation="relu", name="dense")(x)
    n_params = 6 if transform == "affine" else 8
    params = keras.layers.Dense(n_params, kernel_initializer="zeros", bias_initializer="zeros", name="params")(x)
    if transform == "affine":
        # Translations are learned in units of a tenth of the image so all 6 outputs share a scale.
        scale = np.array([1, 1, shape[0] / 10, 1, 1, shape[1] / 10], np.float32)
        params = keras.layers.Rescaling(scale, name="param_scale")(params)
        matrix = AffineParams(2, center=((shape[0] - 1) / 2, (shape[1] - 1) / 2), name="matrix")(params)
        warped = AffineTransformer(name="warped")([moving, matrix])
    else:
        offsets = keras.layers.Rescaling(min(shape[:2]) / 10, name="param_scale")(params)
        offsets = keras.layers.Reshape((4, 2), name="corner_offsets")(offsets)
        warped, matrix = HomographyTransformer(name="warped")([moving, offsets])
    return keras.Model(moving, [warped, matrix], name=f"affine_net_{transform}")


class AffineNet:
    """Train and apply a learned aligner to a (given or data-built) template."""

    def __init__(self, shape, transform: str = "affine", template=None, learning_rate: float = 3e-3,
                 trainable_template: bool = False, seed: int = 0):
        import keras

        keras.utils.set_random_seed(seed)
        self.shape = tuple(int(s) for s in shape)
        self.transform = transform
        self.model = build_affine_net(self.shape, transform, trainable_template=trainable_template)
        self.learning_rate = learning_rate
        if template is not None:
            self.set_template(template)

    def set_template(self, template) -> None:
        t = np.asarray(template, dtype=np.float32)
        if t.ndim == 2:
            t = t[..., None]
        if t.shape[:2] != self.shape[:2]:
            raise ValueError(f"Expected a template of shape {self.shape[:2]}, got {t.shape}")
        t = np.broadcast_to(t, self.shape)
        self.model.get_layer("template").image.assign(zscore(t[None])[0])

    @property
    def template(self) -> np.ndarray:
        return np.asarray(self.model.get_layer("template").image.numpy())

    def fit(self, images, epochs: int = 10, batch_size: int = 16, steps: int | None = None,
            verbose: int = 0) -> list[float]:
        """Unsupervised training: warped image vs template (MSE on z-scored images)."""
        import keras

        from zoo.registration.losses import MSE  # a Keras loss

        x = zscore(images)
        target = np.broadcast_to(self.template[None], x.shape).copy()
        self.model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss=[MSE(), None])
        hist = self.model.fit(x, [target, np.zeros((len(x), 3, 3), np.float32)], epochs=epochs,
                              batch_size=batch_size, steps_per_epoch=steps, shuffle=True, verbose=verbose)
        return [float(v) for v in hist.history["loss"]]

    def predict_matrices(self, images, batch_size: int = 32) -> np.ndarray:
        _, matrices = self.model.predict(zscore(images), batch_size=batch_size, verbose=0)
        return np.asarray(matrices, dtype=np.float64)

    def register(self, images, batch_size: int = 32):
        """``(warped raw images, matrices)``: the transform is predicted from the z-scored image
        and applied to the raw values, so units are kept."""
        images = np.asarray(images, dtype=np.float32)
        matrices = self.predict_matrices(images, batch_size)
        warped = np.stack([warp_image(img, m) for img, m in zip(images, matrices)])
        return warped.reshape(images.shape), matrices

    def save_weights(self, path) -> None:
        self.model.save_weights(str(path))

    def load_weights(self, path) -> None:
        self.model.load_weights(str(path))

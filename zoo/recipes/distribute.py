"""Data-parallel training when more than one accelerator (or virtual CPU device) is visible.

With the TensorFlow backend Keras trains under a ``tf.distribute.MirroredStrategy``
(Keras' own ``keras.distribution`` API is a prototype there); with JAX it uses
``keras.distribution.DataParallel``. One visible device means no distribution at all.
"""
from __future__ import annotations

import contextlib

__all__ = ["visible_devices", "training_scope"]


def visible_devices() -> list[str]:
    """GPUs if there are any, else the logical CPU devices (normally one)."""
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        return [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
    return list(keras.distribution.list_devices())


@contextlib.contextmanager
def training_scope(devices: list[str] | None = None):
    """Build and compile models inside this scope; yields the list of devices used."""
    import keras

    devices = visible_devices() if devices is None else list(devices)
    if len(devices) <= 1:
        yield devices
        return
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with tf.distribute.MirroredStrategy(devices).scope():
            yield devices
        return
    previous = keras.distribution.distribution()
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    try:
        yield devices
    finally:
        keras.distribution.set_distribution(previous)

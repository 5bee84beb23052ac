"""``conv_decode``: ml4h's convolutional decoder as a named Keras model.

latent → dense → reshape to the pooled spatial size with ``dense_blocks[-1]`` channels →
per dense block (deepest first): upsample, DenseNet-style conv block → 1×1 conv to the
tensor's channels. The output layer is named ``output_{name}_continuous`` and the model
``decode_{name}`` (``name``: ml4h's ``tm.name``, :mod:`fastio.ml4h_names`).
"""
from __future__ import annotations

import math

from fastio import ml4h_names
from zoo.models.arch import Arch, arch_from, resolve_tensor
from zoo.models.blocks import (
    check_divisible,
    conv_dimension,
    conv_layer,
    dense_conv_block,
    kernel_for,
    pool_for,
    upsample_layer,
)

__all__ = ["conv_decode"]


def conv_decode(
    spec_or_shape,
    *,
    latent_dim: int | None = None,
    arch: Arch | dict | None = None,
    conv_layers=None,
    conv_width=None,
    conv_x=None,
    conv_y=None,
    conv_z=None,
    dense_blocks=None,
    dense_layers=None,
    block_size=None,
    pool_type=None,
    pool_x=None,
    pool_y=None,
    pool_z=None,
    activation=None,
    dense_normalize=None,
    dropout=None,
    bottleneck_type=None,
    name: str | None = None,
):
    """Build ``decode_{name}``: a ``keras.Model`` from a latent vector to the tensor.

    ``latent_dim`` defaults to ``dense_layers[-1]``; pass the merged width when the
    decoder sits behind a concat or kronecker merge.
    """
    import keras

    shape, name, _, output_name = resolve_tensor(spec_or_shape, name)
    arch = arch_from(arch, dict(
        conv_layers=conv_layers, conv_width=conv_width, conv_x=conv_x, conv_y=conv_y,
        conv_z=conv_z, dense_blocks=dense_blocks, dense_layers=dense_layers,
        block_size=block_size, pool_type=pool_type, pool_x=pool_x, pool_y=pool_y,
        pool_z=pool_z, activation=activation, dense_normalize=dense_normalize, dropout=dropout,
        bottleneck_type=bottleneck_type,
    ))
    latent_dim = int(latent_dim or arch.latent_dim)
    if latent_dim < 1:
        raise ValueError(f"Expected a positive latent_dim, got {latent_dim}")
    dim = conv_dimension(shape)
    pool = pool_for(dim, arch.pool_x, arch.pool_y, arch.pool_z)
    blocks = arch.dense_blocks or (arch.conv_layers[-1],)
    pooled = check_divisible(shape, pool, len(arch.dense_blocks), name)
    channels = blocks[-1]

    latent = keras.Input(shape=(latent_dim,), name=f"latent_{name}")
    x = keras.layers.Dense(
        math.prod(pooled) * channels, activation=arch.activation, name=f"{name}_dec_dense"
    )(latent)
    x = keras.layers.Reshape((*pooled, channels), name=f"{name}_dec_reshape")(x)
    n = len(arch.dense_blocks)
    for j, filters in enumerate(reversed(arch.dense_blocks)):
        i = n - 1 - j
        x = upsample_layer(dim, pool, name=f"{name}_dec_up{i}")(x)
        kernel = kernel_for(dim, i + 1, arch.conv_width, arch.conv_x, arch.conv_y, arch.conv_z)
        x = dense_conv_block(x, dim, filters, arch.block_size, kernel, arch.activation, f"{name}_dec_block{i}")
    out = conv_layer(dim, shape[-1], 1, name=output_name)(x)
    return keras.Model(latent, out, name=ml4h_names.decoder_model(name))

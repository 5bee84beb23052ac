"""``conv_encode``: ml4h's convolutional encoder as a named Keras model.

input → residual conv stage (``conv_layers``) → per ``dense_blocks`` entry: pool, then a
DenseNet-style block of ``block_size`` convs → flatten (or, with ``bottleneck_type``
``global_average_pool``, the average over positions) → dense stack (``dense_layers``);
the last dense layer is the latent ``embed_{name}``. ``name`` is ml4h's ``tm.name``
(``dxa_1_2`` for ``dxa_2``, :mod:`fastio.ml4h_names`): the model is ``encode_{name}`` and
its input ``input_{name}_continuous``, as ml4h names them, so a saved encoder can be
matched to its tensor by name alone.
"""
from __future__ import annotations

from fastio import ml4h_names
from zoo.models.arch import Arch, arch_from, resolve_tensor
from zoo.models.blocks import (
    check_divisible,
    conv_dimension,
    dense_conv_block,
    dense_stack,
    global_average_layer,
    kernel_for,
    pool_for,
    pool_layer,
    residual_stage,
)

__all__ = ["conv_encode"]


def conv_encode(
    spec_or_shape,
    *,
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
    """Build ``encode_{name}``: a ``keras.Model`` from the tensor to its latent vector.

    ``spec_or_shape`` is a :class:`fastio.TensorSpec` (its name and shape are used) or a
    shape including channels (then ``name`` is required). Keyword hyperparameters
    override ``arch`` (an :class:`Arch` or its dict); ``None`` keeps the default.
    """
    import keras

    shape, name, input_name, _ = resolve_tensor(spec_or_shape, name)
    arch = arch_from(arch, dict(
        conv_layers=conv_layers, conv_width=conv_width, conv_x=conv_x, conv_y=conv_y,
        conv_z=conv_z, dense_blocks=dense_blocks, dense_layers=dense_layers,
        block_size=block_size, pool_type=pool_type, pool_x=pool_x, pool_y=pool_y,
        pool_z=pool_z, activation=activation, dense_normalize=dense_normalize, dropout=dropout,
        bottleneck_type=bottleneck_type,
    ))
    dim = conv_dimension(shape)
    pool = pool_for(dim, arch.pool_x, arch.pool_y, arch.pool_z)
    check_divisible(shape, pool, len(arch.dense_blocks), name)

    inputs = keras.Input(shape=shape, name=input_name)

    def kernel(i):
        return kernel_for(dim, i, arch.conv_width, arch.conv_x, arch.conv_y, arch.conv_z)

    x = residual_stage(inputs, dim, arch.conv_layers, kernel(0), arch.activation, f"{name}_enc_res")
    for i, filters in enumerate(arch.dense_blocks):
        x = pool_layer(dim, arch.pool_type, pool, name=f"{name}_enc_pool{i}")(x)
        x = dense_conv_block(
            x, dim, filters, arch.block_size, kernel(i + 1), arch.activation, f"{name}_enc_block{i}"
        )
    if arch.bottleneck_type == "global_average_pool":
        x = global_average_layer(dim, name=f"{name}_enc_global_average")(x)
    else:
        x = keras.layers.Flatten(name=f"{name}_enc_flatten")(x)
    latent = dense_stack(
        x, arch.dense_layers, activation=arch.activation, dropout=arch.dropout,
        normalize=arch.dense_normalize, name=name,
    )
    return keras.Model(inputs, latent, name=ml4h_names.encoder_model(name))

"""Building blocks shared by the encoder and decoder builders.

The convolution dimension follows ml4h: it comes from the tensor's rank *including*
channels. ``(600, 12)`` is a 1-D signal with 12 channels, ``(768, 768, 1)`` and
``(96, 96, 50)`` are 2-D images (the 50 cine frames become channels), and a rank-4
tensor is a 3-D volume. Every function here works on symbolic Keras tensors (the
functional API) and only imports Keras when called.
"""
from __future__ import annotations

from typing import Sequence

from zoo.models.vocabulary import NORMALIZATIONS, POOL_TYPES

__all__ = [
    "global_average_layer",
    "conv_dimension",
    "as_int_list",
    "kernel_for",
    "pool_for",
    "check_divisible",
    "residual_stage",
    "dense_conv_block",
    "dense_stack",
]


def conv_dimension(shape: Sequence[int]) -> int:
    """1, 2 or 3: the spatial dimensions of a tensor whose last axis is channels."""
    rank = len(shape)
    if rank not in (2, 3, 4):
        raise ValueError(
            f"Expected a tensor shape of rank 2 (1-D + channels), 3 (2-D + channels) or "
            f"4 (3-D + channels), got {tuple(shape)}"
        )
    return rank - 1


def as_int_list(value, name: str) -> list[int]:
    """ml4h flags are lists (``--conv_x 3``) but Python callers pass ints."""
    if isinstance(value, int):
        value = [value]
    try:
        out = [int(v) for v in value]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Expected {name} as an int or a list of ints, got {value!r}") from exc
    if not out or any(v <= 0 for v in out):
        raise ValueError(f"Expected {name} as positive ints, got {value!r}")
    return out


def kernel_for(dim: int, index: int, conv_width, conv_x, conv_y, conv_z) -> tuple[int, ...]:
    """Kernel of the ``index``-th conv stage; list-valued flags cycle over stages."""

    def pick(values, name):
        values = as_int_list(values, name)
        return values[index % len(values)]

    if dim == 1:
        return (pick(conv_width, "conv_width"),)
    if dim == 2:
        return (pick(conv_x, "conv_x"), pick(conv_y, "conv_y"))
    return (pick(conv_x, "conv_x"), pick(conv_y, "conv_y"), pick(conv_z, "conv_z"))


def pool_for(dim: int, pool_x: int, pool_y: int, pool_z: int) -> tuple[int, ...]:
    sizes = (int(pool_x), int(pool_y), int(pool_z))[:dim]
    if any(s <= 0 for s in sizes):
        raise ValueError(f"Expected positive pool sizes, got {sizes}")
    return sizes


def check_divisible(shape: Sequence[int], pool: Sequence[int], n_pools: int, name: str) -> tuple[int, ...]:
    """The spatial size after ``n_pools`` poolings; refuses sizes that do not divide,
    because the decoder must upsample back to exactly the input shape."""
    spatial = tuple(shape[: len(pool)])
    out = []
    for axis, (size, p) in enumerate(zip(spatial, pool)):
        factor = p**n_pools
        if size % factor:
            raise ValueError(
                f"Tensor {name}: expected spatial axis {axis} (size {size}) to divide by "
                f"pool^len(dense_blocks) = {p}^{n_pools} = {factor}; change --pool_* or "
                "--dense_blocks, or use a shape that divides"
            )
        out.append(size // factor)
    return tuple(out)


def _keras():
    import keras

    return keras


def conv_layer(dim: int, filters: int, kernel, *, activation=None, name=None):
    keras = _keras()
    cls = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D, 3: keras.layers.Conv3D}[dim]
    return cls(filters, kernel, padding="same", activation=activation, name=name)


def pool_layer(dim: int, pool_type: str, pool, name=None):
    keras = _keras()
    if pool_type not in POOL_TYPES:
        raise ValueError(f"Expected pool_type in {POOL_TYPES}, got {pool_type!r}")
    layers = keras.layers
    table = {
        ("max", 1): layers.MaxPooling1D, ("max", 2): layers.MaxPooling2D,
        ("max", 3): layers.MaxPooling3D, ("average", 1): layers.AveragePooling1D,
        ("average", 2): layers.AveragePooling2D, ("average", 3): layers.AveragePooling3D,
    }
    return table[(pool_type, dim)](pool_size=tuple(pool), padding="valid", name=name)


def global_average_layer(dim: int, name=None):
    """The mean over every position of a ``dim``-D feature map (ml4h's global-average
    bottleneck), one value per channel."""
    layers = _keras().layers
    table = {1: layers.GlobalAveragePooling1D, 2: layers.GlobalAveragePooling2D, 3: layers.GlobalAveragePooling3D}
    return table[dim](name=name)


def upsample_layer(dim: int, pool, name=None):
    keras = _keras()
    if dim == 1:
        return keras.layers.UpSampling1D(size=pool[0], name=name)
    if dim == 2:
        return keras.layers.UpSampling2D(size=tuple(pool), name=name)
    return keras.layers.UpSampling3D(size=tuple(pool), name=name)


def residual_stage(x, dim: int, conv_layers: Sequence[int], kernel, activation: str, name: str):
    """One conv per entry of ``conv_layers``; each conv after the first is added back to
    its input through a 1×1 projection, so the filter count may change between convs."""
    keras = _keras()
    for i, filters in enumerate(conv_layers):
        y = conv_layer(dim, filters, kernel, activation=activation, name=f"{name}_conv{i}")(x)
        if i == 0:
            x = y
            continue
        shortcut = conv_layer(dim, filters, 1, name=f"{name}_proj{i}")(x)
        x = keras.layers.Add(name=f"{name}_add{i}")([y, shortcut])
    return x


def dense_conv_block(x, dim: int, filters: int, block_size: int, kernel, activation: str, name: str):
    """DenseNet-style: every conv sees the block input and all earlier convs of the block
    (concatenated); the block's output is the concatenation of its ``block_size`` convs,
    so its width is ``block_size × filters`` whatever came in."""
    keras = _keras()
    if block_size < 1:
        raise ValueError(f"Expected block_size >= 1, got {block_size}")
    features = []
    inputs = x
    for i in range(block_size):
        y = conv_layer(dim, filters, kernel, activation=activation, name=f"{name}_conv{i}")(inputs)
        features.append(y)
        inputs = keras.layers.Concatenate(axis=-1, name=f"{name}_cat{i}")([x, *features])
    if len(features) == 1:
        return features[0]
    return keras.layers.Concatenate(axis=-1, name=f"{name}_out")(features)


def normalization_layer(kind, name):
    keras = _keras()
    if kind in (None, "", "none"):
        return None
    if kind == "batch_norm":
        return keras.layers.BatchNormalization(name=name)
    if kind == "layer_norm":
        return keras.layers.LayerNormalization(name=name)
    raise ValueError(f"Expected dense_normalize in {NORMALIZATIONS}, got {kind!r}")


def dense_stack(x, units: Sequence[int], *, activation: str, dropout: float, normalize, name: str):
    """Hidden dense layers (dense → activation → dropout → optional normalisation),
    then the last entry of ``units`` as a plain linear dense layer: the latent
    ``embed_{name}`` (linear so cosine/contrastive losses see the whole space)."""
    keras = _keras()
    units = as_int_list(units, "dense_layers")
    for i, n in enumerate(units[:-1]):
        x = keras.layers.Dense(n, activation=activation, name=f"{name}_dense{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"{name}_dropout{i}")(x)
        norm = normalization_layer(normalize, f"{name}_norm{i}")
        if norm is not None:
            x = norm(x)
    return keras.layers.Dense(units[-1], name=f"embed_{name}")(x)

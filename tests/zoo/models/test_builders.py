"""conv_encode / conv_decode: dimension from rank, names, shapes, validation; cross-decoding
and fine-tuning blocks."""
from __future__ import annotations

import numpy as np
import pytest

SMALL = dict(conv_layers=[4, 6], dense_blocks=[4, 4], dense_layers=[12, 6], block_size=2)


@pytest.mark.parametrize("shape,conv", [((32, 3), "Conv1D"), ((16, 16, 1), "Conv2D"),
                                         ((16, 16, 6), "Conv2D"), ((8, 8, 4, 1), "Conv3D")])
def test_encoder_decoder_shapes_and_dimension(shape, conv):
    from zoo.models import conv_decode, conv_encode

    encoder = conv_encode(shape, name="t", conv_width=[5], **SMALL)
    decoder = conv_decode(shape, name="t", conv_width=[5], **SMALL)
    assert encoder.name == "encode_t" and decoder.name == "decode_t"
    assert encoder.inputs[0].name.startswith("input_t_continuous")
    assert tuple(encoder.outputs[0].shape) == (None, 6)
    assert tuple(decoder.outputs[0].shape) == (None, *shape)
    kinds = {type(layer).__name__ for layer in encoder.layers}
    assert conv in kinds and not ({"Conv1D", "Conv2D", "Conv3D"} - {conv}) & kinds
    assert encoder.get_layer("embed_t").units == 6
    x = np.random.default_rng(0).standard_normal((2, *shape)).astype("float32")
    assert np.asarray(decoder(encoder(x))).shape == (2, *shape)


def test_spec_names_and_hyperparameters():
    from fastio.catalogue import get_spec
    from zoo.models import conv_encode

    spec = get_spec("dxa.dxa_2").replace(shape=(16, 16, 1))
    encoder = conv_encode(spec, conv_layers=[4], dense_blocks=[4], dense_layers=[8], block_size=3,
                          conv_x=[5], conv_y=[3], pool_type="average", activation="mish",
                          dense_normalize="layer_norm")
    assert encoder.name == "encode_dxa_1_2"  # ml4h: encode_{tm.name}
    assert encoder.inputs[0].name.startswith(spec.input_name)
    conv = encoder.get_layer("dxa_1_2_enc_block0_conv2")
    assert conv.kernel_size == (5, 3)  # single-valued flags apply to every stage
    assert encoder.get_layer("dxa_1_2_enc_res_conv0").kernel_size == (5, 3)
    assert type(encoder.get_layer("dxa_1_2_enc_pool0")).__name__ == "AveragePooling2D"
    # block output: block_size × filters channels
    assert encoder.get_layer("dxa_1_2_enc_block0_out").output.shape[-1] == 12


@pytest.mark.parametrize("shape,kwargs,match", [
    ((30, 30, 1), dict(dense_blocks=[4, 4, 4]), "divide"),
    ((16,), {}, "rank"),
    ((16, 16, 1), dict(activation="sigmoidish"), "activation"),
    ((16, 16, 1), dict(pool_type="min"), "pool_type"),
])
def test_builder_errors(shape, kwargs, match):
    from zoo.models import conv_encode

    with pytest.raises(ValueError, match=match):
        conv_encode(shape, name="bad", **kwargs)


def test_arch_round_trip():
    from zoo.models import Arch

    arch = Arch(conv_layers=8, dense_blocks=[], dense_normalize="batch_norm", dropout=0.1)
    assert Arch.from_dict(arch.to_dict()) == arch
    assert arch.dense_blocks == () and arch.conv_layers == (8,)
    with pytest.raises(ValueError, match="Unknown"):
        Arch.from_dict({"filters": 3})


def test_cross_decoder_and_fine_tuning_blocks(spec):
    from zoo.models import Arch, build_model, conv_decode, conv_encode, cross_decoder, encoders_of

    arch = Arch(conv_layers=4, dense_blocks=(4,), dense_layers=8, block_size=1)
    a, b = spec("a", (16, 16, 1)), spec("b", (8, 8, 2))
    encoder_a = conv_encode(a, arch=arch)
    x = np.random.default_rng(0).standard_normal((3, 16, 16, 1)).astype("float32")
    reference = np.asarray(encoder_a(x))
    model = build_model([a, b], [a, b], arch=arch, pair_merge="average", encoders={"a": encoder_a})
    assert encoders_of(model)["a"] is encoder_a  # the given block is used, weights and all
    np.testing.assert_array_equal(np.asarray(encoders_of(model)["a"](x)), reference)
    cross = cross_decoder(encoder_a, conv_decode(b, arch=arch))
    assert cross.name == "cross_a_to_b" and np.asarray(cross(x)).shape == (3, 8, 8, 2)
    with pytest.raises(ValueError, match="latent widths"):
        cross_decoder(encoder_a, conv_decode(b, arch=arch, latent_dim=16))
    with pytest.raises(ValueError, match="expected input shape"):
        build_model([b], [b], arch=arch, encoders={"b": encoder_a})
    with pytest.raises(ValueError, match="among the input tensors"):
        from zoo.models import parse_pairs

        build_model([a, b], [a], arch=arch, pairs=parse_pairs([("a", "c")]))


def test_global_average_bottleneck_is_the_mean_of_the_last_features_over_positions(spec):
    """ml4h's global_average_pool bottleneck: the latent is the dense stack applied to the
    per-channel mean of the last conv features (numpy reference), so moving a pattern along
    the strip by whole pooled cells away from the borders leaves it unchanged."""
    import keras

    from zoo.models import Arch, build_model, conv_encode, encoders_of

    arch = Arch(conv_layers=4, conv_width=5, dense_blocks=(4,), dense_layers=6, block_size=1,
                bottleneck_type="global_average_pool")
    strip = spec("strip", (64, 2))
    encoder = conv_encode(strip, arch=arch)
    names = [layer.name for layer in encoder.layers]
    assert any("global_average" in n for n in names) and not any("flatten" in n for n in names)
    x = np.zeros((1, 64, 2), "float32")
    x[0, 20:24, 0] = 3.0
    gap = next(layer for layer in encoder.layers if "global_average" in layer.name)
    pooled = np.asarray(keras.Model(encoder.input, gap.input)(x)).mean(axis=1)
    latent = pooled
    for layer in encoder.layers[encoder.layers.index(gap) + 1:]:  # the dense stack, a chain
        latent = layer(latent)
    np.testing.assert_allclose(np.asarray(encoder(x)), np.asarray(latent), rtol=1e-5, atol=1e-6)
    moved = np.roll(x, 16, axis=1)  # 8 pooled cells of 2, the pattern far from both ends
    np.testing.assert_allclose(np.asarray(encoder(moved)), np.asarray(encoder(x)), rtol=1e-4, atol=1e-5)
    flat = conv_encode(strip, arch=arch.replace(bottleneck_type="flatten_restructure"))
    assert not np.allclose(np.asarray(flat(moved)), np.asarray(flat(x)))
    # one bottleneck per input tensor: the pair model's encoders differ
    image = spec("image", (8, 8, 1))
    model = build_model([strip, image], [strip, image], pair_merge="average",
                        arch={"strip": arch, "image": arch.replace(bottleneck_type="flatten_restructure")})
    blocks = encoders_of(model)
    assert any("global_average" in layer.name for layer in blocks["strip"].layers)
    assert any("flatten" in layer.name for layer in blocks["image"].layers)
    with pytest.raises(ValueError, match="bottleneck_type"):
        Arch(bottleneck_type="variational")

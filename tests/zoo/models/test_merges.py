"""Merges: DropFuse draws one whole latent per sample in training only; the others are
plain functions of the latents."""
from __future__ import annotations

import numpy as np
import pytest


def _latents(n=64, d=5, m=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, d)).astype("float32") for _ in range(m)]


def test_dropfuse_training_picks_one_whole_latent_per_sample():
    from zoo.models import DropFuse

    latents = _latents()
    layer = DropFuse(seed=7)
    out = np.asarray(layer(latents, training=True))
    picked = np.array([[np.array_equal(out[i], z[i]) for z in latents] for i in range(len(out))])
    assert (picked.sum(axis=1) == 1).all()  # exactly one modality per sample
    counts = picked.sum(axis=0)
    assert (counts > 5).all()  # every modality gets drawn (64 samples, 3 modalities)


def test_dropfuse_inference_is_deterministic():
    from zoo.models import DropFuse

    latents = _latents(seed=1)
    layer = DropFuse(seed=7)
    first, second = np.asarray(layer(latents)), np.asarray(layer(latents, training=False))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, np.mean(latents, axis=0), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(DropFuse(inference=1)(latents)), latents[1])


def test_pair_model_inference_is_deterministic(spec, batch):
    import keras

    from zoo.models import Arch, build_model, encoders_of, parse_pairs

    a, b = spec("a", (16, 16, 1)), spec("b", (16, 16, 1))
    model = build_model([a, b], [a, b], arch=Arch(conv_layers=4, dense_blocks=(4,), dense_layers=8, block_size=1),
                        pairs=parse_pairs([("a", "b")], "contrastive", 0.1), pair_merge="dropout", seed=0)
    x, _ = batch([a, b], [a, b], n=6)
    one, two = model(x, training=False), model(x, training=False)
    for key in one:
        np.testing.assert_array_equal(np.asarray(one[key]), np.asarray(two[key]))
    # embeddings come from each encoder alone
    encoder = encoders_of(model)["a"]
    np.testing.assert_array_equal(np.asarray(encoder(x[a.input_name])), np.asarray(encoder(x[a.input_name])))
    assert isinstance(model.get_layer("merge_dropout"), keras.layers.Layer)


def test_average_concat_kronecker_values():
    from zoo.models import merge_layer
    from zoo.models.merges import merged_width

    z = _latents(n=4, d=3, m=2, seed=2)
    np.testing.assert_allclose(np.asarray(merge_layer("average")(z)), (z[0] + z[1]) / 2, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(merge_layer("concat")(z)), np.concatenate(z, axis=1))
    kron = np.einsum("ni,nj->nij", z[0], z[1]).reshape(4, 9)
    np.testing.assert_allclose(np.asarray(merge_layer("kronecker")(z)), kron, rtol=1e-6)
    assert merged_width("kronecker", [3, 3, 2]) == 18
    assert merged_width("concat", [3, 4]) == 7


def test_merge_errors():
    from zoo.models import merge_layer
    from zoo.models.merges import merged_width

    with pytest.raises(ValueError, match="one width"):
        merged_width("dropout", [3, 4])
    with pytest.raises(ValueError, match="pair_merge"):
        merge_layer("sum")

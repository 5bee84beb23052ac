"""Pair losses against numpy references and known answers, at any batch size."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import log_softmax

from zoo.models.losses import INIT_LOG_SCALE, MAX_LOG_SCALE, contrastive_loss, cosine_loss, euclid_loss


def infonce_reference(a, b, log_scale):
    """Symmetric InfoNCE as two cross-entropies over softmax rows/columns."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    logits = a @ b.T * math.exp(min(max(log_scale, 0.0), MAX_LOG_SCALE))
    n = len(a)
    a_to_b = -log_softmax(logits, axis=1)[np.arange(n), np.arange(n)].mean()
    b_to_a = -log_softmax(logits, axis=0)[np.arange(n), np.arange(n)].mean()
    return 0.5 * (a_to_b + b_to_a)


@pytest.mark.parametrize("n", [1, 2, 7, 33])
@pytest.mark.parametrize("log_scale", [0.0, 1.3, INIT_LOG_SCALE, 9.0])
def test_contrastive_matches_numpy(n, log_scale):
    rng = np.random.default_rng(n)
    a, b = rng.standard_normal((2, n, 5)).astype("float32")
    got = float(contrastive_loss(a, b, log_scale))
    np.testing.assert_allclose(got, infonce_reference(a, b, log_scale), rtol=1e-5, atol=1e-6)


def test_contrastive_known_answer():
    # Matching one-hot pairs: diagonal logits s, off-diagonal 0 → log(1 + (n-1) e^-s).
    n, s = 6, 2.0
    eye = np.eye(n, dtype="float32")
    np.testing.assert_allclose(float(contrastive_loss(eye, eye, math.log(s))),
                               math.log(1 + (n - 1) * math.exp(-s)), rtol=1e-6)
    assert float(contrastive_loss(eye[:1], eye[:1])) == pytest.approx(0.0, abs=1e-7)


def test_contrastive_is_symmetric_and_not_ml4h_swap():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 9, 4)).astype("float32")
    np.testing.assert_allclose(float(contrastive_loss(a, b)), float(contrastive_loss(b, a)), rtol=1e-5)
    # matched pairs must score better than shuffled ones
    assert float(contrastive_loss(a, a + 0.01 * b)) < float(contrastive_loss(a, b))


def test_cosine_and_euclid_match_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 8, 3)).astype("float32")
    cos = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(float(cosine_loss(a, b)), np.mean(1 - cos), rtol=1e-5)
    np.testing.assert_allclose(float(euclid_loss(a, b)), np.mean(np.linalg.norm(a - b, axis=1)), rtol=1e-5)
    assert float(cosine_loss(a, 3 * a)) == pytest.approx(0.0, abs=1e-6)


def test_pair_loss_layer_any_batch_size_and_prediction():
    import keras

    from zoo.models import PairLoss

    xa, xb = keras.Input((4,)), keras.Input((4,))
    layer = PairLoss("contrastive", 0.25, name="pair")
    a, b = layer([xa, xb])
    model = keras.Model([xa, xb], keras.layers.Add()([a, b]))
    rng = np.random.default_rng(2)
    for n in (1, 3, 8):  # ml4h's version fixed the batch size in the graph
        va, vb = rng.standard_normal((2, n, 4)).astype("float32")
        out = model.predict([va, vb], batch_size=n, verbose=0)
        np.testing.assert_allclose(out, va + vb, rtol=1e-6)
        layer([va, vb])
        np.testing.assert_allclose(float(layer.losses[-1]), 0.25 * infonce_reference(va, vb, INIT_LOG_SCALE),
                                   rtol=1e-5, atol=1e-6)


def test_temperature_is_learned():
    import keras

    from zoo.models import PairLoss

    keras.utils.set_random_seed(1)
    xa, xb = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    ea, eb = keras.layers.Dense(4)(xa), keras.layers.Dense(4)(xb)
    layer = PairLoss("contrastive", 1.0, name="pair")
    ea, eb = layer([ea, eb])
    model = keras.Model({"a": xa, "b": xb}, keras.layers.Dense(1, name="out")(keras.layers.Concatenate()([ea, eb])))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", run_eagerly=True)
    rng = np.random.default_rng(0)
    x = {"a": rng.standard_normal((16, 3)).astype("float32"), "b": rng.standard_normal((16, 3)).astype("float32")}
    before = float(layer.log_scale.numpy())
    model.train_on_batch(x, np.zeros((16, 1), "float32"))
    assert float(layer.log_scale.numpy()) != pytest.approx(before, abs=1e-4)


@pytest.mark.parametrize("bad", [dict(kind="hinge"), dict(weight=-1.0)])
def test_pair_loss_layer_rejects_bad_arguments(bad):
    from zoo.models import PairLoss

    with pytest.raises(ValueError, match="Expected"):
        PairLoss(**bad)

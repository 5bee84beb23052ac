import numpy as np
import pytest
from keras import ops

from zoo.registration import layers, losses


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def test_mse_grad_dice_known_answers():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 6, 5, 2)).astype(np.float32)
    b = rng.normal(size=(3, 6, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(_np(losses.MSE().call(a, b)), ((a - b) ** 2).mean(axis=(1, 2, 3)), rtol=1e-5)
    flow = rng.normal(size=(2, 6, 5, 2)).astype(np.float32)
    ref = (np.mean(np.diff(flow, axis=1) ** 2, axis=(1, 2, 3)) + np.mean(np.diff(flow, axis=2) ** 2, axis=(1, 2, 3))) / 2
    np.testing.assert_allclose(_np(losses.Grad("l2").call(None, flow)), ref, rtol=1e-5)
    const = np.ones((1, 6, 5, 2), np.float32)
    assert float(_np(losses.Grad("l1").call(None, const))[0]) == 0.0
    m1 = np.zeros((1, 4, 4, 1), np.float32)
    m1[0, :2] = 1
    m2 = np.zeros_like(m1)
    m2[0, 1:3] = 1
    np.testing.assert_allclose(_np(losses.Dice().call(m1, m2)), [0.5], atol=1e-5)  # 2*4/(8+8)
    np.testing.assert_allclose(_np(losses.Dice().call(m1, m1)), [0.0], atol=1e-5)


def test_ncc_is_gain_and_offset_invariant_and_matches_numpy():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 12, 12, 1)).astype(np.float32)
    ncc = losses.NCC(window=5)
    np.testing.assert_allclose(_np(ncc.call(a, 3.0 * a)), [-1.0, -1.0], atol=1e-3)
    # With an offset too, every window clear of the zero-padded border correlates perfectly.
    inner = _np(losses.ncc_map(a, 3.0 * a + 2.0, 5))[:, 2:-2, 2:-2]
    np.testing.assert_allclose(inner, 1.0, atol=1e-3)
    b = rng.normal(size=a.shape).astype(np.float32)
    # Reference at one interior pixel: squared correlation over its 5x5 window.
    cc = _np(losses.ncc_map(a, b, 5))[0, 6, 6, 0]
    wa, wb = a[0, 4:9, 4:9, 0].ravel(), b[0, 4:9, 4:9, 0].ravel()
    ref = np.sum((wa - wa.mean()) * (wb - wb.mean())) ** 2 / (np.sum((wa - wa.mean()) ** 2) * np.sum((wb - wb.mean()) ** 2))
    np.testing.assert_allclose(cc, ref, rtol=1e-3)
    vol = rng.normal(size=(1, 8, 8, 8, 2)).astype(np.float32)
    assert _np(losses.NCC(window=3).call(vol, vol)).shape == (1,)
    with pytest.raises(ValueError, match="odd"):
        losses.NCC(window=4)


def test_phase_advance_zero_for_rotating_vectors_one_for_constant():
    t = 10
    ang = 0.3 + 2 * np.pi * np.arange(t) / t
    z = np.stack([np.cos(ang), np.sin(ang)], -1)[None].astype(np.float32)
    loss = losses.PhaseAdvance(t)
    np.testing.assert_allclose(_np(loss.call(None, z)), [0.0], atol=1e-5)
    const = np.tile(np.array([[1.0, 0.0]], np.float32), (1, t, 1))[None, 0]
    np.testing.assert_allclose(_np(loss.call(None, const)), [1.0], atol=1e-5)


@pytest.mark.parametrize(
    "layer",
    [
        layers.SpatialTransformer(padding="border"),
        layers.AffineTransformer(),
        layers.HomographyTransformer(),
        layers.VecInt(steps=4),
        layers.AffineParams(2, center=[3.5, 4.0]),
        layers.TemplateImage((4, 5, 1)),
        layers.FrameWindows(),
        layers.FoldFrames(3),
    ],
    ids=lambda l: type(l).__name__,
)
def test_layer_config_round_trip(layer):
    import keras

    config = keras.saving.serialize_keras_object(layer)
    clone = keras.saving.deserialize_keras_object(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()


def test_affine_params_zero_is_identity_and_model_saves(tmp_path):
    import keras

    p = keras.Input((6,))
    image = keras.Input((8, 8, 1))
    matrix = layers.AffineParams(2, center=[3.5, 3.5])(p)
    warped = layers.AffineTransformer()([image, matrix])
    model = keras.Model([image, p], [warped, matrix])
    img = np.random.default_rng(0).normal(size=(2, 8, 8, 1)).astype(np.float32)
    out, m = model.predict([img, np.zeros((2, 6), np.float32)], verbose=0)
    np.testing.assert_allclose(m, np.broadcast_to(np.eye(3), (2, 3, 3)), atol=1e-6)
    np.testing.assert_allclose(out, img, atol=1e-5)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    params = np.random.default_rng(1).normal(scale=0.05, size=(2, 6)).astype(np.float32)
    for a, b in zip(model.predict([img, params], verbose=0), loaded.predict([img, params], verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-6)

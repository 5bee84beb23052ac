import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
import tensorflow as tf
from keras import ops

from zoo.registration import spatial


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def test_identity_is_identity_2d_and_3d():
    rng = np.random.default_rng(0)
    for shape in [(2, 7, 9, 3), (1, 5, 6, 4, 2)]:
        img = rng.normal(size=shape).astype(np.float32)
        n = len(shape) - 2
        out = _np(spatial.warp_affine(img, np.eye(n + 1, dtype=np.float32)))
        np.testing.assert_allclose(out, img, atol=1e-6)
        flow = np.zeros((*shape[:-1], n), np.float32)
        np.testing.assert_allclose(_np(spatial.warp_flow(img, flow)), img, atol=1e-6)


def test_affine_matches_scipy_pull_convention(blobs):
    img = blobs((32, 40), seed=1)
    a = np.array([[0.95, 0.2, 2.5], [-0.15, 1.05, -3.0], [0, 0, 1]], np.float64)
    ours = _np(spatial.warp_affine(img[None, ..., None], a.astype(np.float32)))[0, ..., 0]
    ref = ndi.affine_transform(img.astype(np.float64), a, order=1, mode="grid-constant", cval=0.0)
    np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_trilinear_matches_scipy_map_coordinates():
    rng = np.random.default_rng(2)
    vol = rng.normal(size=(6, 7, 5)).astype(np.float32)
    loc = rng.uniform(-1.5, 7.5, size=(11, 3)).astype(np.float32)
    ours = _np(spatial.interpolate(vol[None, ..., None], loc[None]))[0, :, 0]
    ref = ndi.map_coordinates(vol.astype(np.float64), loc.T.astype(np.float64), order=1, mode="grid-constant")
    np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_integer_shift_is_exact(blobs):
    img = blobs((20, 24), seed=3)
    m = np.array([[1, 0, 3], [0, 1, -2], [0, 0, 1]], np.float32)
    out = _np(spatial.warp_affine(img[None, ..., None], m))[0, ..., 0]
    np.testing.assert_allclose(out[:17, 2:], img[3:, :22], atol=1e-6)
    assert np.all(out[17:] == 0) and np.all(out[:, :2] == 0)


def test_homography_maps_corners_like_opencv():
    rng = np.random.default_rng(4)
    shape = (30, 22)
    offsets = rng.uniform(-4, 4, size=(3, 4, 2)).astype(np.float32)
    h = _np(spatial.homography_from_corners(offsets, shape))
    corners = _np(spatial.corner_points(shape))
    for b in range(3):
        mapped = np.c_[corners, np.ones(4)] @ h[b].T
        np.testing.assert_allclose(mapped[:, :2] / mapped[:, 2:], corners + offsets[b], atol=1e-3)
        # OpenCV works in (x, y) = (col, row): swap axes and compare matrices.
        ref = cv2.getPerspectiveTransform(corners[:, ::-1].astype(np.float32), (corners + offsets[b])[:, ::-1].astype(np.float32))
        p = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
        np.testing.assert_allclose(p @ ref @ p, h[b] / h[b, 2, 2], atol=1e-3)


def test_constant_velocity_integrates_to_itself():
    v = np.zeros((2, 12, 10, 2), np.float32)
    v[0, ..., 0], v[0, ..., 1] = 1.7, -2.2
    v[1, ..., 0], v[1, ..., 1] = -0.3, 0.9
    out = _np(spatial.integrate_velocity(v, steps=7))
    np.testing.assert_allclose(out, v, atol=1e-5)


def test_velocity_of_a_rotation_integrates_to_the_rotation():
    # v(p) = W (p - c) with W skew: its flow is the rotation exp(W) about c.
    shape, theta = (33, 33), 0.2
    c = np.array([16.0, 16.0])
    grid = np.stack(np.mgrid[0:33, 0:33], -1).astype(np.float64) - c
    w = np.array([[0, -theta], [theta, 0]])
    v = (grid @ w.T)[None].astype(np.float32)
    out = _np(spatial.integrate_velocity(v, steps=8))[0]
    r = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    exact = grid @ r.T - grid
    inner = (slice(8, 25), slice(8, 25))
    np.testing.assert_allclose(out[inner], exact[inner], atol=0.05)


def test_affine_composition_and_inversion(blobs):
    img = blobs((40, 40), seed=5)[None, ..., None]
    a = np.array([[1.0, 0.1, 2.0], [-0.05, 0.97, 1.0], [0, 0, 1]], np.float32)
    b = np.array([[0.98, -0.1, -1.0], [0.1, 1.02, 0.5], [0, 0, 1]], np.float32)
    twice = _np(spatial.warp_affine(_np(spatial.warp_affine(img, a)), b))
    once = _np(spatial.warp_affine(img, spatial.compose_affine(a, b)))
    inner = (0, slice(8, 32), slice(8, 32), 0)
    # Two interpolations blur slightly more than one: agreement within a few % of range.
    assert np.abs(twice[inner] - once[inner]).max() < 0.04 * img.max()
    back = _np(spatial.warp_affine(_np(spatial.warp_affine(img, a)), spatial.invert_affine(a)))
    assert np.abs(back[inner] - img[inner]).max() < 0.04 * img.max()
    np.testing.assert_allclose(_np(spatial.compose_affine(a, spatial.invert_affine(a))), np.eye(3), atol=1e-5)


def test_flow_composition_matches_sequential_warps_and_affine_flow(blobs):
    img = blobs((36, 36), seed=6)[None, ..., None]
    a = np.array([[1.0, 0.05, 1.5], [-0.05, 1.0, -0.5], [0, 0, 1]], np.float32)
    b = np.array([[1.0, 0.0, -0.7], [0.0, 1.0, 1.2], [0, 0, 1]], np.float32)
    fa = _np(spatial.affine_to_flow(a, (36, 36)))
    fb = _np(spatial.affine_to_flow(b, (36, 36)))
    np.testing.assert_allclose(_np(spatial.warp_flow(img, fa)), _np(spatial.warp_affine(img, a)), atol=1e-5)
    composed = _np(spatial.compose_flows(fa, fb))
    exact = _np(spatial.affine_to_flow(spatial.compose_affine(a, b), (36, 36)))
    inner = (0, slice(4, 32), slice(4, 32))
    np.testing.assert_allclose(composed[inner], exact[inner], atol=1e-4)


def test_gradients_reach_image_and_transform_finite_differences():
    rng = np.random.default_rng(7)
    img = tf.constant(rng.normal(size=(1, 9, 8, 2)))
    offsets = tf.constant(rng.uniform(-1.3, 1.3, size=(1, 4, 2)))
    weights = tf.constant(rng.normal(size=(1, 9, 8, 2)))

    def f(image, off):
        h = spatial.homography_from_corners(off, (9, 8))
        return tf.reduce_sum(spatial.warp_affine(image, h) * weights)

    with tf.GradientTape() as tape:
        tape.watch([img, offsets])
        value = f(img, offsets)
    g_img, g_off = tape.gradient(value, [img, offsets])
    assert float(tf.reduce_max(tf.abs(g_img))) > 0 and float(tf.reduce_max(tf.abs(g_off))) > 0
    eps = 1e-6
    for k in range(8):
        d = np.zeros((1, 4, 2))
        d.flat[k] = eps
        fd = (f(img, offsets + d) - f(img, offsets - d)) / (2 * eps)
        np.testing.assert_allclose(float(fd), float(g_off.numpy().flat[k]), rtol=1e-4, atol=1e-6)
    for k in rng.choice(img.shape.num_elements(), 6, replace=False):
        d = np.zeros(img.shape)
        d.flat[k] = eps
        fd = (f(img + d, offsets) - f(img - d, offsets)) / (2 * eps)
        np.testing.assert_allclose(float(fd), float(g_img.numpy().flat[k]), rtol=1e-4, atol=1e-6)


def test_flow_gradient_finite_differences():
    rng = np.random.default_rng(8)
    img = tf.constant(rng.normal(size=(1, 6, 7, 5, 1)))
    flow = tf.constant(rng.uniform(-0.8, 0.8, size=(1, 6, 7, 5, 3)))
    with tf.GradientTape() as tape:
        tape.watch(flow)
        value = tf.reduce_sum(spatial.warp_flow(img, flow) ** 2)
    grad = tape.gradient(value, flow).numpy()
    eps = 1e-6
    for k in rng.choice(flow.shape.num_elements(), 8, replace=False):
        d = np.zeros(flow.shape)
        d.flat[k] = eps
        plus = tf.reduce_sum(spatial.warp_flow(img, flow + d) ** 2)
        minus = tf.reduce_sum(spatial.warp_flow(img, flow - d) ** 2)
        np.testing.assert_allclose(float((plus - minus) / (2 * eps)), grad.flat[k], rtol=1e-4, atol=1e-6)


def test_bad_shapes_are_value_errors():
    with pytest.raises(ValueError, match="Expected"):
        spatial.warp_affine(np.zeros((1, 4, 4, 1), np.float32), np.eye(4, dtype=np.float32))
    with pytest.raises(ValueError, match="Expected"):
        spatial.warp_flow(np.zeros((1, 4, 4, 1), np.float32), np.zeros((1, 4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="padding"):
        spatial.interpolate(np.zeros((1, 4, 4, 1), np.float32), np.zeros((1, 2, 2), np.float32), padding="wrap")


def test_flow_inversion_and_velocity_negation():
    import scipy.ndimage as ndi

    rng = np.random.default_rng(9)
    v = ndi.gaussian_filter(rng.normal(size=(1, 32, 32, 2)), (0, 4, 4, 0))
    v = (2.0 * v / np.abs(v).max()).astype(np.float32)
    u = _np(spatial.integrate_velocity(v, 7))
    inner = (0, slice(6, 26), slice(6, 26))
    # Fixed-point inverse: warping by u then by its inverse is the identity.
    w = _np(spatial.invert_flow(u))
    assert np.abs(_np(spatial.compose_flows(u, w))[inner]).max() < 0.05
    # For a stationary velocity field the inverse is the flow of -v.
    w_exact = _np(spatial.integrate_velocity(-v, 7))
    assert np.abs(_np(spatial.compose_flows(u, w_exact))[inner]).max() < 0.05
    assert np.abs(u[inner]).max() > 0.5  # the deformation was not trivial

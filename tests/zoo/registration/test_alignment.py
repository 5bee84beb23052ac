import numpy as np
import pytest

from zoo.registration.alignment import align, align_batch, from_opencv, to_opencv, warp_image


def _rotation(angle_deg, center, scale=1.0, shift=(0.0, 0.0)):
    t = np.deg2rad(angle_deg)
    r = scale * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    c = np.asarray(center, float)
    m = np.eye(3)
    m[:2, :2] = r
    m[:2, 2] = c - r @ c + np.asarray(shift)
    return m


def _max_point_error(m, truth, shape):
    pts = np.array([[r, c, 1.0] for r in (0, shape[0] - 1) for c in (0, shape[1] - 1)] + [[shape[0] / 2, shape[1] / 2, 1.0]])
    a = pts @ m.T
    b = pts @ truth.T
    return np.abs(a[:, :2] / a[:, 2:] - b[:, :2] / b[:, 2:]).max()


CASES = {
    "translation": np.array([[1, 0, 3.4], [0, 1, -5.2], [0, 0, 1]]),
    "rigid": _rotation(12.0, (31.5, 31.5), shift=(2.0, -3.0)),
    "affine": _rotation(-8.0, (31.5, 31.5), scale=1.1, shift=(-2.5, 1.5)) @ np.array([[1, 0.06, 0], [0, 1, 0], [0, 0, 1]]),
    "homography": np.array([[1.02, 0.05, -2.0], [-0.03, 0.97, 3.0], [0.0012, -0.0008, 1.0]]),
}


@pytest.mark.parametrize("transform", list(CASES))
def test_known_transform_recovered_within_one_pixel(blobs, transform):
    fixed = blobs((64, 64), seed=10)
    truth = CASES[transform]
    # moving(p) = fixed(A p); gain and offset differ, as between scans.
    moving = 2.5 * warp_image(fixed, truth) + 0.3
    warped, m = align(moving, fixed, transform)
    assert m.shape == (3, 3)
    assert _max_point_error(m, np.linalg.inv(truth), fixed.shape) < 1.0
    inner = (slice(12, 52), slice(12, 52))
    before = np.corrcoef(moving[inner].ravel(), fixed[inner].ravel())[0, 1]
    after = np.corrcoef(warped[inner].ravel(), fixed[inner].ravel())[0, 1]
    assert after > 0.99 > before


def test_identity_stays_identity(blobs):
    img = blobs((48, 48), seed=11)
    warped, m = align(img, img, "affine")
    np.testing.assert_allclose(m, np.eye(3), atol=1e-3)
    np.testing.assert_allclose(warped, img, atol=1e-3)


def test_large_shift_and_multichannel(blobs):
    fixed = np.stack([blobs((64, 64), seed=12), blobs((64, 64), seed=13)], -1)
    truth = np.array([[1, 0, -11.0], [0, 1, 9.0], [0, 0, 1]])
    moving = warp_image(fixed, truth)
    warped, m = align(moving, fixed, "translation")
    assert warped.shape == fixed.shape
    assert _max_point_error(m, np.linalg.inv(truth), (64, 64)) < 1.0


def test_batch_matches_single_and_reports_scores(blobs):
    fixed = blobs((48, 48), seed=14)
    mats = [np.array([[1, 0, s], [0, 1, -s], [0, 0, 1]]) for s in (1.5, -2.0, 3.0)]
    moving = np.stack([warp_image(fixed, m) for m in mats])
    warped, found, scores = align_batch(moving, fixed, "translation", threads=2)
    assert warped.shape == moving.shape and found.shape == (3, 3, 3) and scores.shape == (3,)
    for i, m in enumerate(mats):
        assert _max_point_error(found[i], np.linalg.inv(m), (48, 48)) < 0.5
        _, single = align(moving[i], fixed, "translation")
        np.testing.assert_allclose(found[i], single, atol=1e-6)
    assert np.all(scores > 0.95)


def test_opencv_conversion_round_trip():
    m = CASES["homography"]
    np.testing.assert_allclose(from_opencv(to_opencv(m)), m)
    np.testing.assert_allclose(from_opencv(to_opencv(m)[:2]), from_opencv(to_opencv(m)[:2]))


def test_bad_input_is_value_error(blobs):
    img = blobs((32, 32), seed=1)
    with pytest.raises(ValueError, match="transform"):
        align(img, img, "elastic")
    with pytest.raises(ValueError, match="same height and width"):
        align(img, img[:30], "affine")
    with pytest.raises(ValueError, match="finite"):
        align(np.full((32, 32), np.nan), img)

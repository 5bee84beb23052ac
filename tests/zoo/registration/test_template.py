import numpy as np
import pytest

from zoo.registration.alignment import warp_image
from zoo.registration.template import TemplateResult, build_template, fit_template_shape, register_to_template


def _poses(n, seed, center):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = np.deg2rad(rng.uniform(-10, 10))
        s = rng.uniform(0.92, 1.08)
        r = s * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        m = np.eye(3)
        m[:2, :2] = r
        m[:2, 2] = center - r @ center + rng.uniform(-4, 4, 2)
        out.append(m)
    return out


def _spread(images):
    return float(np.mean(np.var(images, axis=0)))


def test_register_to_given_template_recovers_poses(blobs):
    base = blobs((48, 48), seed=20)
    poses = _poses(6, 1, np.array([23.5, 23.5]))
    images = np.stack([1.7 * warp_image(base, p) for p in poses])
    warped, matrices, scores = register_to_template(images, base, "affine")
    grid = np.array([[r, c, 1.0] for r in (8, 40) for c in (8, 40)])
    for m, p in zip(matrices, poses):
        err = np.abs(grid @ m.T - grid @ np.linalg.inv(p).T)[:, :2].max()
        assert err < 1.0
    assert np.all(scores > 0.95)


def test_built_template_reduces_pose_spread_and_looks_like_the_base(blobs):
    base = blobs((48, 48), seed=21)
    poses = _poses(10, 2, np.array([23.5, 23.5]))
    images = np.stack([warp_image(base, p) for p in poses])
    template, warped, matrices, result = build_template(images, "affine", iterations=2)
    assert template.shape == (48, 48) and warped.shape == images.shape
    inner = (slice(None), slice(10, 38), slice(10, 38))
    assert _spread(warped[inner]) < 0.25 * _spread(images[inner])
    corr = np.corrcoef(template[10:38, 10:38].ravel(), base[10:38, 10:38].ravel())[0, 1]
    assert corr > 0.9
    assert isinstance(result, TemplateResult)
    assert TemplateResult.from_dict(result.to_dict()) == result


def test_template_of_another_size_is_resized_and_bad_input(blobs):
    t = blobs((64, 60), seed=3)
    assert fit_template_shape(t, (32, 30)).shape == (32, 30)
    with pytest.raises(ValueError, match="batch"):
        register_to_template(np.zeros((4, 4)), t)
    with pytest.raises(ValueError, match="transform"):
        build_template(np.zeros((2, 16, 16)), "warp")

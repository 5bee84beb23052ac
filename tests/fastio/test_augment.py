"""Augment records, counter-based draws, and what the drawn transforms do to images."""
from __future__ import annotations

import numpy as np
import pytest

from fastio._kernels import api
from fastio.augment import Augment, draw_params, hash_uniform, noise_table, parse_augment


def test_augment_round_trip_and_validation():
    aug = Augment(translate=0.1, flip_lr=True, rotate=10, noise=0.05, time_shift=0.2, amplitude=0.1)
    assert Augment.from_dict(aug.to_dict()) == aug
    assert parse_augment(aug.to_dict()) == aug and parse_augment(None) is None
    assert aug.geometric and aug.temporal and aug.active and not Augment().active
    with pytest.raises(ValueError, match="rotate"):
        Augment(rotate=-1)
    with pytest.raises(ValueError, match="translate"):
        Augment(translate=2.0)
    with pytest.raises(ValueError, match="flip_lr"):
        Augment(flip_lr="yes")
    with pytest.raises(ValueError, match="Unknown"):
        Augment.from_dict({"shear": 0.1})
    with pytest.raises(ValueError, match="augment"):
        parse_augment(3)


def test_hash_uniform_is_a_function_of_its_keys():
    rows = np.arange(2000)
    u = hash_uniform(1, 2, 3, rows, 4)
    assert u.shape == (2000, 4) and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.02 and abs(u.std() - np.sqrt(1 / 12)) < 0.01
    # a row's numbers do not depend on which other rows are drawn with it
    np.testing.assert_array_equal(hash_uniform(1, 2, 3, rows[[7, 1500]], 4), u[[7, 1500]])
    for other in (hash_uniform(0, 2, 3, rows, 4), hash_uniform(1, 3, 3, rows, 4), hash_uniform(1, 2, 4, rows, 4)):
        assert not np.allclose(other, u)
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.06


def test_noise_table():
    t = noise_table(5, size=1 << 14)
    assert t.dtype == np.float32 and t.size == 1 << 14
    assert abs(t.mean()) < 0.05 and abs(t.std() - 1) < 0.05
    np.testing.assert_array_equal(t, noise_table(5, size=1 << 14))


def test_no_augment_is_identity():
    p = draw_params(None, (8, 8, 1), 0, 0, "x", np.arange(5))
    assert not p.warp.any() and (p.scale == 1).all() and (p.shift == 0).all() and p.sigma == 0
    assert (p.roll == 0).all() and (p.chan_scale == 1).all()


def test_flips_do_what_they_say():
    rng = np.random.default_rng(0)
    img = rng.normal(size=(10, 7, 2)).astype(np.float32)
    p = draw_params(Augment(flip_lr=True, flip_ud=True), img.shape, 4, 0, "img", np.arange(64))
    seen = set()
    for j in range(64):
        out = api.warp2d(img, np.empty_like(img), p.matrix[j], 0.0, 1.0)
        lr, ud = p.matrix[j, 1, 1] < 0, p.matrix[j, 0, 0] < 0
        expect = img[::-1 if ud else 1, ::-1 if lr else 1]
        np.testing.assert_allclose(out, expect, atol=1e-6)
        seen.add((lr, ud))
    assert len(seen) == 4


def test_rotation_zoom_translation_ranges():
    aug = Augment(rotate=15, zoom=0.1, translate=0.05)
    p = draw_params(aug, (100, 60, 1), 0, 0, "img", np.arange(500))
    a = p.matrix[:, :, :2]
    zoom = 1 / np.sqrt(np.abs(np.linalg.det(a)))
    assert zoom.min() >= 0.9 - 1e-9 and zoom.max() <= 1.1 + 1e-9
    angle = np.degrees(np.arctan2(a[:, 0, 1], a[:, 0, 0]))
    assert np.abs(angle).max() <= 15 + 1e-9 and np.abs(angle).max() > 10
    # where does the output centre read from? the source centre minus the translation
    centre = np.array([49.5, 29.5, 1.0])
    src = p.matrix @ centre
    t = -np.linalg.solve(a, (src - centre[:2])[..., None])[..., 0]
    assert np.abs(t[:, 0]).max() <= 0.05 * 100 + 1e-6 and np.abs(t[:, 0]).max() > 4
    assert np.abs(t[:, 1]).max() <= 0.05 * 60 + 1e-6
    assert p.warp.all()


def test_signal_draws():
    aug = Augment(time_shift=0.1, amplitude=0.2, intensity_scale=0.1, intensity_shift=0.5, noise=0.1)
    p = draw_params(aug, (1000, 12), 0, 0, "ecg", np.arange(300))
    assert np.abs(p.roll).max() <= 100 and np.abs(p.roll).max() > 80
    assert p.chan_scale.shape == (300, 12) and p.chan_scale.min() >= 0.8 and p.chan_scale.max() <= 1.2
    assert p.scale.min() >= 0.9 and p.scale.max() <= 1.1 and np.abs(p.shift).max() <= 0.5
    assert p.sigma == 0.1 and (p.offset >= 0).all()
    # geometric draws do not touch signals and temporal draws do not touch images
    assert not p.warp.any()
    q = draw_params(aug, (16, 16, 1), 0, 0, "img", np.arange(10))
    assert not q.warp.any() and (q.roll == 0).all()

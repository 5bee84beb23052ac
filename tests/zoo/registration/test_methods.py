"""Every registered method keeps the contract of ``MethodTests`` (method_contract.py); one
subclass per method supplies its data and known answers. Learned methods train for a
couple of steps on tiny inputs; their known-answer runs (real training) are marked slow."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage as ndi

from .method_contract import MethodTests
from .regsynth import blob_image, synthetic_beat, synthetic_cines, synthetic_strip
from zoo.registration.alignment import warp_image
from zoo.registration.ecg import beat_window
from zoo.registration.methods import METHODS

EYE = np.eye(3)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_registered_method_has_its_conformance_class():
    tested = [c.method for c in _subclasses(MethodTests) if c.method]
    assert sorted(tested) == sorted(METHODS)


def test_contributing_lists_the_registered_methods():
    text = (Path(__file__).parents[3] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    listed = re.search(r"<!-- methods -->(.*)<!-- /methods -->", text).group(1)
    assert re.findall(r"`([a-z_]+)`", listed) == list(METHODS)


def _pose(rng, center, degrees=8.0, shift=3.0, projective=0.0):
    t = np.deg2rad(rng.uniform(-degrees, degrees))
    r = rng.uniform(0.95, 1.05) * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    m = np.eye(3)
    m[:2, :2] = r
    m[:2, 2] = center - r @ center + rng.uniform(-shift, shift, 2)
    m[2, :2] = rng.uniform(-projective, projective, 2)
    return m


def _point_error(m, pose, size):
    """Largest distance (pixels) between where ``m`` and the true inverse pose send points
    spread over the inner image."""
    lo, hi = 0.25 * size, 0.75 * size
    g = np.array([[r, c, 1.0] for r in (lo, hi) for c in (lo, hi)])
    a, b = g @ m.T, g @ np.linalg.inv(pose).T
    return np.abs(a[:, :2] / a[:, 2:] - b[:, :2] / b[:, 2:]).max()


class _Posed(MethodTests):
    """Images of one smooth base under known poses; the template file is the base."""

    size = 40
    projective = 0.0
    point_tolerance = 0.5

    def _write_base(self, tmp_path):
        base = blob_image((self.size, self.size), seed=30)
        np.save(tmp_path / "base.npy", base)
        return base

    def aligned(self, tmp_path):
        base = self._write_base(tmp_path)
        gains = np.linspace(0.8, 1.2, 8)
        return np.stack([g * base for g in gains])[..., None], {"template": str(tmp_path / "base.npy")}

    def misaligned(self, tmp_path):
        base = self._write_base(tmp_path)
        rng = np.random.default_rng(0)
        c = (self.size - 1) / 2
        poses = [_pose(rng, np.array([c, c]), projective=self.projective) for _ in range(8)]
        values = np.stack([warp_image(base, p) * rng.uniform(0.8, 1.2) for p in poses])[..., None]
        return values, {"template": str(tmp_path / "base.npy"), "poses": poses}

    def run_options(self, truth):
        return {**self.options, "template": truth["template"]}

    def check_identity(self, values, out, extras, truth):
        # within a tenth of a pixel of no transform (a learned aligner takes two steps)
        assert max(_point_error(m, EYE, self.size) for m in extras["y_transform"]) < 0.1
        inner = (slice(None), slice(6, -6), slice(6, -6))
        assert np.abs(out[inner] - values[inner]).max() < 0.03 * np.abs(values).max()

    def check_known(self, values, out, extras, truth):
        errors = [_point_error(m, p, self.size) for m, p in zip(extras["y_transform"], truth["poses"])]
        before = [_point_error(EYE, p, self.size) for p in truth["poses"]]
        assert max(errors) < self.point_tolerance, (errors, before)


class TestTemplate(_Posed):
    method = "template"
    options = {"iterations": 2, "threads": 1}

    def broken(self, values):
        spoiled = values.copy()
        spoiled[1] = 0.0  # a blank image: ECC has nothing to correlate, so it does not converge
        return spoiled

    def test_template_built_from_the_data_when_none_is_given(self, tmp_path):
        values, truth = self.misaligned(tmp_path)
        summary, store, out, extras = self.register(tmp_path, values, self.options)
        # Without a template the frame is the cohort's mean pose: the transforms bring every
        # image into one frame, so the registered images agree with each other.
        inner = out[:, 8:-8, 8:-8, 0]
        inner = inner / inner.std(axis=(1, 2), keepdims=True)
        before = values[:, 8:-8, 8:-8, 0] / values[:, 8:-8, 8:-8, 0].std(axis=(1, 2), keepdims=True)
        assert np.var(inner, axis=0).mean() < 0.3 * np.var(before, axis=0).mean()


class TestHomography(_Posed):
    method = "homography"
    options = {"iterations": 2, "threads": 1}
    projective = 1e-3


class TestNone(MethodTests):
    method = "none"

    def aligned(self, tmp_path):
        return np.random.default_rng(0).normal(size=(6, 5, 3)).astype(np.float32), {}

    def misaligned(self, tmp_path):
        return np.random.default_rng(1).normal(size=(6, 4, 4, 2)).astype(np.float32), {}

    def check_known(self, values, out, extras, truth):
        np.testing.assert_array_equal(out, values)  # the known answer of no registration: the input
        assert extras == {}


class TestMedianBeat(MethodTests):
    method = "median_beat"
    fs = 100.0
    options = {"fs": fs}

    def aligned(self, tmp_path):
        # Already aligned: one beat repeated every 0.9 s, no noise or wander, so every beat
        # window of the strip is the same and the median beat must equal that window.
        gains = np.random.default_rng(0).uniform(0.4, 1.5, 12)
        beat = synthetic_beat(self.fs, gains)
        length, r = beat_window(self.fs)
        strip = np.zeros((1000 + 2 * length, 12))
        peaks = np.arange(length + 30, 1000 + length, 90)
        for p in peaks:
            strip[p - r:p - r + length] += beat
        strip = strip[length:length + 1000]
        window = strip[peaks[4] - length - r:peaks[4] - length - r + length]
        return np.stack([strip] * 5).astype(np.float32), {"window": window}

    def check_identity(self, values, out, extras, truth):
        # The method high-passes at 0.5 Hz before averaging, so the beat comes back without
        # its mean (its shape within 1 % of its range)
        window = truth["window"]
        centred = lambda x: x - x.mean(axis=-2, keepdims=True)
        assert np.abs(centred(out) - centred(window)[None]).max() < 0.01 * np.ptp(window)
        np.testing.assert_allclose(extras["y_heart_rate"], 60 / 0.9, rtol=1e-3)

    def misaligned(self, tmp_path):
        made = [synthetic_strip(fs=self.fs, seed=s) for s in range(5)]
        return np.stack([m[0] for m in made]).astype(np.float32), {"beats": [m[1] for m in made]}

    def check_known(self, values, out, extras, truth):
        _, r = beat_window(self.fs)
        for beat, registered in zip(truth["beats"], out):
            centred = registered - np.median(registered, axis=0)
            ref = beat - np.median(beat, axis=0)
            assert min(np.corrcoef(centred[:, k], ref[:, k])[0, 1] for k in range(12)) > 0.97
            assert abs(int(np.argmax(registered[:, 1])) - r) <= 1
        rate = extras["y_heart_rate"][:, 0]
        assert np.all((rate > 50) & (rate < 62)), rate  # RR drawn from 1.0-1.15 s

    def broken(self, values):
        spoiled = values.copy()
        spoiled[1] = 0.0  # a flat line: no beats to find
        return spoiled


_FAST = {"epochs": 1, "steps": 2, "batch_size": 4}


class _Learned(_Posed):
    """Tiny images and two training steps for the contract; real training in the slow
    known-answer test."""

    size = 32
    known_options: dict = {}

    @pytest.mark.slow
    def test_known_answer(self, tmp_path):
        values, truth = self.known_case(tmp_path)
        summary, store, out, extras = self.register(tmp_path, values, {**self.run_options(truth),
                                                                       **self.known_options})
        assert len(summary["fit"]["loss_history"]) == self.known_options["epochs"]
        self.check_known(values, out, extras, truth)

    def known_case(self, tmp_path):
        return self.misaligned(tmp_path)


class TestAffine(_Learned):
    method = "affine"
    options = dict(_FAST)
    known_options = {"epochs": 12, "steps": None, "batch_size": 16}

    def known_case(self, tmp_path):
        base = self._write_base(tmp_path)
        rng = np.random.default_rng(0)
        poses = [_pose(rng, np.array([15.5, 15.5]), degrees=10) for _ in range(48)]
        values = np.stack([warp_image(base, p) * rng.uniform(0.5, 2.0) for p in poses])[..., None]
        return values, {"template": str(tmp_path / "base.npy"), "poses": poses}

    def check_known(self, values, out, extras, truth):
        after = np.median([_point_error(m, p, self.size) for m, p in zip(extras["y_transform"], truth["poses"])])
        before = np.median([_point_error(EYE, p, self.size) for p in truth["poses"]])
        assert after < 0.6 * before, (after, before)


class TestVoxelMorph(_Learned):
    method = "voxelmorph"
    options = {**_FAST, "int_steps": 3, "width": 4}
    known_options = {"epochs": 16, "steps": None, "batch_size": 4, "width": 16}

    def check_identity(self, values, out, extras, truth):
        assert np.abs(extras["y_flow"]).max() < 0.05
        inner = (slice(None), slice(4, -4), slice(4, -4))
        assert np.abs(out[inner] - values[inner]).max() < 0.03 * np.abs(values).max()

    def misaligned(self, tmp_path):
        from keras import ops

        from zoo.registration.spatial import warp_flow

        base = self._write_base(tmp_path)[..., None]
        rng = np.random.default_rng(1)
        fields = ndi.gaussian_filter(rng.normal(size=(24, self.size, self.size, 2)), (0, 4, 4, 0))
        fields *= 2.0 / np.abs(fields).max(axis=(1, 2, 3), keepdims=True)
        values = np.asarray(ops.convert_to_numpy(warp_flow(np.repeat(base[None], 24, 0), fields.astype(np.float32))))
        return values, {"template": str(tmp_path / "base.npy"), "base": base}

    def check_known(self, values, out, extras, truth):
        inner = (slice(None), slice(3, -3), slice(3, -3))

        def error(x):
            z = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / x.std(axis=(1, 2, 3), keepdims=True)
            b = truth["base"][None]
            zb = (b - b.mean()) / b.std()
            return float(np.mean((z[inner] - zb[inner]) ** 2))

        assert error(out) < 0.7 * error(values), (error(out), error(values))


class TestDeepCycle(_Learned):
    method = "deepcycle"
    options = dict(_FAST)
    known_options = {"epochs": 14, "steps": None, "batch_size": 4}
    frames = 8

    def aligned(self, tmp_path):
        # Already aligned: copies of one cine, all at the same phase.
        cines, _ = synthetic_cines(n=1, size=16, frames=self.frames, seed=3)
        return np.repeat(cines, 6, axis=0), {}

    def run_options(self, truth):
        return dict(self.options)

    def check_identity(self, values, out, extras, truth):
        shifts = extras["y_phase"][:, 1]
        assert np.all(shifts == shifts[0])  # the same roll for every cine: relative phases kept
        for v, o in zip(values, out):
            np.testing.assert_array_equal(o, np.roll(v, int(shifts[0]), axis=-1))

    def misaligned(self, tmp_path):
        cines, starts = synthetic_cines(n=8, size=16, frames=self.frames, seed=3)
        return cines, {"starts": starts, "frames": self.frames}

    def known_case(self, tmp_path):
        cines, starts = synthetic_cines(n=32, size=32, frames=16, seed=0)
        return cines, {"starts": starts, "frames": 16}

    def check_known(self, values, out, extras, truth):
        frames, shifts = truth["frames"], extras["y_phase"][:, 1].astype(int)
        for v, o, s in zip(values, out, shifts):
            np.testing.assert_array_equal(o, np.roll(v, s, axis=-1))
        common = np.mod(truth["starts"] - shifts, frames)  # cycle position of each rolled frame 0

        def deviation(positions):
            ang = np.exp(2j * np.pi * positions / frames)
            return np.abs(np.angle(ang * np.conj(ang.mean() / abs(ang.mean())))) * frames / (2 * np.pi)

        assert np.mean(deviation(common)) < 0.25 * np.mean(deviation(truth["starts"].astype(float)))

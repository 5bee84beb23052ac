"""Registration error against the phantom's known nuisance, on known answers: the ideal
correction leaves no error, none leaves all of it, half leaves about half."""
from dataclasses import dataclass

import numpy as np
import pytest

from zoo.phantom.raster import pixel_grid, rotation
from zoo.phantom.render_brain import NATIVE_FOV_MM
from zoo.reproduce.plan import Registration
from zoo.reproduce.pose import Spread, circular_spread, coordinate_spread, registration_errors
from zoo.reproduce.report import pose_text

N = 12
SWAP = np.array([[0.0, 1, 0], [1, 0, 0], [0, 0, 1]])   # (col, row) <-> (row, col)


@dataclass
class _Spec:
    shape: tuple


class _Store:
    """What ``registration_errors`` reads of a fastio store: ids, presence, specs, arrays."""

    def __init__(self, arrays: dict, shapes: dict):
        self.arrays, self.shapes = arrays, shapes
        self.sample_ids = [f"s{i}" for i in range(N)]

    def __contains__(self, name):
        return name in self.arrays

    def __getitem__(self, name):
        return self.arrays[name]

    def present(self, name):
        return np.ones(N, bool)

    def spec(self, name):
        return _Spec(self.shapes[name])


def _truth(nuisance: dict) -> dict:
    return {"sample_ids": [f"s{i}" for i in range(N)], "instances": {"primary": "instance_0"},
            "nuisance": {"instance_0": nuisance}}


def test_spreads_on_known_answers():
    coords = np.array([[[0.0, 0.0]], [[2.0, 0.0]]])               # two subjects, one point
    assert coordinate_spread(coords) == pytest.approx(1.0)
    assert coordinate_spread(coords, design=np.array([[0.0], [1.0]])) == pytest.approx(1.0)
    assert circular_spread([0.95, 0.05]) == pytest.approx(0.05)   # across the wrap
    assert circular_spread([0.3, 0.3, 0.3]) == pytest.approx(0.0)


def test_the_spread_added_chunk_by_chunk_matches_least_squares_on_the_whole():
    rng = np.random.default_rng(3)
    design = rng.standard_normal((50, 3))
    coords = rng.standard_normal((50, 7, 2)) + design[:, :1, None] * 2.0
    flat = (coords - coords.mean(axis=0)).reshape(50, -1)
    x = design - design.mean(axis=0)
    fitted = x @ np.linalg.lstsq(x, flat, rcond=None)[0]
    acc = Spread(design)
    for a in range(0, 50, 16):
        acc.add(coords[a:a + 16], slice(a, a + 16))
    assert acc.spread() == pytest.approx(np.sqrt((flat ** 2).sum() / (50 * 7)))
    assert acc.explained() == pytest.approx(np.sqrt((fitted ** 2).sum() / (50 * 7)))
    assert acc.explained() < acc.spread()


def _brain(fraction_undone: float):
    rng = np.random.default_rng(0)
    shape = (14, 16, 1)
    angle, shift = rng.uniform(-20, 20, N), rng.uniform(-15, 15, (N, 2))
    pose = rotation(np.radians(angle), 1.0, shift)
    g = pixel_grid(shape[:2], NATIVE_FOV_MM)
    # the ideal pull: output pixel q shows the anatomy at g q, i.e. source p = g⁻¹ pose g q;
    # undoing a fraction of the pose: the same with a scaled rotation and shift
    partial = rotation(np.radians(angle * fraction_undone), 1.0, shift * fraction_undone)
    pull = SWAP @ np.linalg.inv(g) @ partial @ g @ SWAP
    store = _Store({"t1_slice_80": np.zeros((N, *shape)), "t1_slice_80_template": np.zeros((N, *shape)),
                    "t1_slice_80_template_transform": pull.astype(np.float32)},
                   {"t1_slice_80": shape, "t1_slice_80_template": shape})
    truth = _truth({"t1_slice_80": {"rotation_deg": angle.tolist(), "shift_fraction": (shift / 100).tolist(),
                                    "shift_mm": shift.tolist()}})
    reg = Registration("template", "t1_slice_80", "t1_slice_80_template", options=(("transform", "rigid"),))
    (found,) = registration_errors(store, truth, [reg])
    return found


def test_the_ideal_rigid_correction_leaves_no_error_and_none_leaves_it_all():
    ideal, none, half = _brain(1.0), _brain(0.0), _brain(0.5)
    assert ideal["unit"] == "mm" and ideal["n"] == N
    assert ideal["after"] < 1e-3 * ideal["before"] and ideal["total_after"] < 1e-3 * ideal["total_before"]
    assert none["after"] == pytest.approx(none["before"], rel=1e-5)
    assert 0.3 * half["before"] < half["after"] < 0.7 * half["before"]
    assert "→" in pose_text(half) and "whole spread" in pose_text(half)


def test_a_homography_undone_exactly_leaves_no_misalignment():
    rng = np.random.default_rng(1)
    shape = (12, 8, 1)
    homography = np.tile(np.eye(3), (N, 1, 1))
    homography[:, :2, 2] = rng.uniform(-1, 1, (N, 2))            # observed = aligned + offset
    homography[:, 2, :2] = rng.uniform(-2e-3, 2e-3, (N, 2))
    store = _Store({"dxa_12": np.zeros((N, *shape)), "dxa_12_homography": np.zeros((N, *shape)),
                    "dxa_12_homography_transform": (SWAP @ homography @ SWAP).astype(np.float64)},
                   {"dxa_12": shape, "dxa_12_homography": shape})
    truth = _truth({"dxa_12": {"homography": homography.tolist(),
                               "corner_offsets": rng.uniform(-0.02, 0.02, (N, 4, 2)).tolist()}})
    (found,) = registration_errors(store, truth, [Registration("homography", "dxa_12", "dxa_12_homography")])
    assert found["unit"] == "px" and found["total_after"] < 1e-6 < found["total_before"]


def test_deepcycle_rolls_and_median_beat_heart_rates_against_the_truth():
    frames = 16
    start = np.arange(N) % 4 / frames                              # whole frames: rolls undo them
    shapes = {"lax_4ch_heart_center": (4, 4, frames), "lax_4ch_heart_center_deepcycle": (4, 4, frames),
              "ecg_rest": (100, 12), "ecg_rest_median_beat": (12, 12)}
    known = np.linspace(50, 90, N)
    store = _Store({"lax_4ch_heart_center": 0, "lax_4ch_heart_center_deepcycle": 0, "ecg_rest": 0,
                    "ecg_rest_median_beat": 0,
                    # rolled[..., t] = cine[..., t - s]: s = start * frames brings frame 0 to phase 0
                    "lax_4ch_heart_center_deepcycle_phase": np.column_stack([np.zeros(N), start * frames]),
                    "ecg_rest_median_beat_heart_rate": (known + 2.0)[:, None]}, shapes)
    truth = _truth({"lax_4ch_heart_center": {"start_phase": start.tolist()},
                    "ecg_rest": {"start_phase": start.tolist(), "heart_rate_bpm": known.tolist()}})
    cycle, beat = registration_errors(store, truth, [
        Registration("deepcycle", "lax_4ch_heart_center", "lax_4ch_heart_center_deepcycle"),
        Registration("median_beat", "ecg_rest", "ecg_rest_median_beat")])
    assert cycle["after"] == pytest.approx(0.0, abs=1e-9) and cycle["before"] == pytest.approx(
        100 * circular_spread(start))
    assert beat["after"] == pytest.approx(2.0) and "heart rate off by 2.00 bpm" in pose_text(beat)


def test_a_registration_without_a_record_of_what_it_did_is_not_scored():
    store = _Store({"lax_4ch_heart_center": 0, "lax_4ch_heart_center_voxelmorph": 0,
                    "lax_4ch_heart_center_voxelmorph_flow": np.zeros((N, 4, 4, 2))},
                   {"lax_4ch_heart_center": (4, 4, 16), "lax_4ch_heart_center_voxelmorph": (4, 4, 16)})
    (found,) = registration_errors(store, _truth({}), [
        Registration("voxelmorph", "lax_4ch_heart_center", "lax_4ch_heart_center_voxelmorph")])
    assert "after" not in found and pose_text(found) == "—"

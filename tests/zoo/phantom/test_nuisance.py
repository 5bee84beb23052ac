"""The nuisance dial: one strength scales every modality's pose, phase and geometry, the
draws stay the same at every strength, and the cohort records the strength it used."""
import numpy as np
import pytest

from zoo.phantom import generate, layout, load_truth


def test_strength_scales_the_same_draws():
    full = layout.draw_nuisance(40, np.random.default_rng(2), 1.0)
    half = layout.draw_nuisance(40, np.random.default_rng(2), 0.5)
    none = layout.draw_nuisance(40, np.random.default_rng(2), 0.0)
    scaled = {("brain", "rotation_deg"), ("brain", "shift_fraction"), ("dxa", "corners_dxa_12"),
              ("ecg", "start_phase"), ("ecg", "hrv_amplitude"), ("ecg", "wander_uv"),
              ("cardiac", "start_phase"), ("cardiac", "rotation_deg"), ("cardiac", "shift_mm")}
    for group, key in scaled:
        np.testing.assert_allclose(half[group][key], 0.5 * full[group][key], err_msg=key)
        assert np.all(none[group][key] == 0), key
        assert np.abs(full[group][key]).max() > 0, key
    # MRI voxels are calibrated in mm: the brain's pose is rigid, its size is biology
    assert "scale" not in full["brain"]
    # gains and noise are not pose: they stay whatever the strength
    np.testing.assert_array_equal(none["brain"]["gain"], full["brain"]["gain"])
    np.testing.assert_array_equal(none["dxa"]["gain_dxa_2"], full["dxa"]["gain_dxa_2"])


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.5"])
def test_strength_outside_zero_one_is_refused(bad):
    with pytest.raises(ValueError, match="nuisance strength in \\[0, 1\\]"):
        layout.draw_nuisance(3, np.random.default_rng(0), bad)


def test_cohort_records_its_strength_and_zero_means_no_pose(tmp_path):
    cohort = generate(tmp_path / "c", n=20, seed=4, n_variants=1000, progress=False, nuisance=0.0)
    truth = load_truth(cohort.truth_json)
    assert truth["nuisance_strength"] == 0.0
    primary = truth["nuisance"][truth["instances"]["primary"]]
    assert np.all(np.asarray(primary["t1_slice_80"]["rotation_deg"]) == 0)
    assert np.all(np.asarray(primary["t1_slice_80"]["shift_fraction"]) == 0)
    assert np.all(np.asarray(primary["dxa_12"]["corner_offsets"]) == 0)
    assert np.all(np.asarray(primary["ecg_rest"]["start_phase"]) == 0)
    assert "MNI152" in truth["anatomy_sources"]["t1_slice_80"]["brain"]
    assert "no shipped" in truth["anatomy_sources"]["dxa_2"]

"""Renderers: ECG physiology, median beats, brain pose, DXA homography, cine cycle."""
from __future__ import annotations

import numpy as np
import pytest

from fastio.catalogue import ECG_LEADS
from zoo.phantom import raster, render_brain, render_cardiac, render_dxa, render_ecg

LEAD = {name: i for i, name in enumerate(ECG_LEADS)}


def _r2(y, x):
    x = np.column_stack([np.ones(len(y)), x])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    return 1 - np.var(y - x @ beta) / np.var(y)


def _check_limb_identities(ecg):
    i, ii = ecg[..., LEAD["I"]], ecg[..., LEAD["II"]]
    two = np.float32(2)
    assert ecg.dtype == np.float32
    np.testing.assert_array_equal(ecg[..., LEAD["III"]], ii - i)
    np.testing.assert_array_equal(ecg[..., LEAD["aVR"]], -(i + ii) / two)
    np.testing.assert_array_equal(ecg[..., LEAD["aVL"]], i - ii / two)
    np.testing.assert_array_equal(ecg[..., LEAD["aVF"]], ii - i / two)


@pytest.mark.parametrize("fs", [100.0, 500.0])
def test_ecg_leads_and_median_beat(small_block, fs):
    bio, anat = small_block
    n = 40
    sub = {k: v[:n] for k, v in anat.items()}
    rng = np.random.default_rng(0)
    nuis = render_ecg.draw_nuisance(n, rng)
    out = render_ecg.render_ecg(sub, nuis, fs, rng)
    strip, median = out["strip"], out["median"]
    assert strip.shape == (n, int(10 * fs), 12) and median.shape == (n, int(1.2 * fs), 12)
    _check_limb_identities(strip)
    _check_limb_identities(median)
    s = median.shape[1]
    pre = int(round(render_ecg.R_FRACTION * s))
    # the median beat is R-aligned: its largest lead-II deflection is the R peak
    assert np.all(np.abs(np.argmax(median[:, :, LEAD["II"]], axis=1) - pre) <= 1)
    for b in range(n):
        r = out["r_samples"][b]
        r = r[(r >= pre) & (r - pre + s <= strip.shape[1])]
        assert len(r) == out["beats_used"][b]
        mean = np.stack([strip[b, k - pre : k - pre + s] for k in r]).mean(axis=0)
        # Median and mean of K aligned beats differ by O(spread / sqrt(K)) per sample;
        # the spread is the baseline wander (sampled at K random phases) plus white
        # noise. Allow three times that, per lead (observed maxima ~2x).
        tol = 3 * (nuis["wander_uv"][b] / np.sqrt(len(r)) + render_ecg.NOISE_UV)
        rms = np.sqrt(((median[b] - mean) ** 2).mean(axis=0))
        assert np.all(rms < tol), (b, rms.max(), tol)
    # the strip's rate follows the anatomy's heart rate (10 s of beats)
    per_strip = (out["r_samples"] >= 0).sum(axis=1)
    expected = 10.0 / (sub["rr_ms"] / 1000.0)
    assert np.all(np.abs(per_strip - expected) <= 2.0)


def test_ecg_start_phase_is_nuisance(small_block):
    _, anat = small_block
    sub = {k: v[:2] for k, v in anat.items()}
    sub = {k: np.repeat(v[:1], 2) for k, v in sub.items()}  # one person, twice
    nuis = render_ecg.draw_nuisance(2, np.random.default_rng(1))
    nuis["start_phase"] = np.array([0.1, 0.6])
    out = render_ecg.render_ecg(sub, nuis, 100.0, np.random.default_rng(2))
    a, b = out["strip"][:, :, LEAD["II"]]
    assert np.corrcoef(a, b)[0, 1] < 0.5  # strips of the same heart disagree...
    ma, mb = out["median"][:, :, LEAD["II"]]
    assert np.corrcoef(ma, mb)[0, 1] > 0.95  # ...their median beats agree


def test_brain_template_slice_ignores_pose_native_does_not(small_block):
    bio, anat = small_block
    n = len(anat["brain_volume_ml"])
    shapes = {"t1_slice_80": (56, 64), "t1_mni_slice_80": (48, 56)}
    nuis_a = render_brain.draw_nuisance(n, np.random.default_rng(0))
    nuis_b = render_brain.draw_nuisance(n, np.random.default_rng(1))
    nuis_b["gain"] = nuis_a["gain"]
    a = render_brain.render_slices(anat, nuis_a, shapes, np.random.default_rng(7))
    b = render_brain.render_slices(anat, nuis_b, shapes, np.random.default_rng(7))
    # same anatomy, same noise draw, different pose: MNI identical, native not
    np.testing.assert_array_equal(a["t1_mni_slice_80"], b["t1_mni_slice_80"])
    assert np.abs(a["t1_slice_80"] - b["t1_slice_80"]).mean() > 50

    def features(img):
        yy, xx = np.mgrid[: img.shape[1], : img.shape[2]]
        m = np.clip(img, 0, None)
        s = m.sum(axis=(1, 2))
        return {
            "centroid_col": (m * xx).sum(axis=(1, 2)) / s,
            # brain tissue (grey and white matter of the MNI152 template) above the CSF
            "tissue_area": (img > 150).sum(axis=(1, 2)).astype(float),
        }

    pose = np.column_stack([nuis_a["shift_fraction"], np.radians(nuis_a["rotation_deg"])])
    factors = np.column_stack([bio.factor("brain_volume"), bio.factor("brain_atrophy"), bio.sex, bio.age])
    native, mni = features(a["t1_slice_80"]), features(a["t1_mni_slice_80"])
    assert _r2(native["centroid_col"], pose) > 0.9
    assert _r2(mni["centroid_col"], pose) < 0.1
    assert _r2(mni["tissue_area"], factors) > 0.8
    assert _r2(mni["tissue_area"], pose) < 0.1
    # most of the native slice's pixel variance follows the pose, not the biology
    x = a["t1_slice_80"].reshape(n, -1)
    u, s, _ = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    assert _r2(u[:, 0], pose) > 0.8 and _r2(u[:, 0], factors) < 0.2
    x = a["t1_mni_slice_80"].reshape(n, -1)
    u, s, _ = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    assert _r2(u[:, 0], factors) > 0.7 and _r2(u[:, 0], pose) < 0.1


def test_homography_corners_and_inverse_warp(small_block):
    import cv2

    _, anat = small_block
    n, shape = 6, (120, 48)
    offsets = np.random.default_rng(0).uniform(-0.08, 0.08, (n, 4, 2))
    hom = render_dxa.homography_from_corners(shape, offsets)
    src = np.array([[-0.5, -0.5, 1], [47.5, -0.5, 1], [47.5, 119.5, 1], [-0.5, 119.5, 1]])
    for k in range(n):
        dst = (hom[k] @ src.T).T
        np.testing.assert_allclose(dst[:, :2] / dst[:, 2:], src[:, :2] + offsets[k] * [48, 120], atol=1e-9)
    # observed image, sampled back through the recorded homography, is the aligned image
    sub = {key: v[:n] for key, v in anat.items()}
    grid = raster.pixel_grid(shape, *render_dxa.VIEWS["dxa_12"])
    edge = 0.7 * 0.58 / 120
    aligned = raster.render(render_dxa._femur(sub), grid, shape, edge)
    observed = raster.render(render_dxa._femur(sub), grid[None] @ np.linalg.inv(hom), shape, edge)
    for k in range(n):
        back = cv2.warpPerspective(observed[k], hom[k], (shape[1], shape[0]), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        inner = (slice(15, -15), slice(6, -6))  # away from borders the warp leaves empty
        assert np.corrcoef(back[inner].ravel(), aligned[k][inner].ravel())[0, 1] > 0.97
        assert np.corrcoef(observed[k][inner].ravel(), aligned[k][inner].ravel())[0, 1] < 0.97


def test_cine_follows_cycle_and_size(small_block):
    _, anat = small_block
    n, crop = 40, (48, 48, 16)
    sub = {k: v[:n] for k, v in anat.items()}
    nuis = render_cardiac.draw_nuisance(n, np.random.default_rng(0))
    cine = render_cardiac.render_cine(sub, nuis, crop, np.random.default_rng(1))
    assert cine.shape == (n, 64, 64, 16) == (n, *render_cardiac.padded_shape(crop))
    bright = (cine > 700).sum(axis=(1, 2)).astype(float)  # blood-pool pixels per frame
    phases = nuis["start_phase"][:, None] + np.arange(16)[None] / 16
    expected = 1.0 - sub["lvef"][:, None] * render_cardiac.contraction(phases)
    for b in range(n):
        assert np.corrcoef(bright[b], expected[b])[0, 1] > 0.8
    # end-diastolic blood area grows with the LV volume across people
    assert np.corrcoef(bright.max(axis=1), sub["lvedv_ml"])[0, 1] > 0.6


def test_cine_segmentation_labels_frame_0(small_block):
    """The written segmentation (ml4h's LAX 4-chamber labels) marks frame 0's chambers:
    blood pools are bright, the myocardium dark, and the LV cavity area follows the LV
    volume at that frame's phase."""
    from fastio.catalogue import LAX_4CH_LABELS as L

    _, anat = small_block
    n, crop = 40, (48, 48, 16)
    sub = {k: v[:n] for k, v in anat.items()}
    nuis = render_cardiac.draw_nuisance(n, np.random.default_rng(0))
    cine = render_cardiac.render_cine(sub, nuis, crop, np.random.default_rng(1))[..., 0]
    labels = render_cardiac.render_labels(sub, nuis, crop)
    assert labels.shape == cine.shape and labels.dtype == np.uint8
    assert set(np.unique(labels)) == {0, L["thoracic_cavity"], L["LV_anterolateral_wall"], L["LV_cavity"],
                                      L["RV_cavity"], L["LA_cavity"], L["RA_cavity"]}
    for b in range(n):
        lv, wall = cine[b][labels[b] == L["LV_cavity"]], cine[b][labels[b] == L["LV_anterolateral_wall"]]
        assert np.median(lv) > 700 > np.median(wall)
    area = (labels == L["LV_cavity"]).sum(axis=(1, 2))
    volume = sub["lvedv_ml"] * (1.0 - sub["lvef"] * render_cardiac.contraction(nuis["start_phase"]))
    assert np.corrcoef(area, volume)[0, 1] > 0.8


def test_contraction_curve():
    p = np.linspace(0, 1, 201)
    c = render_cardiac.contraction(p)
    assert c[0] == pytest.approx(0) and c.max() == pytest.approx(1)
    assert p[np.argmax(c)] == pytest.approx(0.35, abs=0.01)
    np.testing.assert_allclose(render_cardiac.contraction(p + 1.0), c, atol=1e-12)


def test_scene_validation():
    with pytest.raises(ValueError, match="positive"):
        raster.Scene(2).ellipse(0, 0, 0.0, 1.0, 0, 1)
    with pytest.raises(ValueError, match="profile"):
        raster.Scene(2).capsule(0, 0, 1, 1, 0, 1, profile="cone")
    with pytest.raises(ValueError, match="transforms"):
        raster.render(raster.Scene(2).ellipse(0, 0, 1, 1, 0, 1), np.eye(3)[None].repeat(3, 0), (4, 4), 0.1)


def test_raster_matches_numpy_reference():
    sc = raster.Scene(1).ellipse(0.1, -0.2, 0.5, 0.3, 0.4, 2.0, "dome")
    grid = raster.pixel_grid((32, 40), (2.0, 2.5))
    img = raster.render(sc, grid, (32, 40), 0.05)[0]
    rows, cols = np.mgrid[:32, :40]
    x = grid[0, 0] * cols + grid[0, 2] - 0.1
    y = grid[1, 1] * rows + grid[1, 2] + 0.2
    u = np.cos(0.4) * x + np.sin(0.4) * y
    v = -np.sin(0.4) * x + np.cos(0.4) * y
    q2 = (u / 0.5) ** 2 + (v / 0.3) ** 2
    np.testing.assert_allclose(img, 2.0 * np.sqrt(np.clip(1 - q2, 0, None)), atol=1e-5)

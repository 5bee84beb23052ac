"""Cardiac MRI cine, 4-chamber long axis: chambers that fill and eject over one cycle.

Canonical units are millimetres with the apex towards the top. The left ventricle is a
prolate ellipse whose end-diastolic volume and ejection fraction come from the anatomy;
its wall keeps the myocardial volume (mass) constant, so it thickens in systole. The
cine covers one cardiac cycle starting at a random phase (the nuisance DeepCycle
removes); a small in-plane rotation and shift of the slice is the nuisance VoxelMorph
removes. The heart is centred, so a centred crop of the written cine holds it.
"""
from __future__ import annotations

import numpy as np

from fastio.catalogue import LAX_4CH_LABELS
from zoo.phantom.raster import Scene, pixel_grid, render, rotation

__all__ = ["draw_nuisance", "contraction", "render_cine", "render_labels", "CROP_MM", "padded_shape"]

CROP_MM = 170.0  # field of view of the catalogue's crop size (the heart's box fits in it)
PAD_FRACTION = 1.0 / 6.0  # extra border on each side: 96 -> 128 px (full), 48 -> 64 (quick)
NOISE_SD = 25.0


def padded_shape(crop_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    rows, cols, frames = crop_shape
    return (rows + 2 * round(rows * PAD_FRACTION), cols + 2 * round(cols * PAD_FRACTION), frames)


def draw_nuisance(n: int, rng: np.random.Generator, strength: float = 1.0) -> dict[str, np.ndarray]:
    """``strength`` scales the cycle's start phase and the slice's in-plane pose."""
    return {
        "start_phase": strength * rng.random(n),
        "rotation_deg": strength * rng.uniform(-10.0, 10.0, n),
        "shift_mm": strength * rng.uniform(-4.0, 4.0, (n, 2)),
        "gain": rng.normal(1.0, 0.05, n),
    }


def contraction(phase: np.ndarray) -> np.ndarray:
    """Fraction of the stroke volume ejected at a cycle phase in [0, 1): systole to 0.35,
    rapid filling to 0.6, diastasis, then the atrial kick refills the last 15 %."""
    p = np.mod(phase, 1.0)
    c = np.where(p < 0.35, 0.5 * (1 - np.cos(np.pi * p / 0.35)), 0.0)
    c = np.where((p >= 0.35) & (p < 0.6), 0.15 + 0.85 * 0.5 * (1 + np.cos(np.pi * (p - 0.35) / 0.25)), c)
    c = np.where((p >= 0.6) & (p < 0.8), 0.15, c)
    c = np.where(p >= 0.8, 0.15 * 0.5 * (1 + np.cos(np.pi * (p - 0.8) / 0.2)), c)
    return c


def _surface(a, b):
    p = 1.6  # Knud Thomsen's approximation of a prolate ellipsoid's surface
    return 4 * np.pi * ((2 * (a * b) ** p + (b * b) ** p) / 3) ** (1 / p)


def _static_scene(n: int) -> Scene:
    """Chest and lungs: the same in every frame, so rendered once per subject."""
    sc = Scene(n)
    sc.ellipse(0, 20, 150, 115, 0, 330)  # chest
    for side in (-1, 1):
        sc.ellipse(side * 95, -20, 28, 60, 0, -260)  # lungs
    return sc


def _parts(anat: dict, phases: np.ndarray) -> list[tuple]:
    """The moving heart as ellipses ``(label, cx, cy, rx, ry, angle, amp)`` with values per
    (subject, frame), ``phases`` (n, F); painted in order (later parts cover earlier)."""
    n, f = phases.shape
    rep = lambda v: np.repeat(np.asarray(v, dtype=float), f)  # noqa: E731
    edv = rep(anat["lvedv_ml"]) * 1000.0
    ef = rep(anat["lvef"])
    myo = rep(anat["lv_mass_g"]) / 1.05 * 1000.0
    c = contraction(phases.reshape(-1))
    vol = edv * (1.0 - ef * c)
    b_ed = (3 * edv / (4 * np.pi * 1.9)) ** (1 / 3)
    s = (vol / edv) ** (1 / 3)
    b, a = b_ed * s**1.2, 1.9 * b_ed * s**0.6
    wall = myo / _surface(a, b)
    tilt = np.radians(-12.0)
    lv = (16.0, -10.0)
    # the base stays put while the apex moves: the centre follows the long axis
    cy = lv[1] + (1.9 * b_ed - a)
    rv_scale = (1.0 - 0.45 * c) ** 0.5
    atrial = (1.0 + 0.35 * c) ** 0.5
    return [
        ("LV_anterolateral_wall", lv[0], cy, b + wall, a + wall, tilt, -120),  # myocardium
        ("LV_cavity", lv[0], cy, b, a, tilt, 660),
        ("RV_cavity", -24, -2, 13 * rv_scale + 2, 42, tilt, 520),
        ("LA_cavity", 16, 52, 19 * atrial, 14 * atrial, 0, 560),
        ("RA_cavity", -24, 50, 17 * atrial, 15 * atrial, 0, 560),
        (None, -4, 72, 60, 6, 0, -120),  # atrioventricular fat / diaphragm line: unlabelled
    ]


def _scene(anat: dict, phases: np.ndarray) -> Scene:
    """The moving heart, one scene per (subject, frame); ``phases`` (n, F)."""
    sc = Scene(phases.size)
    for _, *ellipse in _parts(anat, phases):
        sc.ellipse(*ellipse)
    return sc


def _pose(nuisance: dict, crop_shape) -> tuple[np.ndarray, tuple[int, int, int], float]:
    """Pixel → canonical transforms (n, 3, 3) of the written (padded) cine, its shape and
    the pixel size in mm."""
    rows, cols, frames = padded_shape(crop_shape)
    px = CROP_MM / crop_shape[0]
    grid = pixel_grid((rows, cols), (rows * px, cols * px))
    # the slice plane's pose: canonical = pose^-1 (world)
    pose = rotation(np.radians(nuisance["rotation_deg"]), 1.0, nuisance["shift_mm"])
    return np.linalg.inv(pose) @ grid, (rows, cols, frames), px


def render_labels(anat: dict, nuisance: dict, crop_shape: tuple[int, int, int]) -> np.ndarray:
    """ml4h's segmentation of each cine's first frame, (n, rows, cols) uint8 with
    ``LAX_4CH_LABELS`` values: thoracic cavity, then the heart's chambers and wall."""
    transforms, (rows, cols, _), px = _pose(nuisance, crop_shape)
    n = transforms.shape[0]
    chest = Scene(n).ellipse(0, 20, 150, 115, 0, 1.0)
    parts = [("thoracic_cavity", chest)]
    for label, *ellipse in _parts(anat, nuisance["start_phase"][:, None]):
        if label is not None:
            parts.append((label, Scene(n).ellipse(*ellipse[:5], 1.0)))
    out = np.zeros((n, rows, cols), dtype=np.uint8)
    for label, scene in parts:
        # a pixel belongs to a part when more than half of it is inside (soft edge 0.5)
        inside = render(scene, transforms, (rows, cols), 0.7 * px) > 0.5
        out[inside] = LAX_4CH_LABELS[label]
    return out


def render_cine(anat: dict, nuisance: dict, crop_shape: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    """(n, rows, cols, frames) float32 magnitude images, ``padded_shape(crop_shape)``."""
    n = len(anat["lvedv_ml"])
    transforms, (rows, cols, frames), px = _pose(nuisance, crop_shape)
    phases = nuisance["start_phase"][:, None] + np.arange(frames)[None, :] / frames
    img = render(_scene(anat, phases), np.repeat(transforms, frames, axis=0), (rows, cols), 0.7 * px)
    img = img.reshape(n, frames, rows, cols)
    img += render(_static_scene(n), transforms, (rows, cols), 0.7 * px)[:, None]
    img *= nuisance["gain"].astype(np.float32)[:, None, None, None]
    # magnitude of a complex image with Gaussian noise: Rician background
    re = img + rng.standard_normal(img.shape, dtype=np.float32) * np.float32(NOISE_SD)
    im = rng.standard_normal(img.shape, dtype=np.float32) * np.float32(NOISE_SD)
    mag = np.sqrt(re * re + im * im)
    return np.ascontiguousarray(mag.transpose(0, 2, 3, 1))

"""DXA views from the body factors: whole-body tissue (dxa_2) and bone (dxa_5) images,
lumbar spine (dxa_11) and hip/femur (dxa_12, seen through a per-person homography).

Canonical units are metres; x grows to the image right, y towards the feet. Intensities
are attenuation-like: a dome primitive adds ``amp * sqrt(1 - q²)``, the chord through a
cylinder, so soft tissue and bone add up as they would in a projection.
"""
from __future__ import annotations

import numpy as np

from zoo.phantom.raster import Scene, pixel_grid, render

__all__ = ["VIEWS", "draw_nuisance", "homography_from_corners", "render_views"]

# view -> field of view (height, width) in metres and centre (x, y)
VIEWS = {
    "dxa_2": ((2.1, 2.1), (0.0, 0.0)),
    "dxa_5": ((2.1, 2.1), (0.0, 0.0)),
    "dxa_11": ((0.42, 0.18), (0.0, 0.0)),
    "dxa_12": ((0.58, 0.22), (0.0, 0.0)),
}
TISSUE_PER_M = 3500.0  # soft-tissue intensity per metre of chord
BONE_GAIN = 1400.0  # bone intensity per (g/cm²) of density at the thickest point
NOISE_SD = {"dxa_2": 30.0, "dxa_5": 30.0, "dxa_11": 40.0, "dxa_12": 40.0}
CORNER_JITTER = 0.08  # corner offsets of dxa_12, as a fraction of its width and height
# UK Biobank whole-body DXA exports fill everything outside the body with one value,
# which ml4h (and fastio's TensorSpec.background) erase; the phantom does the same.
SCANNER_BACKGROUND = 252.0
WHOLE_BODY = ("dxa_2", "dxa_5")


def draw_nuisance(n: int, rng: np.random.Generator, strength: float = 1.0) -> dict[str, np.ndarray]:
    """Per subject: a gain per view (DropFuse sees it as view-specific noise) and the
    four dxa_12 corner offsets as fractions of width/height, ordered TL, TR, BR, BL;
    ``strength`` scales the corner offsets (the acquisition geometry)."""
    out = {f"gain_{v}": rng.normal(1.0, 0.06, n) for v in VIEWS}
    out["corners_dxa_12"] = strength * rng.uniform(-CORNER_JITTER, CORNER_JITTER, (n, 4, 2))
    return out


def homography_from_corners(shape: tuple[int, int], offsets: np.ndarray) -> np.ndarray:
    """(n, 3, 3) homographies mapping aligned pixel (col, row, 1) to observed pixel,
    sending the image corners (pixel edges, TL, TR, BR, BL) to corners + offsets·size."""
    rows, cols = shape
    src = np.array([[-0.5, -0.5], [cols - 0.5, -0.5], [cols - 0.5, rows - 0.5], [-0.5, rows - 0.5]])
    offsets = np.asarray(offsets, dtype=np.float64).reshape(-1, 4, 2)
    dst = src[None] + offsets * np.array([cols, rows])
    n = offsets.shape[0]
    a = np.zeros((n, 8, 8))
    b = np.zeros((n, 8))
    for k in range(4):
        x, y = src[k]
        u, v = dst[:, k, 0], dst[:, k, 1]
        a[:, 2 * k, 0:3] = [x, y, 1.0]
        a[:, 2 * k, 6] = -u * x
        a[:, 2 * k, 7] = -u * y
        a[:, 2 * k + 1, 3:6] = [x, y, 1.0]
        a[:, 2 * k + 1, 6] = -v * x
        a[:, 2 * k + 1, 7] = -v * y
        b[:, 2 * k], b[:, 2 * k + 1] = u, v
    h = np.linalg.solve(a, b[..., None])[..., 0]
    return np.concatenate([h, np.ones((n, 1))], axis=1).reshape(n, 3, 3)


def _body(n, anat):
    h = anat["height_m"]
    hs = h / 1.7
    wf = np.sqrt(anat["bmi"] / 25.0)
    feet = 0.98
    return h, hs, wf, feet


def _tissue(anat) -> Scene:
    n = len(anat["height_m"])
    h, hs, wf, feet = _body(n, anat)
    y = lambda frac: feet - frac * h  # noqa: E731
    sc = Scene(n)
    d = lambda r: TISSUE_PER_M * 2 * r  # noqa: E731  chord through the centre
    sc.ellipse(0, y(0.935), 0.075 * hs, 0.1 * hs, 0, d(0.08 * hs), "dome")
    sc.capsule(0, y(0.855), 0.02 * hs, 0.05 * np.sqrt(wf), np.pi / 2, d(0.05 * np.sqrt(wf)))
    r_torso = 0.13 * hs * wf
    sc.capsule(0, y(0.67), 0.11 * h - r_torso * 0.5 + 0.06, r_torso, np.pi / 2, d(r_torso))
    sc.ellipse(0, y(0.6), 0.12 * hs * wf**1.5, 0.1 * hs, 0, d(0.06 * (wf**2 - 0.8).clip(0.05)), "dome")
    r_arm = 0.042 * hs * wf
    for side in (-1, 1):
        sh = (side * (r_torso + 0.04 * hs), y(0.79))
        el = (side * (r_torso + 0.09 * hs), y(0.62))
        ha = (side * (r_torso + 0.12 * hs), y(0.47))
        for p, q, r in ((sh, el, r_arm), (el, ha, 0.8 * r_arm)):
            cx, cy = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
            ln = np.hypot(q[0] - p[0], q[1] - p[1]) / 2
            sc.capsule(cx, cy, ln, r, np.arctan2(q[1] - p[1], q[0] - p[0]), d(r))
        r_leg = 0.075 * hs * wf
        hip, knee, ankle = (side * 0.09 * hs, y(0.5)), (side * 0.1 * hs, y(0.28)), (side * 0.1 * hs, y(0.04))
        for p, q, r in ((hip, knee, r_leg), (knee, ankle, 0.62 * r_leg)):
            cx, cy = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
            ln = np.hypot(q[0] - p[0], q[1] - p[1]) / 2
            sc.capsule(cx, cy, ln, r, np.arctan2(q[1] - p[1], q[0] - p[0]), d(r))
        sc.capsule(side * 0.11 * hs, y(0.01), 0.04 * hs, 0.03 * hs, 0.0, d(0.03 * hs))
    return sc


def _skeleton(anat) -> Scene:
    n = len(anat["height_m"])
    h, hs, wf, feet = _body(n, anat)
    y = lambda frac: feet - frac * h  # noqa: E731
    bone = BONE_GAIN * anat["bone_density"]
    r_torso = 0.13 * hs * wf
    sc = Scene(n)
    sc.ellipse(0, y(0.935), 0.07 * hs, 0.095 * hs, 0, 0.9 * bone, "dome")
    sc.ellipse(0, y(0.935), 0.06 * hs, 0.085 * hs, 0, -0.75 * bone, "dome")
    sc.capsule(0, y(0.68), 0.17 * h, 0.018 * hs, np.pi / 2, 0.8 * bone)
    sc.ellipse(0, y(0.68), 0.11 * hs, 0.12 * hs, 0, 0.25 * bone, "dome")  # rib cage
    sc.ellipse(0, y(0.5), 0.14 * hs, 0.06 * hs, 0, 0.7 * bone, "dome")  # pelvis
    for side in (-1, 1):
        sc.capsule(side * 0.08 * hs, y(0.815), 0.07 * hs, 0.008 * hs, side * 0.15, 0.5 * bone)  # clavicle
        sh = (side * (r_torso + 0.04 * hs), y(0.79))
        el = (side * (r_torso + 0.09 * hs), y(0.62))
        ha = (side * (r_torso + 0.12 * hs), y(0.47))
        hip, knee, ankle = (side * 0.1 * hs, y(0.5)), (side * 0.1 * hs, y(0.28)), (side * 0.1 * hs, y(0.04))
        for p, q, r in ((sh, el, 0.014), (el, ha, 0.011), (hip, knee, 0.02), (knee, ankle, 0.017)):
            cx, cy = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
            ln = np.hypot(q[0] - p[0], q[1] - p[1]) / 2
            sc.capsule(cx, cy, ln, r * hs, np.arctan2(q[1] - p[1], q[0] - p[0]), bone)
    return sc


def _spine(anat) -> Scene:
    n = len(anat["height_m"])
    h, hs, wf, _ = _body(n, anat)
    bone = BONE_GAIN * anat["bone_density"]
    sc = Scene(n)
    sc.ellipse(0, 0, 0.16 * hs * wf**1.5, 0.4, 0, TISSUE_PER_M * 0.2 * wf, "dome")
    step = 0.036 * hs
    for k in range(5):  # L1..L5, growing downwards
        grow = 1.0 + 0.06 * k
        cy = (k - 2) * step - 0.02
        sc.capsule(0, cy, 0.016 * hs * grow, 0.0125 * hs, 0.0, bone)
        for side in (-1, 1):
            sc.ellipse(side * 0.014 * hs * grow, cy - 0.004, 0.005 * hs, 0.006 * hs, 0, 0.6 * bone)
    for side in (-1, 1):
        sc.ellipse(side * 0.085 * hs, 0.17, 0.06 * hs, 0.05 * hs, side * 0.5, 0.6 * bone, "dome")
    return sc


def _femur(anat) -> Scene:
    n = len(anat["height_m"])
    h, hs, wf, _ = _body(n, anat)
    bmd = anat["bone_density"]
    bone = BONE_GAIN * bmd
    r_shaft = 0.016 * hs
    sc = Scene(n)
    r_thigh = 0.085 * hs * wf
    sc.capsule(0.0, 0.05, 0.2, r_thigh, np.pi / 2, TISSUE_PER_M * 2 * r_thigh)
    sc.ellipse(0.07, -0.24, 0.06 * hs, 0.04 * hs, 0.4, 0.8 * bone, "dome")  # acetabulum
    sc.ellipse(0.045, -0.2, 0.026 * hs, 0.026 * hs, 0, bone, "dome")  # femoral head
    sc.capsule(0.02, -0.175, 0.03 * hs, 0.016 * hs, 2.4, bone)  # neck
    sc.ellipse(-0.035, -0.16, 0.02 * hs, 0.03 * hs, 0.2, 0.9 * bone, "dome")  # trochanter
    sc.capsule(-0.01, 0.07, 0.21, r_shaft, np.pi / 2, 1.2 * bone)
    # medullary canal: denser bone has thicker cortex, so a narrower canal
    canal = r_shaft * np.clip(0.75 - 0.6 * (bmd - 1.15), 0.3, 0.9)
    sc.capsule(-0.01, 0.08, 0.19, canal, np.pi / 2, -1.2 * bone * canal / r_shaft)
    return sc


def render_views(anat: dict, nuisance: dict, shapes: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Render the four views (n, rows, cols) float32 for a block of subjects."""
    scenes = {"dxa_2": _tissue(anat), "dxa_5": _skeleton(anat), "dxa_11": _spine(anat), "dxa_12": _femur(anat)}
    out = {}
    outside = None
    for view, scene in scenes.items():
        shape = shapes[view]
        fov, centre = VIEWS[view]
        grid = pixel_grid(shape, fov, centre)
        edge = 0.7 * fov[0] / shape[0]
        if view == "dxa_12":
            hom = homography_from_corners(shape, nuisance["corners_dxa_12"])
            transforms = grid[None] @ np.linalg.inv(hom)
        else:
            transforms = grid
        bg = 40.0 if view == "dxa_5" else 0.0
        img = render(scene, transforms, shape, edge, background=bg)
        if view == "dxa_2":
            outside = img < 1.0  # no soft tissue in the beam: the scanner's background
        img *= nuisance[f"gain_{view}"].astype(np.float32)[:, None, None]
        img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(NOISE_SD[view])
        if view in WHOLE_BODY:
            img[outside] = SCANNER_BACKGROUND
        out[view] = img
    return out

"""Brain T1, axial slice 80: a native slice in a random pose and the same anatomy in
template ("MNI") space, brain-extracted as UK Biobank's T1_brain_to_MNI.

Canonical units are millimetres: x runs anterior–posterior along the image columns, y
left–right along the rows (the axial slice of a 182×218 MNI volume is 176×216 in ml4h).
Brain size, cortical thickness and ventricle size follow the anatomy; the native slice
adds a rigid pose and a global scale (up to ±20°, ±15 % of the field of view,
0.85–1.15), which template registration removes.
"""
from __future__ import annotations

import numpy as np

from zoo.phantom.raster import Scene, pixel_grid, render, rotation

__all__ = ["draw_nuisance", "render_slices", "NATIVE_FOV_MM", "MNI_FOV_MM"]

NATIVE_FOV_MM = (216.0, 256.0)  # rows (left-right), cols (anterior-posterior)
MNI_FOV_MM = (176.0, 216.0)
NOISE_SD = 20.0
_SULCI = np.linspace(0, 2 * np.pi, 18, endpoint=False) + 0.11


def draw_nuisance(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "rotation_deg": rng.uniform(-20.0, 20.0, n),
        "shift_fraction": rng.uniform(-0.15, 0.15, (n, 2)),  # of the native FOV (x=cols, y=rows)
        "scale": rng.uniform(0.85, 1.15, n),
        "gain": rng.normal(1.0, 0.05, n),
    }


def _scene(anat: dict, skull: bool) -> Scene:
    n = len(anat["brain_volume_ml"])
    size = (anat["brain_volume_ml"] / 1150.0) ** (1 / 3)
    ax, ay = 78.0 * size, 64.0 * size
    vs = anat["ventricle_scale"]
    # cortex drawn ~4x thicker than life so that it is resolved at quick scale
    cortex = 4.0 * anat["cortex_mm"]
    csf = 2.0 + 3.0 * (vs - 1.0).clip(0)
    sc = Scene(n)
    if skull:
        sc.ellipse(-3, 0, ax + csf + 13, ay + csf + 13, 0, 650)  # scalp fat
        sc.ellipse(-3, 0, ax + csf + 7, ay + csf + 7, 0, -560)  # skull
    sc.ellipse(-3, 0, ax + csf, ay + csf, 0, 150 if not skull else 60)  # CSF
    sc.ellipse(-3, 0, ax, ay, 0, 340)  # grey matter
    sc.ellipse(-3, 0, ax - cortex, ay - cortex, 0, 220)  # white matter
    for t in _SULCI:
        rx, ry = np.cos(t) * ax, np.sin(t) * ay
        sc.capsule(-3 + rx * 0.93, ry * 0.93, 0.5 * cortex, 1.2, t, -330)
    sc.capsule(-3 - ax * 0.55, 0, ax * 0.42, 1.0 + 0.6 * csf, 0, -350)  # frontal interhemispheric fissure
    for side in (-1, 1):
        sc.ellipse(-2, side * 7 * vs**0.5, 21 * vs**0.7, 4.5 * vs, side * np.radians(8), -560)
    return sc


def render_slices(anat: dict, nuisance: dict, shapes: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Native (``t1_slice_80``) and template (``t1_mni_slice_80``) slices, float32 (n, rows, cols)."""
    out = {}
    for name, fov, skull in (("t1_slice_80", NATIVE_FOV_MM, True), ("t1_mni_slice_80", MNI_FOV_MM, False)):
        shape = shapes[name]
        g = pixel_grid(shape, fov)
        if skull:
            shift = nuisance["shift_fraction"] * np.array([fov[1], fov[0]])
            pose = rotation(np.radians(nuisance["rotation_deg"]), nuisance["scale"], shift)
            transforms = np.linalg.inv(pose) @ g
        else:
            transforms = g
        img = render(_scene(anat, skull), transforms, shape, 0.7 * fov[0] / shape[0])
        img *= nuisance["gain"].astype(np.float32)[:, None, None]
        img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(NOISE_SD)
        out[name] = img
    return out

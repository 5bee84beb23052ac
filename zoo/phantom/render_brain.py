"""Brain T1, axial slice 80: a native slice in a random pose and the same anatomy in
template ("MNI") space, brain-extracted as UK Biobank's T1_brain_to_MNI.

The anatomy is real: the MNI152 (ICBM 2009a) T1, grey- and white-matter templates that
nilearn ships (``mni_template``). Each subject's brain is the template warped by its own
anatomy — scaled to its brain volume, ventricles dilated by its ventricle scale, grey
matter thinned (darkened, as partial volume with CSF) by its cortical thickness — so the
genetically driven factors change recognisable structures. The native slice adds a
scalp and skull (analytic rings: no shipped template of the head outside the brain
exists) and a pose: a rigid motion (at nuisance strength 1 up to ±20° and ±15 % of the
field of view), which rigid template registration removes. There is no scale nuisance:
MRI voxels are calibrated in millimetres, so a bigger brain in the image is a bigger
brain, biology that an affine (scaling) registration would erase.

Canonical units are millimetres: x runs anterior–posterior along the image columns, y
left–right along the rows (the axial slice of a 182×218 MNI volume is 176×216 in ml4h).
"""
from __future__ import annotations

import functools

import numpy as np

from zoo.phantom import mni_template
from zoo.phantom.raster import Scene, pixel_grid, render, rotation

__all__ = ["draw_nuisance", "render_slices", "NATIVE_FOV_MM", "MNI_FOV_MM", "ANATOMY_SOURCE"]

NATIVE_FOV_MM = (216.0, 256.0)  # rows (left-right), cols (anterior-posterior)
MNI_FOV_MM = (176.0, 216.0)
NOISE_SD = 20.0
BRAIN_GAIN = 600.0  # T1 intensity of the template's brightest (white-matter) voxel
GM_DARKENING = 4.0  # relative grey-matter signal lost per relative cortical thinning
VENTRICLE_SIGMA_MM = 16.0  # reach of the ventricles' dilation around their centre
ANATOMY_SOURCE = {
    "brain": mni_template.SOURCE,
    "scalp_and_skull": "synthetic analytic rings: no shipped template of the head outside the brain",
}


def draw_nuisance(n: int, rng: np.random.Generator, strength: float = 1.0) -> dict[str, np.ndarray]:
    """Rigid pose of the native slice; ``strength`` scales rotation and shift (the same
    draws at every strength, so a sweep changes only their size)."""
    return {
        "rotation_deg": strength * rng.uniform(-20.0, 20.0, n),
        "shift_fraction": strength * rng.uniform(-0.15, 0.15, (n, 2)),  # of the native FOV (x=cols, y=rows)
        "gain": rng.normal(1.0, 0.05, n),
    }


@functools.lru_cache(maxsize=1)
def _landmarks() -> dict[str, float]:
    """Brain half-extents and the ventricles' centre (canonical mm), from the templates."""
    slices = mni_template.load_slices()
    x_mni = np.arange(slices["t1"].shape[0]) + mni_template._ORIGIN_MM[0]
    y_mni = np.arange(slices["t1"].shape[1]) + mni_template._ORIGIN_MM[1]
    # arrays are indexed [x, y]: left-right is canonical y, posterior-anterior canonical x
    yc, xc = np.meshgrid(x_mni - mni_template.CENTRE_MM[0], y_mni - mni_template.CENTRE_MM[1],
                         indexing="ij")
    tissue = slices["gm"] + slices["wm"]
    brain = tissue > 0.2
    # ventricles: fluid (neither grey nor white matter) inside the brain, near the midline
    fluid = (np.abs(yc) < 25) & (np.abs(xc) < 45) & (slices["t1"] > 0) & (tissue < 0.25)
    if fluid.sum() < 10:
        raise ValueError("MNI152 slice 80: expected the lateral ventricles near the midline, found none")
    return {"ax": float(np.abs(xc[brain]).max()), "ay": float(np.abs(yc[brain]).max()),
            "vx": float(xc[fluid].mean()), "vy": float(yc[fluid].mean())}


def _brain(anat: dict, x: np.ndarray, y: np.ndarray, pixel_mm: float) -> np.ndarray:
    """T1 intensity of each subject's brain at its own canonical mm (n, rows, cols)."""
    lm = _landmarks()
    size = (anat["brain_volume_ml"] / 1150.0) ** (1 / 3)
    vs = anat["ventricle_scale"]
    thin = np.clip(GM_DARKENING * (2.6 - anat["cortex_mm"]) / 2.6, -0.5, 0.9)
    col = lambda v: np.asarray(v, np.float64)[:, None, None]  # noqa: E731
    # subject -> template: undo the head size, then pull towards the ventricles' centre
    # (sampling nearer the centre magnifies what lies there by up to ``vs``)
    qx, qy = x / col(size), y / col(size)
    dx, dy = qx - lm["vx"], qy - lm["vy"]
    pull = (1.0 - 1.0 / col(vs)) * np.exp(-(dx * dx + dy * dy) / (2 * VENTRICLE_SIGMA_MM**2))
    qx, qy = qx - pull * dx, qy - pull * dy
    t1 = mni_template.sample("t1", qx, qy, pixel_mm)
    gm = mni_template.sample("gm", qx, qy, pixel_mm)
    return BRAIN_GAIN * (t1 - 0.3 * col(thin).astype(np.float32) * gm)


def _head(anat: dict) -> Scene:
    """Scalp (bright fat) and skull (dark bone and CSF) around each subject's brain."""
    lm = _landmarks()
    size = (anat["brain_volume_ml"] / 1150.0) ** (1 / 3)
    ax, ay = lm["ax"] * size, lm["ay"] * size
    sc = Scene(len(size))
    sc.ellipse(0, 0, ax + 13, ay + 13, 0, 650)  # scalp fat
    sc.ellipse(0, 0, ax + 7, ay + 7, 0, -560)  # skull: 90 left between brain and scalp
    sc.ellipse(0, 0, ax + 2, ay + 2, 0, -90)  # inside: the brain alone
    return sc


def _coordinates(transforms: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = shape
    jj, ii = np.meshgrid(np.arange(cols, dtype=np.float64), np.arange(rows, dtype=np.float64))
    pix = np.stack([jj.ravel(), ii.ravel(), np.ones(rows * cols)])  # (3, P)
    world = transforms @ pix  # (n, 3, P)
    x = (world[:, 0] / world[:, 2]).reshape(-1, rows, cols)
    y = (world[:, 1] / world[:, 2]).reshape(-1, rows, cols)
    return x, y


def render_slices(anat: dict, nuisance: dict, shapes: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Native (``t1_slice_80``) and template (``t1_mni_slice_80``) slices, float32 (n, rows, cols)."""
    n = len(anat["brain_volume_ml"])
    out = {}
    for name, fov, native in (("t1_slice_80", NATIVE_FOV_MM, True), ("t1_mni_slice_80", MNI_FOV_MM, False)):
        shape = shapes[name]
        g = pixel_grid(shape, fov)
        if native:
            shift = nuisance["shift_fraction"] * np.array([fov[1], fov[0]])
            pose = rotation(np.radians(nuisance["rotation_deg"]), 1.0, shift)
            transforms = np.linalg.inv(pose) @ g
        else:
            transforms = np.broadcast_to(g, (n, 3, 3))
        pixel_mm = fov[0] / shape[0]
        x, y = _coordinates(transforms, shape)
        img = _brain(anat, x, y, pixel_mm)
        if native:
            img += render(_head(anat), transforms, shape, 0.7 * pixel_mm)
        img *= nuisance["gain"].astype(np.float32)[:, None, None]
        img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(NOISE_SD)
        out[name] = img.astype(np.float32)
    return out

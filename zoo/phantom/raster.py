"""Scenes of analytic primitives and the pixel grids they are rendered on.

A renderer describes each subject's anatomy as capsules and ellipses in canonical
units (metres for DXA, millimetres for MRI), then renders them through a per-image
3×3 matrix from pixel (col, row) to canonical coordinates. Pose, scale, perspective and
resolution are all just that matrix, so registered and unregistered views of the same
anatomy come from one description.
"""
from __future__ import annotations

import numpy as np

from zoo.phantom._kernels import raster as _k

__all__ = ["Scene", "pixel_grid", "rotation", "render"]

_SHAPES = {"capsule": 0.0, "ellipse": 1.0}
_PROFILES = {"flat": 0.0, "dome": 1.0}


class Scene:
    """Primitives for ``n`` images, added one kind at a time with per-image values."""

    def __init__(self, n: int):
        if n < 1:
            raise ValueError(f"Expected at least one image in a scene, got n={n}")
        self.n = n
        self._rows: list[np.ndarray] = []

    def _add(self, shape, profile, cx, cy, a, b, angle, amp) -> None:
        if profile not in _PROFILES:
            raise ValueError(f"Expected profile in {sorted(_PROFILES)}, got {profile!r}")
        cols = [np.broadcast_to(np.asarray(v, dtype=np.float64), (self.n,)) for v in (cx, cy, a, b, angle, amp)]
        cx, cy, a, b, angle, amp = cols
        if np.any(a <= 0) or np.any(b <= 0):
            raise ValueError("Expected positive primitive sizes (a, b)")
        row = np.empty((self.n, _k.N_FIELDS))
        row[:, 0] = _SHAPES[shape]
        row[:, 1] = _PROFILES[profile]
        row[:, 2], row[:, 3], row[:, 4], row[:, 5] = cx, cy, a, b
        row[:, 6], row[:, 7] = np.cos(angle), np.sin(angle)
        row[:, 8] = amp
        row[:, 9] = (a + b) if shape == "capsule" else np.maximum(a, b)
        self._rows.append(row)

    def capsule(self, cx, cy, half_length, radius, angle, amp, profile="dome") -> "Scene":
        """A segment of ``2*half_length`` along ``angle`` (radians from +x), thickened by
        ``radius``; ``dome`` gives the chord length of a cylinder (a projection image)."""
        self._add("capsule", profile, cx, cy, half_length, radius, angle, amp)
        return self

    def ellipse(self, cx, cy, rx, ry, angle, amp, profile="flat") -> "Scene":
        self._add("ellipse", profile, cx, cy, rx, ry, angle, amp)
        return self

    def array(self, edge: float) -> np.ndarray:
        if not self._rows:
            raise ValueError("Expected at least one primitive in the scene")
        prims = np.stack(self._rows, axis=1)
        # squared bounding radius, widened by the soft edge
        prims[:, :, 9] = (prims[:, :, 9] + 2.0 * edge) ** 2
        return np.ascontiguousarray(prims)


def pixel_grid(shape: tuple[int, int], fov: tuple[float, float], centre=(0.0, 0.0)) -> np.ndarray:
    """3×3 matrix from pixel (col, row, 1) to canonical (x, y, 1) for an image of
    ``shape`` (rows, cols) covering ``fov`` (height, width) canonical units around
    ``centre`` (x, y); x grows with the column, y with the row."""
    rows, cols = shape
    py, px = fov[0] / rows, fov[1] / cols
    return np.array(
        [
            [px, 0.0, centre[0] - fov[1] / 2 + 0.5 * px],
            [0.0, py, centre[1] - fov[0] / 2 + 0.5 * py],
            [0.0, 0.0, 1.0],
        ]
    )


def rotation(angle, scale=1.0, shift=(0.0, 0.0)) -> np.ndarray:
    """(n, 3, 3) similarity transforms x -> scale * R(angle) x + shift, vectorised."""
    angle = np.atleast_1d(np.asarray(angle, dtype=np.float64))
    n = angle.shape[0]
    scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), (n,))
    shift = np.broadcast_to(np.asarray(shift, dtype=np.float64), (n, 2))
    m = np.zeros((n, 3, 3))
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, -s, s, c
    m[:, :2, 2] = shift
    m[:, 2, 2] = 1.0
    return m


def render(scene: Scene, transforms: np.ndarray, shape: tuple[int, int], edge: float, background=0.0) -> np.ndarray:
    """Render a scene to float32 images (n, rows, cols); ``transforms`` is one (3, 3)
    pixel→canonical matrix or one per image."""
    transforms = np.asarray(transforms, dtype=np.float64)
    if transforms.shape == (3, 3):
        transforms = np.broadcast_to(transforms, (scene.n, 3, 3))
    if transforms.shape != (scene.n, 3, 3):
        raise ValueError(f"Expected transforms of shape (3, 3) or ({scene.n}, 3, 3), got {transforms.shape}")
    if not edge > 0:
        raise ValueError(f"Expected a positive edge width, got {edge}")
    background = np.broadcast_to(np.asarray(background, dtype=np.float64), (scene.n,)).copy()
    out = np.empty((scene.n, int(shape[0]), int(shape[1])), dtype=np.float32)
    _k.render(scene.array(edge), np.ascontiguousarray(transforms), background, float(edge), out)
    return out

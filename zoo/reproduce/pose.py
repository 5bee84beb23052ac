"""Registration error against the phantom's known nuisance, before → after, in its own units.

The phantom records each subject's nuisance (``truth.json``), and every registration
records what it did (its pull matrix, flow field, phase or heart rate, beside its output
tensor). Composing the two tells where each registered pixel or frame really sits:

- images (brain template/VoxelMorph, DXA 12 homography/VoxelMorph): an output pixel ``q``
  samples the source at ``p(q)`` (the pull matrix or ``q + flow``), and the source pixel
  ``p`` shows anatomy at ``N⁻¹(p)``, ``N`` the subject's known pose (brain, mm) or
  homography (DXA, aligned pixels). The spread is the RMS distance of each subject's
  anatomical coordinate at each output pixel from the cohort's mean coordinate there
  (before registration ``p(q) = q``); the error is the part of that spread the known
  nuisance parameters explain (least squares across subjects), which perfect registration
  takes to 0. The whole spread is reported too: a transform with scale (affine,
  homography) also evens out real differences in size and shape, which adds to it.
- cine (DeepCycle): the phase of frame 0 (cycle fractions) — the known start phase before,
  start phase minus the frames rolled over the frame count after; the error is its RMS
  circular deviation from the cohort's circular mean, in % of the cycle.
- ECG (median beat): the strip's start phase before (as for the cine), and after the error
  of the heart rate the method measured against the phantom's, in bpm: the median beat
  puts every beat's R peak at one place by construction, so how well it found the beats is
  what is left to check.

The cine's pose is not measured: the catalogue cuts each cine to its own heart's bounding
box, so a stored pixel has no fixed place in the phantom's frame.
"""
from __future__ import annotations

import numpy as np

from zoo.phantom.raster import pixel_grid, rotation
from zoo.phantom.render_brain import NATIVE_FOV_MM
from zoo.reproduce.quality import nuisance_design

__all__ = ["registration_errors", "Spread", "coordinate_spread", "circular_spread"]


class Spread:
    """RMS over subjects and points of the distance of each subject's coordinates from the
    subjects' mean at each point, and of the part of that deviation a design (subjects ×
    variables) explains by least squares per coordinate; subjects added a chunk at a time,
    so memory does not grow with the cohort."""

    def __init__(self, design: np.ndarray | None = None):
        x = None if design is None else np.asarray(design, dtype=np.float64)
        self.design = None if x is None else x - x.mean(axis=0)     # centred over every subject
        self.n = self.points = 0
        self.total = self.squares = self.cross = None

    def add(self, coords: np.ndarray, rows: slice | np.ndarray | None = None) -> None:
        """``coords`` (subjects, points, 2) of the subjects ``rows`` of the design."""
        flat = np.asarray(coords, dtype=np.float64).reshape(len(coords), -1)
        if self.total is None:
            self.points = coords.shape[1]
            self.total, self.squares = np.zeros(flat.shape[1]), 0.0
            self.cross = None if self.design is None else np.zeros((self.design.shape[1], flat.shape[1]))
        self.n += len(flat)
        self.total += flat.sum(axis=0)
        self.squares += float(np.einsum("ij,ij->", flat, flat))
        if self.design is not None:
            # xᵀ(c − mean) = xᵀc for a centred x: the mean is not needed chunk by chunk
            self.cross += self.design[slice(None) if rows is None else rows].T @ flat

    def spread(self) -> float:
        mean = self.total / self.n
        return float(np.sqrt(max(self.squares - self.n * mean @ mean, 0.0) / (self.n * self.points)))

    def explained(self) -> float:
        """The fitted part's RMS: its sum of squares is trace(Bᵀ (XᵀX)⁻¹ B), B = Xᵀc."""
        gram = self.design.T @ self.design
        ss = float(np.sum(self.cross * np.linalg.lstsq(gram, self.cross, rcond=None)[0]))
        return float(np.sqrt(max(ss, 0.0) / (self.n * self.points)))


def coordinate_spread(coords: np.ndarray, design: np.ndarray | None = None) -> float:
    """``Spread`` of one array of coordinates (subjects, points, 2): the whole spread, or
    with ``design`` the part it explains."""
    acc = Spread(design)
    acc.add(coords)
    return acc.spread() if design is None else acc.explained()


def circular_spread(fractions: np.ndarray) -> float:
    """RMS circular deviation, in cycle fractions, of ``fractions`` (of a cycle) from their
    circular mean."""
    angles = 2 * np.pi * np.asarray(fractions, dtype=np.float64)
    centre = np.angle(np.exp(1j * angles).mean())
    deviation = np.angle(np.exp(1j * (angles - centre)))
    return float(np.sqrt((deviation ** 2).mean()) / (2 * np.pi))


def _output_pixels(shape) -> np.ndarray:
    """(P, 2) every (row, col) of an image of ``shape``."""
    rows, cols = np.meshgrid(np.arange(shape[0], dtype=np.float64), np.arange(shape[1], dtype=np.float64),
                             indexing="ij")
    return np.column_stack([rows.ravel(), cols.ravel()])


def _pulled(pixels: np.ndarray, matrices: np.ndarray) -> np.ndarray:
    """(n, P, 2) source (row, col) of each output (row, col) under (n, 3, 3) pull matrices."""
    homog = np.column_stack([pixels, np.ones(len(pixels))])              # (P, 3)
    src = np.einsum("nij,pj->npi", matrices.astype(np.float64), homog)
    return src[..., :2] / src[..., 2:3]


def _flowed(pixels: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """(n, P, 2) source (row, col) of each output pixel under (n, H, W, 2) displacements."""
    return pixels[None] + flows.reshape(len(flows), -1, 2).astype(np.float64)


def _to_anatomy(source_rc: np.ndarray, source_to_anatomy: np.ndarray) -> np.ndarray:
    """(n, P, 2) anatomical (x, y) of source pixels (row, col) under per-subject (n, 3, 3)
    maps of pixel (col, row, 1)."""
    homog = np.concatenate([source_rc[..., ::-1], np.ones(source_rc.shape[:2] + (1,))], axis=-1)
    out = np.einsum("nij,npj->npi", source_to_anatomy, homog)
    return out[..., :2] / out[..., 2:3]


def _series(truth: dict, tensor: str, key: str, rows: np.ndarray) -> np.ndarray:
    primary = truth["nuisance"][truth["instances"]["primary"]][tensor]
    values = np.asarray(primary[key], dtype=np.float64)
    return values.reshape(len(truth["sample_ids"]), *values.shape[1:])[rows]


def _source_to_anatomy(truth: dict, source: str, rows: np.ndarray, shape) -> tuple[np.ndarray, str] | None:
    """Per-subject maps of source pixel (col, row, 1) to the phantom's nuisance-free frame,
    and its unit; None for a tensor without a geometric nuisance the phantom records."""
    if source == "t1_slice_80":
        pose = rotation(np.radians(_series(truth, source, "rotation_deg", rows)), 1.0,
                        _series(truth, source, "shift_mm", rows))
        return np.linalg.inv(pose) @ pixel_grid(shape[:2], NATIVE_FOV_MM), "mm"
    if source == "dxa_12":
        # the homography maps the aligned pixel (col, row, 1) to the observed one
        return np.linalg.inv(_series(truth, source, "homography", rows)), "px"
    return None


def _rows_of(store, truth: dict, tensors) -> tuple[np.ndarray, np.ndarray]:
    """Store rows present in every one of ``tensors``, and the same subjects' truth rows."""
    present = np.logical_and.reduce([store.present(t) for t in tensors])
    rows = np.flatnonzero(present)
    order = {sid: i for i, sid in enumerate(truth["sample_ids"])}
    return rows, np.array([order[store.sample_ids[r]] for r in rows], dtype=np.int64)


# subjects composed at a time: (chunk, output pixels, 2) float64 arrays of a few MB
_CHUNK = 128


def _geometric(store, truth: dict, reg) -> dict | None:
    extra = f"{reg.out}_transform" if f"{reg.out}_transform" in store else f"{reg.out}_flow"
    if extra not in store:
        return None
    rows, truth_rows = _rows_of(store, truth, (reg.source, reg.out, extra))
    shape = store.spec(reg.source).shape
    mapped = _source_to_anatomy(truth, reg.source, truth_rows, shape)
    if mapped is None or not rows.size:
        return None
    to_anatomy, unit = mapped
    pixels = _output_pixels(store.spec(reg.out).shape)
    # the part of the misalignment the known nuisance explains: what registration is for;
    # the rest of it after registration is the method's own error, or anatomy it evened out
    design = nuisance_design(truth, reg.source, [store.sample_ids[r] for r in rows])
    before, after = Spread(design), Spread(design)
    for a in range(0, len(rows), _CHUNK):
        part = slice(a, a + _CHUNK)
        chunk = rows[part]
        # one contiguous read of the store rows the chunk spans, then its present rows
        recorded = np.asarray(store[extra][chunk[0]:chunk[-1] + 1], dtype=np.float64)[chunk - chunk[0]]
        pulled = _pulled(pixels, recorded) if extra.endswith("_transform") else _flowed(pixels, recorded)
        before.add(_to_anatomy(np.broadcast_to(pixels, pulled.shape), to_anatomy[part]), part)
        after.add(_to_anatomy(pulled, to_anatomy[part]), part)
    explained = {} if design is None else {"before": before.explained(), "after": after.explained()}
    return {"measure": "misalignment the known pose explains (RMS)", "unit": unit, **explained,
            "total_before": before.spread(), "total_after": after.spread(), "n": int(rows.size)}


def _recorded(store, truth: dict, reg, suffix: str):
    """What the registration recorded beside its output (``{out}{suffix}``) for the subjects
    present in source, output and record, with their truth rows; None when it recorded none."""
    extra = f"{reg.out}{suffix}"
    if extra not in store:
        return None
    rows, truth_rows = _rows_of(store, truth, (reg.source, reg.out, extra))
    return np.asarray(store[extra][:], dtype=np.float64)[rows], truth_rows


def _phase(store, truth: dict, reg) -> dict | None:
    found = _recorded(store, truth, reg, "_phase")
    if found is None:
        return None
    recorded, truth_rows = found
    frames = store.spec(reg.source).shape[-1]
    start = _series(truth, reg.source, "start_phase", truth_rows)
    # rolled[..., t] = cine[..., t - s]: the output's frame 0 is the source's frame -s
    return {"measure": "phase of frame 0 (RMS circular deviation)", "unit": "% of the cycle",
            "before": 100 * circular_spread(start), "after": 100 * circular_spread(start - recorded[:, 1] / frames),
            "n": len(truth_rows)}


def _median_beat(store, truth: dict, reg) -> dict | None:
    found = _recorded(store, truth, reg, "_heart_rate")
    if found is None:
        return None
    recorded, truth_rows = found
    start = _series(truth, reg.source, "start_phase", truth_rows)
    known = _series(truth, reg.source, "heart_rate_bpm", truth_rows)
    # the median beat centres every beat on its detected R peak, so the start phase is gone
    # by construction; how well it found the beats shows in the heart rate it measured
    return {"measure": "start phase of the strip (RMS circular deviation) → heart-rate error of the detected "
                       "beats (mean absolute)", "unit": "% of the cycle → bpm",
            "before": 100 * circular_spread(start), "after": float(np.mean(np.abs(recorded[:, 0] - known))),
            "n": len(truth_rows)}


def registration_errors(store, truth: dict, registrations) -> list[dict]:
    """One record per registration (``method``, ``source``, ``out``, and ``measure``,
    ``unit``, ``before``, ``after``, ``n`` where the phantom knows the nuisance it removes)."""
    out = []
    for reg in registrations:
        found = _geometric(store, truth, reg) or _phase(store, truth, reg) or _median_beat(store, truth, reg)
        out.append({"method": reg.method, "source": reg.source, "out": reg.out, **(found or {})})
    return out

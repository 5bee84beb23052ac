"""Which tensors a phantom subject holds, at which HDF5 paths and shapes (from the
fastio catalogue), and the rendering of one block of subjects into those arrays."""
from __future__ import annotations

import numpy as np

from fastio.catalogue import ECG_LEADS, get_spec
from zoo.phantom import render_brain, render_cardiac, render_dxa, render_ecg
from zoo.phantom.hd5 import Dataset

__all__ = ["DEFAULT_NUISANCE", "GROUPS", "PRIMARY", "REPEAT", "Geometry", "check_strength", "draw_nuisance", "ecg_text",
           "render_block", "subject_datasets"]

# ml4h's writer numbers each subject's visits instance_0, instance_1, ... (tensor_writer_ukbb)
PRIMARY, REPEAT = "instance_0", "instance_1"
# modality groups: a subject missing a modality misses every tensor of its group
GROUPS = {
    "dxa_2": ("dxa_2",),
    "dxa_5": ("dxa_5",),
    "dxa_11": ("dxa_11",),
    "dxa_12": ("dxa_12",),
    "ecg": ("ecg_rest", "ecg_rest_raw", "ecg_rest_median_raw_10"),
    "lax_4ch": ("lax_4ch_heart_center",),
    "brain": ("t1_slice_80", "t1_mni_slice_80"),
}
# Nuisance strength of a default cohort: pose, phase and acquisition geometry at a quarter
# of their largest amplitudes, where unregistered images keep a real share of the signal,
# as real ones do, and registration still has something to remove (the full run in
# benchmarks/results/reproduce.md: own-trait R² of the native brain slice 0.76 vs 0.90
# rigidly registered; DXA 12 0.76 vs 0.88 after homography).
DEFAULT_NUISANCE = 0.25
_IMAGES = ("dxa_2", "dxa_5", "dxa_11", "dxa_12", "t1_slice_80", "t1_mni_slice_80")


class Geometry:
    """Shapes and sampling rates of one scale, read from the catalogue."""

    def __init__(self, scale: str):
        self.scale = scale
        self.specs = {name: get_spec(name, scale) for name in sum(GROUPS.values(), ())}
        self.image_shapes = {name: self.specs[name].shape[:2] for name in _IMAGES}
        self.cine_crop = self.specs["lax_4ch_heart_center"].shape
        self.cine_shape = render_cardiac.padded_shape(self.cine_crop)
        strip = self.specs["ecg_rest_raw"].shape[0]
        self.fs = strip / render_ecg.STRIP_SECONDS
        median = self.specs["ecg_rest_median_raw_10"].shape[0]
        if abs(median - render_ecg.MEDIAN_SECONDS * self.fs) > 0.5:
            raise ValueError(
                f"Scale {scale}: expected a median beat of {render_ecg.MEDIAN_SECONDS} s "
                f"({render_ecg.MEDIAN_SECONDS * self.fs:g} samples at {self.fs:g} Hz), got {median}"
            )

    def bytes_per_subject(self) -> int:
        pixels = sum(int(np.prod(s)) for s in self.image_shapes.values()) + int(np.prod(self.cine_shape))
        return 4 * (pixels + 12 * int(self.fs * 11.2))


def check_strength(strength) -> float:
    if not isinstance(strength, (int, float)) or not 0.0 <= strength <= 1.0:
        raise ValueError(f"Expected a nuisance strength in [0, 1], got {strength!r}")
    return float(strength)


def draw_nuisance(n: int, rng: np.random.Generator, strength: float = DEFAULT_NUISANCE) -> dict[str, dict[str, np.ndarray]]:
    """Every modality's nuisance at ``strength`` (0: none; 1: the largest amplitudes)."""
    strength = check_strength(strength)
    return {
        "dxa": render_dxa.draw_nuisance(n, rng, strength),
        "ecg": render_ecg.draw_nuisance(n, rng, strength),
        "cardiac": render_cardiac.draw_nuisance(n, rng, strength),
        "brain": render_brain.draw_nuisance(n, rng, strength),
    }


def _int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def _uint16(x: np.ndarray) -> np.ndarray:
    # DXA exports are non-negative integer pixels (ml4h np.bincount's them)
    return np.clip(np.rint(x), 0, 65535).astype(np.uint16)


def ecg_text(rr_ms: np.ndarray) -> list[str]:
    """The ``ecg_rest_text`` interpretation ml4h requires, from the heart rate."""
    rate = 60_000.0 / np.asarray(rr_ms, dtype=np.float64)
    return [("Sinus bradycardia" if r < 60 else "Sinus tachycardia" if r > 100 else "Sinus rhythm")
            + f". Ventricular rate {r:.0f} BPM." for r in rate]


def render_block(anat: dict, nuisance: dict, geo: Geometry, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """All tensors of a block of subjects: DXA uint16, other images int16, ECG float32
    (µV), the cine's first-frame segmentation uint8 and the ECG text."""
    out = {}
    dxa = render_dxa.render_views(anat, nuisance["dxa"], geo.image_shapes, rng)
    out.update({k: _uint16(v)[..., None] for k, v in dxa.items()})
    ecg = render_ecg.render_ecg(anat, nuisance["ecg"], geo.fs, rng)
    out["strip"], out["median"] = ecg["strip"], ecg["median"]
    out["r_samples"], out["beats_used"] = ecg["r_samples"], ecg["beats_used"]
    out["ecg_text"] = ecg_text(anat["rr_ms"])
    out["lax_4ch_heart_center"] = _int16(render_cardiac.render_cine(anat, nuisance["cardiac"], geo.cine_crop, rng))
    out["lax_4ch_labels"] = render_cardiac.render_labels(anat, nuisance["cardiac"], geo.cine_crop)
    brain = render_brain.render_slices(anat, nuisance["brain"], geo.image_shapes, rng)
    out.update({k: _int16(v)[..., None] for k, v in brain.items()})
    return out


def subject_datasets(block: dict, i: int, geo: Geometry, instance: str, date: str, missing=()) -> list[Dataset]:
    """The datasets of subject ``i`` of a rendered block at one instance key."""
    attrs = {"date": date}
    sets = []
    for group, tensors in GROUPS.items():
        if group in missing:
            continue
        if group == "ecg":
            for kind, key in (("strip", "ecg_rest_raw"), ("median", "ecg_rest_median_raw_10")):
                prefix = geo.specs[key].path_prefix
                for c, lead in enumerate(ECG_LEADS):
                    sets.append(Dataset(f"/{prefix}/{kind}_{lead}/{instance}", block[kind][i, :, c], attrs))
            sets.append(Dataset(f"/{prefix}/ecg_rest_text/{instance}", np.array(block["ecg_text"][i]), attrs))
            continue
        for name in tensors:
            spec = geo.specs[name]
            sets.append(Dataset(f"/{spec.path_prefix}/{spec.dataset}/{instance}", block[name][i], attrs))
            if spec.crop_dataset:  # the cine's segmentation, where ml4h's heart crop reads it
                sets.append(Dataset(f"/{spec.path_prefix}/{spec.crop_dataset}/{instance}",
                                    block["lax_4ch_labels"][i], attrs))
    return sets

"""Small, deterministic ml4h-layout sample files: 12-lead ECG strips and median beats,
DXA whole-body images — plus deliberately broken files, so conversion's failure table has
something to show. Used by ``fastio demo``, the tests and the conversion benchmark.

Values are quantised like the real exports (ECG in integer µV, DXA as 16-bit pixels), so
codec measurements on them are not flattered by float noise or by runs of zeros.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fastio.catalogue import ECG_LEADS, get_spec

__all__ = ["BACKGROUND", "ecg_strip", "ecg_median", "dxa_image", "write_sample", "make_cohort", "Cohort", "BAD_KINDS"]

BACKGROUND = 252  # UK Biobank DXA scanner background value
# The kinds of broken file make_cohort can add (each one a row in failures).
BAD_KINDS = ("not_hdf5", "truncated", "missing_ecg", "nan_dxa", "wrong_rank_dxa", "duplicate")

# Per-lead projection of the three heart-vector components (a rough Einthoven/Wilson
# geometry: enough that the leads differ the way real leads do).
_LEAD_AXES = np.array([
    [1.0, 0.0, 0.0], [0.5, 0.87, 0.0], [-0.5, 0.87, 0.0],          # I, II, III
    [-0.3, 0.1, 0.9], [0.0, 0.2, 1.0], [0.4, 0.3, 0.8],            # V1-V3
    [0.7, 0.4, 0.5], [0.9, 0.4, 0.2], [1.0, 0.3, 0.0],             # V4-V6
    [0.0, 0.87, 0.0], [0.75, -0.43, 0.0], [-0.75, -0.43, 0.0],     # aVF, aVL, aVR
])
# (centre s, width s, amplitude µV, heart-vector direction) of P, Q, R, S, T.
_WAVES = (
    (-0.20, 0.025, 120.0, (0.6, 0.8, 0.1)),
    (-0.03, 0.010, -150.0, (0.3, 0.2, 0.9)),
    (0.00, 0.012, 1100.0, (0.6, 0.7, 0.3)),
    (0.03, 0.012, -300.0, (0.2, 0.6, -0.8)),
    (0.25, 0.060, 300.0, (0.7, 0.6, 0.4)),
)


def _beat(phase: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One beat's 12-lead waveform at times ``phase`` (s, 0 = R peak) → (len, 12)."""
    out = np.zeros((phase.size, len(ECG_LEADS)))
    for centre, width, amp, direction in _WAVES:
        gain = amp * rng.uniform(0.8, 1.2)
        proj = _LEAD_AXES @ np.asarray(direction)
        out += (gain * np.exp(-0.5 * ((phase - centre) / width) ** 2))[:, None] * proj[None, :]
    return out


def ecg_strip(rng: np.random.Generator, length: int = 5000, seconds: float = 10.0) -> np.ndarray:
    """A 12-lead resting strip (length, 12) in integer µV (int16)."""
    fs = length / seconds
    t = np.arange(length) / fs
    rr = 60.0 / rng.uniform(50, 95)
    offset = rng.uniform(0, rr)
    phase = (t - offset + rr / 2) % rr - rr / 2
    x = _beat(phase, rng)
    wander = 60 * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t + rng.uniform(0, 6.3))
    x += wander[:, None] * rng.uniform(0.5, 1.0, size=len(ECG_LEADS))[None, :]
    x += rng.normal(0, 12, size=x.shape)
    return np.round(x).astype(np.int16)


def ecg_median(rng: np.random.Generator, length: int = 600, seconds: float = 1.2) -> np.ndarray:
    """A 12-lead median beat (length, 12), R peak at 40 % of the window, integer µV."""
    t = np.arange(length) * seconds / length - 0.4 * seconds
    x = _beat(t, rng) + rng.normal(0, 3, size=(length, len(ECG_LEADS)))
    return np.round(x).astype(np.int16)


def dxa_image(rng: np.random.Generator, shape: tuple[int, int] = (768, 768)) -> np.ndarray:
    """A whole-body DXA-like image (H, W) uint16 — no channel axis, as on disk."""
    h, w = shape
    # Separable coordinates broadcast to (h, w): a quarter of the work of a full mgrid.
    y = (np.arange(h, dtype=np.float32) / h)[:, None]
    x = (np.arange(w, dtype=np.float32) / w)[None, :]
    cx = 0.5 + rng.uniform(-0.05, 0.05)
    width = rng.uniform(0.12, 0.2)
    body = ((x - cx) / width) ** 2 + ((y - 0.5) / 0.3) ** 2 < 1.0
    head = ((x - cx) / 0.07) ** 2 + ((y - 0.12) / 0.08) ** 2 < 1.0
    leg_x = np.abs(np.abs(x - cx) - width * 0.45)
    legs = (leg_x < 0.05) & (y > 0.6) & (y < 0.97)
    tissue = body | head | legs
    bone = ((np.abs(x - cx) < 0.015) & (y > 0.2) & (y < 0.7)) | ((leg_x < 0.015) & (y > 0.62) & (y < 0.95))
    # Outside the body the exports hold the scanner's background value 252 (ml4h erases it).
    img = np.where(tissue, np.float32(900 * rng.uniform(0.8, 1.2)), np.float32(BACKGROUND))
    img += np.float32(1800) * bone
    noise = rng.standard_normal(size=shape, dtype=np.float32) * np.float32(25)
    img += np.where(tissue, noise, np.float32(0))
    return np.clip(np.round(img), 0, 65535).astype(np.uint16)


def write_sample(path: str | os.PathLike, rng: np.random.Generator, scale: str = "full",
                 ecg: bool = True, dxa: bool = True, extra_instances: bool = False) -> None:
    """Write one ml4h-layout file: ``ukb_ecg_rest/{strip,median}_{lead}/instance_*`` and
    ``ukb_dxa/dxa_1_2/instance_*``. With ``extra_instances`` the file also holds
    ``instance_2`` and ``instance_10`` (numeric-aware order: 0 < 2 < 10)."""
    import h5py

    strip_len = get_spec("ecg_rest", scale).shape[0]
    median_len = get_spec("ecg_rest_median_raw_10", scale).shape[0]
    dxa_shape = get_spec("dxa_2", scale).shape[:2]
    instances = ["instance_0", "instance_2", "instance_10"] if extra_instances else ["instance_0"]
    with h5py.File(str(path), "w") as h5:
        for inst in instances:
            if ecg:
                strip, median = ecg_strip(rng, strip_len), ecg_median(rng, median_len)
                for i, lead in enumerate(ECG_LEADS):
                    kw = dict(compression="gzip")
                    h5.create_dataset(f"ukb_ecg_rest/strip_{lead}/{inst}", data=strip[:, i], **kw)
                    h5.create_dataset(f"ukb_ecg_rest/median_{lead}/{inst}", data=median[:, i], **kw)
            if dxa:
                ds = h5.create_dataset(f"ukb_dxa/dxa_1_2/{inst}", data=dxa_image(rng, dxa_shape),
                                       compression="gzip")
                ds.attrs["date"] = "2019-01-01"


@dataclass(frozen=True)
class Cohort:
    """What :func:`make_cohort` wrote: good sample ids and the broken files by kind."""

    root: str
    good: tuple[str, ...]
    bad: dict[str, str] = field(default_factory=dict)  # kind -> file (relative to root)

    def to_dict(self) -> dict:
        return {"root": self.root, "good": list(self.good), "bad": dict(self.bad)}

    @classmethod
    def from_dict(cls, data: dict) -> "Cohort":
        return cls(root=data["root"], good=tuple(data["good"]), bad=dict(data["bad"]))


def make_cohort(out_dir: str | os.PathLike, n: int = 32, scale: str = "full", seed: int = 0,
                bad: bool | tuple[str, ...] = True, first_id: int = 1000000) -> Cohort:
    """Write ``n`` good sample files (every third with extra instances) and, with ``bad``,
    one broken file per kind in ``BAD_KINDS`` (or the kinds named). Deterministic."""
    if n < 1:
        raise ValueError(f"Expected n >= 1, got {n}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    good = []
    for i in range(n):
        sid = str(first_id + i)
        write_sample(out / f"{sid}.hd5", np.random.default_rng([seed, i]), scale, extra_instances=i % 3 == 1)
        good.append(sid)
    kinds = BAD_KINDS if bad is True else tuple(bad or ())
    unknown = set(kinds) - set(BAD_KINDS)
    if unknown:
        raise ValueError(f"Expected bad kinds from {BAD_KINDS}, got {sorted(unknown)}")
    broken: dict[str, str] = {}
    for j, kind in enumerate(kinds):
        rng = np.random.default_rng([seed, 10_000 + j])
        name = f"bad_{kind}.hd5"
        path = out / name
        if kind == "not_hdf5":
            path.write_text("sample_id,value\n1,2\n")
        elif kind == "truncated":
            write_sample(path, rng, scale)
            size = path.stat().st_size
            with open(path, "r+b") as f:
                f.truncate(size // 2)
        elif kind == "missing_ecg":
            write_sample(path, rng, scale, ecg=False)
        elif kind in ("nan_dxa", "wrong_rank_dxa"):
            import h5py

            write_sample(path, rng, scale, dxa=False)
            img = dxa_image(rng, get_spec("dxa_2", scale).shape[:2]).astype(np.float32)
            if kind == "nan_dxa":
                img[10:20, 10:20] = np.nan
            else:
                img = img.ravel()
            with h5py.File(str(path), "a") as h5:
                h5.create_dataset("ukb_dxa/dxa_1_2/instance_0", data=img)
        elif kind == "duplicate":
            # The same sample id again, in a sub-folder (two exports merged by hand).
            (out / "copy").mkdir(exist_ok=True)
            name = f"copy/{good[0]}.hd5"
            shutil.copyfile(out / f"{good[0]}.hd5", out / name)
        broken[kind] = name
    if "duplicate" in broken:
        good.remove(good[0])
    return Cohort(root=str(out), good=tuple(good), bad=broken)

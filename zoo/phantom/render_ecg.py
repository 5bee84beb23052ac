"""12-lead ECG: a heart vector of Gaussian waves projected on the lead axes.

Only I, II and V1–V6 are independent. III, aVR, aVL and aVF are computed from I and II
in float32 exactly as ``III = II - I``, ``aVR = -(I + II) / 2``, ``aVL = I - II / 2`` and
``aVF = II - I / 2`` (Einthoven/Goldberger), in strips and in median beats alike.

The strip carries the nuisance (random start phase, respiratory heart-rate variability,
baseline wander, noise); the median beat is the per-sample median of the strip's
R-aligned beats, which is what temporal registration means for an ECG.
"""
from __future__ import annotations

import numpy as np

from fastio.catalogue import ECG_LEADS
from zoo.phantom._kernels import ecg as _k

__all__ = ["draw_nuisance", "beat_times", "render_ecg", "derive_limb_leads", "R_FRACTION", "STRIP_SECONDS"]

STRIP_SECONDS = 10.0
MEDIAN_SECONDS = 1.2
R_FRACTION = 0.4  # position of the R peak in the median-beat window
NOISE_UV = 12.0
INDEPENDENT = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")

# lead axes in (x left, y inferior, z anterior); precordial leads lie in the horizontal plane
_PRECORDIAL_DEG = (120.0, 95.0, 75.0, 55.0, 30.0, 0.0)
LEAD_AXES = np.array(
    [[1.0, 0.0, 0.0], [0.5, np.sqrt(3) / 2, 0.0]]
    + [[np.cos(np.radians(a)), 0.15, np.sin(np.radians(a))] for a in _PRECORDIAL_DEG]
)


def draw_nuisance(n: int, rng: np.random.Generator, strength: float = 1.0) -> dict[str, np.ndarray]:
    """``strength`` scales the start phase, the heart-rate variability and the baseline
    wander (what the median beat removes); at 0 every strip starts on an R peak."""
    return {
        "start_phase": strength * rng.random(n),  # fraction of an RR interval before the first R
        "hrv_amplitude": strength * rng.uniform(0.02, 0.08, n),
        "resp_period_s": rng.uniform(3.0, 5.0, n),
        "resp_phase": rng.uniform(0.0, 2 * np.pi, n),
        "wander_uv": strength * rng.uniform(20.0, 120.0, n),
        "wander_hz": rng.uniform(0.1, 0.35, n),
        "t_amplitude": rng.normal(1.0, 0.1, n),
    }


def beat_times(rr_s: np.ndarray, nuisance: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """R-peak times (n, K) seconds (NaN padded) and counts, covering one beat before the
    strip to one after it. Beat-to-beat RR = mean RR x (1 + respiratory sine + jitter)."""
    n = len(rr_s)
    k_max = int(np.ceil((STRIP_SECONDS + 2.0) / (0.8 * rr_s.min()))) + 3
    times = np.full((n, k_max), np.nan)
    t = nuisance["start_phase"] * rr_s - rr_s  # one beat before the strip starts
    jitter = rng.standard_normal((n, k_max)) * 0.015
    alive = np.ones(n, bool)
    counts = np.zeros(n, dtype=np.int64)
    for k in range(k_max):
        times[alive, k] = t[alive]
        counts[alive] += 1
        resp = np.sin(2 * np.pi * t / nuisance["resp_period_s"] + nuisance["resp_phase"])
        t = t + rr_s * (1.0 + nuisance["hrv_amplitude"] * resp + jitter[:, k])
        alive &= t < STRIP_SECONDS + 1.0
        if not alive.any():
            break
    return times, counts


def derive_limb_leads(lead_i: np.ndarray, lead_ii: np.ndarray) -> dict[str, np.ndarray]:
    """III, aVR, aVL, aVF from I and II (float32 in, float32 out, fixed operation order)."""
    two = np.float32(2.0)
    return {
        "III": lead_ii - lead_i,
        "aVR": -(lead_i + lead_ii) / two,
        "aVL": lead_i - lead_ii / two,
        "aVF": lead_ii - lead_i / two,
    }


def _morphology(anat: dict, nuisance: dict):
    """Per-subject wave offsets (s), widths (s) and 3-D amplitudes (µV): P, q, R, S, T."""
    n = len(anat["qrs_ms"])
    qrs = anat["qrs_ms"] / 1000.0
    rr = anat["rr_ms"] / 1000.0
    volt = 1000.0 * (anat["lv_mass_g"] / 100.0) ** 0.8
    offset = np.stack([np.full(n, -0.16), -0.3 * qrs, np.zeros(n), 0.3 * qrs, 0.06 + 0.24 * np.sqrt(rr) + 0.5 * qrs], 1)
    width = np.stack([np.full(n, 0.022), 0.09 * qrs, 0.12 * qrs, 0.1 * qrs, np.full(n, 0.045)], 1)
    dirs = np.array([[0.55, 0.8, 0.2], [-0.6, 0.2, 0.75], [0.62, 0.72, -0.1], [-0.35, -0.25, -0.85], [0.5, 0.7, 0.35]])
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    amp = np.stack([np.full(n, 120.0), np.full(n, 180.0), volt, 0.35 * volt, 280.0 * nuisance["t_amplitude"]], 1)
    return offset, width, amp[:, :, None] * dirs[None]


def render_ecg(anat: dict, nuisance: dict, fs: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Strips (n, T, 12) and median beats (n, S, 12) float32 in ECG_LEADS order, µV,
    plus the R-peak sample indices (n, K; -1 padded) the median used."""
    n = len(anat["qrs_ms"])
    n_t = int(round(STRIP_SECONDS * fs))
    n_s = int(round(MEDIAN_SECONDS * fs))
    pre = int(round(R_FRACTION * n_s))
    times, counts = beat_times(anat["rr_ms"] / 1000.0, nuisance, rng)
    offset, width, amp = _morphology(anat, nuisance)
    vec = np.zeros((n, n_t, 3), dtype=np.float32)
    _k.heart_vector(np.nan_to_num(times, nan=-100.0), counts, offset, width, amp, float(fs), vec)
    leads = vec @ LEAD_AXES.T.astype(np.float32)  # (n, T, 8)
    t = np.arange(n_t, dtype=np.float32) / np.float32(fs)
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 8)).astype(np.float32)
    wander = np.sin(2 * np.pi * nuisance["wander_hz"].astype(np.float32)[:, None, None] * t[None, :, None] + phase)
    leads += wander * nuisance["wander_uv"].astype(np.float32)[:, None, None]
    leads += rng.standard_normal(leads.shape, dtype=np.float32) * np.float32(NOISE_UV)
    r_samples = np.where(np.isnan(times), -10 * n_t, np.rint(np.nan_to_num(times) * fs)).astype(np.int64)
    medians = np.zeros((n, n_s, 8), dtype=np.float32)
    used = np.zeros(n, dtype=np.int64)
    _k.aligned_median(leads, r_samples, counts, pre, medians, used)
    if np.any(used == 0):
        raise ValueError(f"ECG: expected at least one complete beat per strip, got none for {int((used == 0).sum())} subjects")
    return {
        "strip": _twelve(leads),
        "median": _twelve(medians),
        "r_samples": np.where((r_samples >= 0) & (r_samples < n_t), r_samples, -1),
        "beats_used": used,
    }


def _twelve(eight: np.ndarray) -> np.ndarray:
    named = {name: np.ascontiguousarray(eight[..., i]) for i, name in enumerate(INDEPENDENT)}
    named.update(derive_limb_leads(named["I"], named["II"]))
    return np.stack([named[lead] for lead in ECG_LEADS], axis=-1)

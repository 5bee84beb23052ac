"""Temporal registration of 12-lead ECG strips: the median beat, aligned at the R peak.

Steps: (1) QRS detection on a combined lead energy — every lead band-passed to the QRS
band (5–20 Hz), differentiated, squared, summed over leads and smoothed over ~100 ms
(Pan–Tompkins style, but on all leads at once so no single noisy lead decides); peaks with
a 250 ms refractory period above an adaptive threshold. (2) Each detection is refined to
the maximum of the high-passed (baseline-free) combined energy within ±60 ms, the R
fiducial. (3) A window of ``round(1.2 * fs)`` samples is cut around every R fiducial with
the R peak at index :data:`R_POSITION` × window (one third: 0.4 s before, 0.8 s after, so a
window holds P wave, QRS and T wave). (4) Baseline wander is removed by a zero-phase
0.5 Hz high-pass (optional). (5) Outlier beats are rejected: RR-interval outliers
(premature or dropped beats), and beats whose shape correlates poorly with the provisional
median, or whose amplitude departs from the others. (6) The per-sample median over the kept
beats is the median beat, in the strip's lead order (ML4H_COMPAT.md: I, II, III, V1–V6,
aVF, aVL, aVR).
"""
from __future__ import annotations

import numpy as np

__all__ = ["R_POSITION", "detect_r_peaks", "median_beat", "beat_window"]

# The R peak sits at this fraction of the median-beat window (index 200 of 600 at 500 Hz).
R_POSITION = 1.0 / 3.0
BEAT_SECONDS = 1.2
REFRACTORY_S = 0.25


def beat_window(fs: float) -> tuple[int, int]:
    """(window length, R index) of a median beat at sampling rate ``fs``."""
    length = int(round(BEAT_SECONDS * fs))
    return length, int(round(R_POSITION * length))


def _check_strip(strip, fs) -> np.ndarray:
    strip = np.asarray(strip, dtype=np.float64)
    if strip.ndim == 1:
        strip = strip[:, None]
    if strip.ndim != 2:
        raise ValueError(f"Expected an ECG strip of shape (samples, leads), got shape {strip.shape}")
    if not fs > 0:
        raise ValueError(f"Expected a positive sampling rate fs, got {fs!r}")
    if strip.shape[0] < 2 * BEAT_SECONDS * fs:
        raise ValueError(
            f"Expected a strip of at least {2 * BEAT_SECONDS} s ({int(2 * BEAT_SECONDS * fs)} samples at "
            f"{fs} Hz), got {strip.shape[0]} samples"
        )
    if not np.all(np.isfinite(strip)):
        raise ValueError("Expected a finite ECG strip, got NaN or infinite values")
    return strip


def _filter(x: np.ndarray, fs: float, low: float | None, high: float | None) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    nyq = fs / 2.0
    if high is not None and high >= nyq * 0.95:
        high = None
    if low is not None and high is not None:
        sos = butter(2, [low / nyq, high / nyq], btype="band", output="sos")
    elif low is not None:
        sos = butter(2, low / nyq, btype="high", output="sos")
    elif high is not None:
        sos = butter(2, high / nyq, btype="low", output="sos")
    else:
        return x
    return sosfiltfilt(sos, x, axis=0)


def detect_r_peaks(strip, fs: float = 500.0, *, highpassed: np.ndarray | None = None) -> np.ndarray:
    """Indices of the R fiducials of a (samples, leads) strip (see module docstring).
    ``highpassed``: the strip already high-passed at 0.5 Hz, if the caller has it."""
    from scipy.signal import find_peaks

    strip = _check_strip(strip, fs)
    band = _filter(strip, fs, 5.0, 20.0)
    energy = np.sum(np.square(np.gradient(band, axis=0)), axis=1)
    width = max(1, int(round(0.1 * fs)))
    smooth = np.convolve(energy, np.ones(width) / width, mode="same")
    # Adaptive threshold: a fraction of a robust maximum (the 98th percentile ignores a
    # single artefact spike that would otherwise hide every normal beat).
    threshold = 0.3 * np.percentile(smooth, 98)
    peaks, _ = find_peaks(smooth, height=threshold, distance=max(1, int(REFRACTORY_S * fs)))
    if highpassed is None:
        highpassed = _filter(strip, fs, 0.5, None)
    baseline_free = np.sum(np.square(highpassed), axis=1)
    half = max(1, int(round(0.06 * fs)))
    refined = []
    for p in peaks:
        lo, hi = max(0, p - half), min(len(strip), p + half + 1)
        refined.append(lo + int(np.argmax(baseline_free[lo:hi])))
    return np.unique(np.asarray(refined, dtype=np.int64))


def _reject_outliers(beats: np.ndarray, peaks: np.ndarray, min_corr: float) -> np.ndarray:
    keep = np.ones(len(beats), bool)
    if len(peaks) >= 4:
        rr = np.diff(peaks).astype(float)
        med = np.median(rr)
        # A beat is premature if the interval before it is short, and a pause follows a
        # dropped one; both distort the beat's shape or its neighbours'.
        before = np.r_[med, rr]
        keep &= np.abs(before - med) < 0.2 * med
    if keep.sum() < 2:
        keep[:] = True
    centred = beats - beats.mean(axis=1, keepdims=True)
    flat = centred.reshape(len(beats), -1)
    norms = np.linalg.norm(flat, axis=1)
    amp = np.ptp(beats, axis=1).mean(axis=1)
    for _ in range(2):
        template = np.median(centred[keep], axis=0).ravel()
        denom = norms * np.linalg.norm(template)
        corr = np.divide(flat @ template, denom, out=np.zeros(len(beats)), where=denom > 0)
        med_amp = np.median(amp[keep])
        mad = np.median(np.abs(amp[keep] - med_amp)) + 1e-12
        new_keep = keep & (corr >= min_corr) & (np.abs(amp - med_amp) <= 5 * 1.4826 * mad + 0.2 * med_amp)
        if new_keep.sum() < 2:
            break
        keep = new_keep
    return keep


def median_beat(strip, fs: float = 500.0, out_len: int | None = None, *, min_corr: float = 0.8,
                remove_baseline: bool = True, return_info: bool = False):
    """The median beat of a (samples, leads) strip: ``(round(1.2 * fs), leads)``.

    The R peak is at index ``round(len / 3)`` (200 of 600 at 500 Hz). ``out_len`` resamples
    the beat to that many samples (linear interpolation) — e.g. 600 for a strip recorded at a
    rate other than 500 Hz. ``remove_baseline`` high-passes the strip at 0.5 Hz (zero-phase)
    first, so baseline wander does not tilt the beats being averaged. With ``return_info`` also returns a dict with the R peaks, the
    kept-beat mask and the heart rate.
    """
    strip = _check_strip(strip, fs)
    length, r_index = beat_window(fs)
    highpassed = _filter(strip, fs, 0.5, None)
    peaks = detect_r_peaks(strip, fs, highpassed=highpassed)
    usable = peaks[(peaks - r_index >= 0) & (peaks - r_index + length <= len(strip))]
    if len(usable) < 1:
        raise ValueError(
            f"Expected at least one complete beat in the ECG strip ({len(strip)} samples at {fs} Hz), "
            f"found {len(peaks)} R peaks and none with a full {BEAT_SECONDS} s window"
        )
    source = highpassed if remove_baseline else strip
    beats = np.stack([source[p - r_index : p - r_index + length] for p in usable])
    keep = _reject_outliers(beats, usable, min_corr)
    beat = np.median(beats[keep], axis=0)
    if out_len is not None:
        out_len = int(out_len)
        if out_len < 2:
            raise ValueError(f"Expected out_len >= 2, got {out_len}")
        src = np.linspace(0.0, 1.0, length)
        dst = np.linspace(0.0, 1.0, out_len)
        beat = np.stack([np.interp(dst, src, beat[:, c]) for c in range(beat.shape[1])], axis=1)
    beat = beat.astype(np.float32)
    if not return_info:
        return beat
    rr = np.diff(peaks) / fs
    info = {
        "r_peaks": peaks,
        "used_peaks": usable,
        "kept": keep,
        "heart_rate_bpm": float(60.0 / np.median(rr)) if len(rr) else float("nan"),
    }
    return beat, info

"""ECG kernels: heart-vector synthesis from Gaussian waves and R-aligned median beats."""
from __future__ import annotations

import math

import numpy as np

from fastio._jit import jit


@jit(fastmath=True)
def heart_vector(beat_times, n_beats, wave_offset, wave_width, wave_amp, fs, out):
    """Sum Gaussian waves of every beat into a 3-D heart vector.

    beat_times (B, K) seconds of each R peak (first n_beats[b] valid); wave_offset,
    wave_width (B, W) seconds relative to the R peak (one morphology per subject, so
    every beat of a strip has the same shape and only its timing varies);
    wave_amp (B, W, 3) microvolts; out (B, T, 3) float32, zeroed by the caller.
    Only samples within 5 widths of a wave's centre are touched.
    """
    n_sub, n_t, _ = out.shape
    n_waves = wave_offset.shape[1]
    for b in range(n_sub):
        for k in range(n_beats[b]):
            tr = beat_times[b, k]
            for w in range(n_waves):
                centre = tr + wave_offset[b, w]
                width = wave_width[b, w]
                lo = int(math.floor((centre - 5.0 * width) * fs))
                hi = int(math.ceil((centre + 5.0 * width) * fs)) + 1
                if lo < 0:
                    lo = 0
                if hi > n_t:
                    hi = n_t
                inv = 1.0 / (2.0 * width * width)
                for s in range(lo, hi):
                    dt = s / fs - centre
                    g = math.exp(-dt * dt * inv)
                    out[b, s, 0] += wave_amp[b, w, 0] * g
                    out[b, s, 1] += wave_amp[b, w, 1] * g
                    out[b, s, 2] += wave_amp[b, w, 2] * g


@jit
def aligned_median(strips, r_samples, n_peaks, pre, out, counts):
    """Per-sample median over the beats whose window fits inside the strip.

    strips (B, T, L); r_samples (B, K) int R-peak samples (first n_peaks[b] valid);
    out (B, S, L) with the R peak at index ``pre``; counts (B,) receives the number of
    beats used. A subject with no complete window gets zeros.
    """
    n_sub, n_t, n_lead = strips.shape
    n_s = out.shape[1]
    buf = np.empty(r_samples.shape[1], np.float64)
    for b in range(n_sub):
        starts = 0
        for k in range(n_peaks[b]):
            start = r_samples[b, k] - pre
            if start >= 0 and start + n_s <= n_t:
                starts += 1
        counts[b] = starts
        if starts == 0:
            continue
        for lead in range(n_lead):
            for s in range(n_s):
                m = 0
                for k in range(n_peaks[b]):
                    start = r_samples[b, k] - pre
                    if start >= 0 and start + n_s <= n_t:
                        buf[m] = strips[b, start + s, lead]
                        m += 1
                vals = buf[:m].copy()
                vals.sort()
                if m % 2 == 1:
                    out[b, s, lead] = vals[m // 2]
                else:
                    out[b, s, lead] = 0.5 * (vals[m // 2 - 1] + vals[m // 2])

import numpy as np
import pytest

from zoo.registration.ecg import R_POSITION, beat_window, detect_r_peaks, median_beat

# (centre s relative to R, width s, amplitude) of P, Q, R, S, T.
WAVES = [(-0.18, 0.025, 0.15), (-0.03, 0.008, -0.12), (0.0, 0.010, 1.0), (0.03, 0.010, -0.25), (0.30, 0.05, 0.3)]


def synthetic_beat(fs, lead_gains):
    length, r = beat_window(fs)
    t = (np.arange(length) - r) / fs
    base = sum(a * np.exp(-0.5 * ((t - c) / w) ** 2) for c, w, a in WAVES)
    return base[:, None] * lead_gains[None, :]


def synthetic_strip(fs=500.0, seconds=10.0, seed=0, ectopic=True):
    rng = np.random.default_rng(seed)
    gains = rng.uniform(0.4, 1.5, 12) * rng.choice([-1, 1], 12, p=[0.2, 0.8])
    gains[1] = 1.2  # lead II strongly positive, as usual
    n = int(seconds * fs)
    beat = synthetic_beat(fs, gains)
    length, r = beat_window(fs)
    strip = np.zeros((n + 2 * length, 12))
    t = rng.uniform(0.3, 0.9)
    peaks = []
    while t < seconds + 0.5:
        peaks.append(int(round(t * fs)))
        t += rng.uniform(1.0, 1.15)
    bad = set(rng.choice(len(peaks), 1, replace=False)) if ectopic else set()
    for i, p in enumerate(peaks):
        start = p - r + length
        shape = beat if i not in bad else -1.5 * np.roll(beat, int(0.04 * fs), axis=0)
        strip[start : start + length] += shape
    strip = strip[length : length + n]
    time = np.arange(n) / fs
    strip += 0.1 * np.sin(2 * np.pi * 0.3 * time)[:, None]  # baseline wander
    strip += rng.normal(0, 0.01, strip.shape)
    return strip, beat, np.array([p for p in peaks if p < n])


@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_median_beat_matches_the_beat_it_was_built_from(fs):
    strip, beat, _ = synthetic_strip(fs=fs, seed=1)
    out = median_beat(strip, fs=fs)
    length, r = beat_window(fs)
    assert out.shape == (length, 12) and out.dtype == np.float32
    assert r == round(R_POSITION * length)
    # The R peak of the (positive) lead II sits at the documented position.
    assert abs(int(np.argmax(out[:, 1])) - r) <= 1
    # Baseline wander survives as an offset; compare shapes after removing each lead's median.
    centred = out - np.median(out, axis=0)
    ref = beat - np.median(beat, axis=0)
    for lead in range(12):
        assert np.corrcoef(centred[:, lead], ref[:, lead])[0, 1] > 0.98
    assert np.abs(centred - ref).max() < 0.12 * np.abs(ref).max()


def test_r_peaks_detected_and_ectopic_beat_rejected():
    strip, _, peaks = synthetic_strip(fs=500.0, seed=2)
    found = detect_r_peaks(strip, 500.0)
    matched = [np.min(np.abs(found - p)) for p in peaks if 10 < p < len(strip) - 10]
    assert np.median(matched) <= 2
    _, info = median_beat(strip, fs=500.0, return_info=True)
    assert not info["kept"].all()  # the inverted ectopic beat is out
    assert 50 < info["heart_rate_bpm"] < 62


def test_out_len_resamples_and_bad_input():
    strip, _, _ = synthetic_strip(fs=100.0, seed=3, ectopic=False)
    out = median_beat(strip, fs=100.0, out_len=600)
    assert out.shape == (600, 12)
    with pytest.raises(ValueError, match="strip"):
        median_beat(np.zeros((50, 12)), fs=500.0)
    with pytest.raises(ValueError, match="complete beat|R peaks"):
        median_beat(np.zeros((5000, 12)), fs=500.0)
    with pytest.raises(ValueError, match="finite"):
        median_beat(np.full((5000, 12), np.nan), fs=500.0)

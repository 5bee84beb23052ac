import numpy as np
import pytest

from .regsynth import synthetic_strip
from zoo.registration.ecg import R_POSITION, beat_window, detect_r_peaks, median_beat

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

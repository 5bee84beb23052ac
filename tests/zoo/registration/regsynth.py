"""Synthetic data for the registration tests: smooth blob images and 12-lead ECG strips
built from a known beat, and small stores holding them (helpers, not tests)."""
from __future__ import annotations

import numpy as np

from fastio.store import create_store
from zoo.registration.ecg import beat_window


def blob_image(shape=(48, 48), seed=0, n_blobs=6):
    """A smooth image of Gaussian blobs plus an off-centre bar: asymmetric, so every pose
    of it is distinguishable, and smooth, so linear interpolation is accurate."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros(shape)
    for _ in range(n_blobs):
        cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
        s = rng.uniform(0.05, 0.12) * min(h, w)
        img += rng.uniform(0.5, 1.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    bar = np.exp(-((yy - 0.35 * h) ** 2) / (2 * (0.06 * h) ** 2)) * np.exp(-(((xx - 0.45 * w) / (0.2 * w)) ** 4))
    return (img + 0.8 * bar).astype(np.float32)


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


def synthetic_cines(n=24, size=32, frames=16, seed=0):
    """Cines (n, size, size, frames) of a beating 'ventricle' (an ellipse whose radii follow
    an asymmetric cycle: fast contraction, slow filling) with a bright 'wall' ring, each
    starting at a random frame of the cycle. Subjects differ in size, position and gain.
    Returns (cines, start_frames)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    starts = rng.integers(0, frames, n)
    cines = np.zeros((n, size, size, frames), np.float32)
    for i in range(n):
        cy, cx = size / 2 + rng.uniform(-2, 2, 2)
        base = rng.uniform(0.22, 0.28) * size
        gain = rng.uniform(0.8, 1.2)
        for t in range(frames):
            phi = 2 * np.pi * ((t + starts[i]) % frames) / frames
            squeeze = 0.5 * (1 - np.cos(phi)) if phi < np.pi * 0.7 else 0.5 * (1 - np.cos(np.pi * 0.7)) * (2 * np.pi - phi) / (2 * np.pi - 0.7 * np.pi)
            ry = base * (1 - 0.35 * squeeze)
            rx = base * (1 - 0.2 * squeeze)
            d = np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2)
            img = 1.0 / (1 + np.exp((d - 1) * 12)) + 0.6 * np.exp(-((d - 1.25) ** 2) / 0.02)
            cines[i, ..., t] = gain * img + rng.normal(0, 0.02, img.shape)
    return cines, starts


def write_store(path, tensors, shard_size=4):
    """A small store holding ``tensors``: {name: (TensorSpec, values (n, ...), present (n,))}."""
    n = len(next(iter(tensors.values()))[1])
    store = create_store(path, [f"s{i:03d}" for i in range(n)], shard_size=shard_size)
    for spec, values, present in tensors.values():
        store.create_tensor(spec)
        for block in range(store.n_blocks()):
            a, b = store.block_range(block)
            store.write_block(spec.name, a, values[a:b], present[a:b])
        store.finalize_tensor(spec.name)
    store.mark_complete(True)
    return path

"""Shared fixtures for the registration tests: small smooth synthetic images."""
from __future__ import annotations

import numpy as np
import pytest


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


@pytest.fixture
def blobs():
    return blob_image

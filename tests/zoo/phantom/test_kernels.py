"""The numba kernels agree with their own pure-Python bodies (what NUMBA_DISABLE_JIT=1 runs)."""
from __future__ import annotations

import numpy as np

from zoo.phantom import raster
from zoo.phantom._kernels import ecg as k_ecg
from zoo.phantom._kernels import haplotypes as k_hap
from zoo.phantom._kernels import raster as k_raster


def _py(kernel):
    return getattr(kernel, "py_func", kernel)


def test_raster_kernel_matches_python():
    sc = (
        raster.Scene(3)
        .ellipse([0.0, 0.1, -0.2], 0.0, [0.5, 0.4, 0.6], 0.3, [0.0, 0.3, -0.2], 1.0)
        .capsule(0.2, [0.1, 0.0, -0.1], 0.3, 0.1, [1.0, 0.5, 0.0], [2.0, -1.0, 0.5], "dome")
    )
    prims = sc.array(0.05)
    tr = raster.rotation([0.1, -0.2, 0.3], [1.0, 1.1, 0.9]) @ raster.pixel_grid((12, 10), (2.0, 2.0))
    bg = np.array([0.0, 1.0, 2.0])
    a = np.empty((3, 12, 10), np.float32)
    b = np.empty_like(a)
    k_raster.render(prims, tr, bg, 0.05, a)
    _py(k_raster.render)(prims, tr, bg, 0.05, b)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_haplotype_kernel_matches_python():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((8, 50), dtype=np.float32)
    rho = rng.uniform(0, 1, 50)
    thr = rng.normal(0, 1, (2, 50))
    pops = np.array([0, 0, 1, 1, 0, 1, 1, 0])
    a = np.zeros((4, 50), np.int8)
    b = np.zeros_like(a)
    k_hap.markov_genotypes(noise, rho, thr, pops, a)
    _py(k_hap.markov_genotypes)(noise, rho, thr, pops, b)
    np.testing.assert_array_equal(a, b)
    assert a.min() >= 0 and a.max() <= 2


def test_ecg_kernels_match_python():
    rng = np.random.default_rng(1)
    times = np.array([[0.2, 1.0, 1.9, 2.7], [0.5, 1.3, 2.2, -100.0]])
    counts = np.array([4, 3])
    off = np.array([[-0.1, 0.0, 0.25]] * 2)
    wid = np.array([[0.02, 0.01, 0.04]] * 2)
    amp = rng.normal(0, 500, (2, 3, 3))
    a = np.zeros((2, 300, 3), np.float32)
    b = np.zeros_like(a)
    k_ecg.heart_vector(times, counts, off, wid, amp, 100.0, a)
    _py(k_ecg.heart_vector)(times, counts, off, wid, amp, 100.0, b)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-2)
    strips = a + rng.normal(0, 5, a.shape).astype(np.float32)
    r = np.rint(np.where(times > 0, times, -10) * 100).astype(np.int64)
    m1, m2 = np.zeros((2, 60, 3), np.float32), np.zeros((2, 60, 3), np.float32)
    c1, c2 = np.zeros(2, np.int64), np.zeros(2, np.int64)
    k_ecg.aligned_median(strips, r, counts, 24, m1, c1)
    _py(k_ecg.aligned_median)(strips, r, counts, 24, m2, c2)
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_array_equal(c1, c2)
    # against numpy: median of the complete windows
    for s in range(2):
        starts = [x - 24 for x in r[s, : counts[s]] if x - 24 >= 0 and x - 24 + 60 <= 300]
        ref = np.median(np.stack([strips[s, t : t + 60] for t in starts]), axis=0)
        np.testing.assert_allclose(m1[s], ref, atol=1e-4)
        assert c1[s] == len(starts)

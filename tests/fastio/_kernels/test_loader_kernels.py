"""Each numba kernel against its numpy reference (fastio._kernels.numpy_ref)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fastio._kernels import api, kernels, numpy_ref

RTOL, ATOL = 2e-6, 2e-5


@pytest.fixture()
def rng():
    return np.random.default_rng(7)


@pytest.fixture(scope="module")
def table():
    return np.random.default_rng(3).standard_normal(1 << 12).astype(np.float32)


def test_sample_stats_matches_numpy(rng):
    x = rng.normal(1000.0, 3.0, size=5000).astype(np.float32)
    mu, sd = kernels.sample_stats(x)
    ref_mu, ref_sd = numpy_ref.sample_stats(x)
    assert mu == pytest.approx(ref_mu, rel=1e-12)
    assert sd == pytest.approx(ref_sd, rel=1e-6)


@pytest.mark.parametrize("code,mean,std", [(0, 0.0, 1.0), (1, 3.0, 7.0), (2, 0.0, 1.0)])
def test_normalise_params(rng, code, mean, std):
    x = rng.normal(4.0, 2.0, size=(30, 3)).astype(np.float32)
    mu, inv_sd = api.normalise_params(x, code, mean, std)
    if code == 0:
        assert (mu, inv_sd) == (0.0, 1.0)
    elif code == 1:
        assert (mu, inv_sd) == (3.0, 1 / 7.0)
    else:
        assert mu == pytest.approx(x.astype(np.float64).mean())
        assert inv_sd == pytest.approx(1.0 / (x.astype(np.float64).std() + api.ZSCORE_EPS))


def test_constant_sample_zscore_is_finite():
    x = np.full((10, 2), 5.0, dtype=np.float32)
    mu, inv_sd = api.normalise_params(x, 2, 0.0, 1.0)
    out = api.pointwise(x, np.empty_like(x), mu, inv_sd)
    assert np.all(np.isfinite(out)) and np.allclose(out, 0.0)


@pytest.mark.parametrize("sigma", [0.0, 0.3])
def test_pointwise_matches_reference(rng, table, sigma):
    src = rng.normal(10, 4, size=(7, 9, 2)).astype(np.float32)
    out = np.empty_like(src)
    api.pointwise(src, out, 10.5, 0.25, 1.2, -0.3, sigma, table, 3900)
    ref = numpy_ref.pointwise(src, 10.5, 0.25, 1.2, -0.3, sigma, table, 3900)
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)
    inplace = src.copy()
    api.pointwise(inplace, inplace, 10.5, 0.25, 1.2, -0.3, sigma, table, 3900)
    np.testing.assert_array_equal(inplace, out)


@pytest.mark.parametrize("roll", [0, 5, -13, 57])
def test_shift1d_matches_reference(rng, table, roll):
    src = rng.normal(0, 100, size=(50, 4)).astype(np.float32)
    scale = np.array([0.9, 1.0, 1.1, 1.05])
    out = np.empty_like(src)
    api.shift1d(src, out, roll, scale, 2.0, 0.01, 1.1, 0.2, 0.05, table, 17)
    ref = numpy_ref.shift1d(src, roll, scale, 2.0, 0.01, 1.1, 0.2, 0.05, table, 17)
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)


def test_shift1d_is_a_roll(rng):
    src = rng.normal(size=(20, 3)).astype(np.float32)
    out = api.shift1d(src, np.empty_like(src), 3, np.ones(3), 0.0, 1.0)
    np.testing.assert_array_equal(out, np.roll(src, 3, axis=0))


def _rotation(theta, n_h, n_w, ty=0.0, tx=0.0, zoom=1.0):
    c, s = np.cos(theta), np.sin(theta)
    a = np.array([[c, s], [-s, c]]) / zoom
    centre = np.array([(n_h - 1) / 2, (n_w - 1) / 2])
    m = np.zeros((2, 3))
    m[:, :2] = a
    m[:, 2] = centre - a @ (centre + [ty, tx])
    return m


@pytest.mark.parametrize("channels", [3, 1])  # the single-channel interior has its own loop
@pytest.mark.parametrize("theta,ty,tx,zoom,sigma", [
    (0.2, 0.0, 0.0, 1.0, 0.0), (-0.4, 2.5, -1.25, 1.1, 0.0), (0.05, -3.0, 4.0, 0.9, 0.2),
    (3.1, 0.0, 0.0, 1.0, 0.1), (0.0, 30.0, 0.0, 1.0, 0.0)])
def test_warp2d_matches_reference(rng, table, theta, ty, tx, zoom, sigma, channels):
    src = rng.normal(3, 2, size=(21, 17, channels)).astype(np.float32)
    m = _rotation(theta, 21, 17, ty, tx, zoom)
    out = np.empty_like(src)
    api.warp2d(src, out, m, 3.0, 0.5, 0.8, 0.1, sigma, table, 99)
    ref = numpy_ref.warp2d(src, m, 3.0, 0.5, 0.8, 0.1, sigma, table, 99)
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)


def test_warp2d_identity_flip_and_integer_shift(rng):
    src = rng.normal(size=(9, 8, 1)).astype(np.float32)
    out = np.empty_like(src)
    api.warp2d(src, out, [[1, 0, 0], [0, 1, 0]], 0.0, 1.0)
    np.testing.assert_array_equal(out, src)
    api.warp2d(src, out, [[1, 0, 0], [0, -1, 7]], 0.0, 1.0)  # left-right flip
    np.testing.assert_array_equal(out, src[:, ::-1])
    api.warp2d(src, out, [[1, 0, -2], [0, 1, 0]], 0.0, 1.0)  # content moves down 2 rows
    np.testing.assert_array_equal(out[2:], src[:-2])
    np.testing.assert_array_equal(out[:2], 0.0)


def test_wrappers_reject_bad_arguments(table):
    good = np.zeros((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="float32"):
        api.pointwise(good.astype(np.float64), good, 0, 1)
    with pytest.raises(ValueError, match="shape"):
        api.pointwise(good, np.zeros((3, 4), np.float32), 0, 1)
    with pytest.raises(ValueError, match="contiguous"):
        api.pointwise(np.zeros((3, 4), np.float32).T, good, 0, 1)
    with pytest.raises(ValueError, match="overlap"):
        api.shift1d(good, good, 1, np.ones(3), 0, 1)
    with pytest.raises(ValueError, match="chan_scale"):
        api.shift1d(good, good.copy(), 1, np.ones(2), 0, 1)
    with pytest.raises(ValueError, match="noise offset"):
        api.pointwise(good, good, 0, 1, 1, 0, 0.1, np.zeros(15, np.float32), 4)
    with pytest.raises(ValueError, match="noise table"):
        api.pointwise(good, good, 0, 1, 1, 0, 0.1, None)
    with pytest.raises(ValueError, match="affine"):
        api.warp2d(np.zeros((2, 2, 1), np.float32), np.zeros((2, 2, 1), np.float32), np.eye(3), 0, 1)
    with pytest.raises(ValueError, match="normalisation code"):
        api.normalise_params(good, 5, 0, 1)


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already the no-jit run")
def test_kernels_pass_without_jit():
    """The same tests with NUMBA_DISABLE_JIT=1: the kernels are plain Python there, so
    this also checks that they are valid Python, not only valid numba."""
    here = Path(__file__).resolve()
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--benchmark-disable",
         str(here), "-k", "not without_jit"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("code,mean,std", [(0, 0.0, 1.0), (1, 3.0, 7.0), (2, 0.0, 1.0)])
@pytest.mark.parametrize("sigma", [0.0, 0.1])
def test_normalise_sample_matches_reference(rng, table, code, mean, std, sigma):
    """One call = normalise_params + pointwise (numpy reference), into another buffer
    or in place."""
    src = rng.normal(4.0, 2.0, size=(40, 3)).astype(np.float32)
    mu, sd = numpy_ref.sample_stats(src)
    ref_mu, ref_inv = {0: (0.0, 1.0), 1: (mean, 1 / std), 2: (mu, 1 / (sd + api.ZSCORE_EPS))}[code]
    ref = numpy_ref.pointwise(src, ref_mu, ref_inv, 1.07, -0.2, sigma, table, 1234)
    out = np.full_like(src, np.nan)
    assert api.normalise_sample(src, out, code, mean, std, 1.07, -0.2, sigma, table, 1234) is True
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)
    api.normalise_sample(src, src, code, mean, std, 1.07, -0.2, sigma, table, 1234)
    np.testing.assert_array_equal(src, out)


@pytest.mark.parametrize("code,mean,std", [(0, 0.0, 1.0), (1, 3.0, 7.0), (2, 0.0, 1.0)])
def test_normalise_rows_matches_per_sample_reference(rng, code, mean, std):
    src = rng.normal(4.0, 2.0, size=(6, 40, 3)).astype(np.float32)
    before = src.copy()
    out = np.empty_like(src)
    assert api.normalise_rows(src, out, code, mean, std, check=True).tolist() == [True] * 6
    np.testing.assert_array_equal(src, before)
    for j in range(6):
        mu, inv_sd = api.normalise_params(before[j], code, mean, std)
        np.testing.assert_allclose(out[j], numpy_ref.pointwise(before[j], mu, inv_sd), rtol=RTOL, atol=ATOL)
    assert api.normalise_rows(src, src, code, mean, std).all()
    np.testing.assert_array_equal(src, out)


@pytest.mark.parametrize("code", [0, 1, 2])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_normalise_rows_finds_non_finite_samples(rng, code, bad):
    """The finite flags are exact: any NaN/inf anywhere in a sample, whichever the
    normalisation (the z-score's own statistics see it; fixed ones check with ``check``)."""
    src = rng.normal(0.0, 1.0, size=(5, 1001)).astype(np.float32)
    src[1, 0] = bad
    src[3, 1000] = bad
    src[4, 517] = np.float32(3e38)  # large but finite: no false alarm
    finite = api.normalise_rows(src, np.empty_like(src), code, 1.0, 2.0, check=True)
    assert finite.tolist() == [True, False, True, False, True]
    assert api.normalise_sample(src[1], np.empty_like(src[1]), code, 1.0, 2.0, check=True) is False
    if code != 2:  # without check a fixed normalisation does not look
        assert api.normalise_rows(src, np.empty_like(src), code, 1.0, 2.0).all()


def test_normalise_rows_and_sample_reject_bad_arguments(table):
    buf = np.zeros((4, 10), np.float32)
    with pytest.raises(ValueError, match="same shape"):
        api.normalise_rows(buf, np.zeros((4, 11), np.float32), 0, 0.0, 1.0)
    with pytest.raises(ValueError, match="overlap"):
        api.normalise_rows(buf[1:], buf[:3], 0, 0.0, 1.0)
    with pytest.raises(ValueError, match="code"):
        api.normalise_rows(buf, buf, 3, 0.0, 1.0)
    with pytest.raises(ValueError, match="float32"):
        api.normalise_rows(buf.astype(np.float64), buf, 0, 0.0, 1.0)
    with pytest.raises(ValueError, match="noise offset"):
        api.normalise_sample(buf[0], buf[1], 0, 0.0, 1.0, 1.0, 0.0, 0.1, table, table.size - 5)
    with pytest.raises(ValueError, match="shape"):
        api.normalise_sample(buf[0], buf[1, :5], 0, 0.0, 1.0)


def test_normalise_sample_memoises_the_zscore_statistics(rng):
    """The first call stores (mean, 1/(SD + eps)); a later call with them skips the
    statistics pass (shown by feeding it other values: it keeps the stored ones)."""
    a = rng.normal(4.0, 2.0, size=(40, 3)).astype(np.float32)
    b = rng.normal(-9.0, 5.0, size=(40, 3)).astype(np.float32)
    moments = np.zeros(2)
    out = np.empty_like(a)
    assert api.normalise_sample(a, out, 2, 0.0, 1.0, moments=moments) is True
    mu, inv_sd = api.normalise_params(a, 2, 0.0, 1.0)
    np.testing.assert_array_equal(moments, [mu, inv_sd])
    again = np.empty_like(a)
    api.normalise_sample(a, again, 2, 0.0, 1.0, moments=moments)
    np.testing.assert_array_equal(again, out)                  # bit-identical when memoised
    api.normalise_sample(b, again, 2, 0.0, 1.0, moments=moments)
    np.testing.assert_allclose(again, numpy_ref.pointwise(b, mu, inv_sd), rtol=RTOL, atol=ATOL)
    bad = a.copy()
    bad[5, 1] = np.nan
    fresh = np.zeros(2)
    assert api.normalise_sample(bad, out, 2, 0.0, 1.0, moments=fresh) is False
    assert fresh.tolist() == [0.0, 0.0]                        # nothing memoised for a bad sample
    with pytest.raises(ValueError, match="moments"):
        api.normalise_sample(a, out, 2, 0.0, 1.0, moments=np.zeros(2, np.float32))


def test_finite_rows_matches_numpy(rng):
    src = rng.normal(size=(6, 50)).astype(np.float32)
    src[0, 49], src[3, 0], src[5, 20] = np.nan, np.inf, -np.inf
    np.testing.assert_array_equal(api.finite_rows(src), np.isfinite(src).all(axis=1))
    with pytest.raises(ValueError, match="float32"):
        api.finite_rows(src.astype(np.float64))


@pytest.mark.parametrize("code,mean,std", [(0, 0.0, 1.0), (1, 3.0, 7.0), (2, 0.0, 1.0)])
@pytest.mark.parametrize("sigma", [0.0, 0.1])
def test_normalise_gather_matches_per_sample_reference(rng, table, code, mean, std, sigma):
    """One call for many samples read by address (as from a file's mapping), each into its
    own batch slot (slot 2 left alone), with per-slot intensity and noise: the numpy
    reference per sample; the z-score statistics memoised per stored row."""
    samples = rng.normal(4.0, 2.0, size=(5, 40, 3)).astype(np.float32)
    addresses = [samples[i].ctypes.data for i in range(5)]
    slots = [3, 0, 4, 1]                   # samples 0..3 go to these slots
    rows = np.array([7, 2, 99, 5, 0])      # stored row of each slot (slot 2: unused)
    scale, shift = rng.uniform(0.9, 1.1, 5), rng.uniform(-0.2, 0.2, 5)
    offset = np.array([10, 200, 0, 3000, 77])
    moments = np.zeros((100, 2))
    out = np.full((5, 40, 3), np.nan, np.float32)
    api.normalise_gather(addresses[:4], slots, rows, out, code, mean, std, scale, shift, sigma, table, offset,
                         moments if code == 2 else None)
    for i, j in enumerate(slots):
        mu, sd = numpy_ref.sample_stats(samples[i])
        ref_mu, ref_inv = {0: (0.0, 1.0), 1: (mean, 1 / std), 2: (mu, 1 / (sd + api.ZSCORE_EPS))}[code]
        ref = numpy_ref.pointwise(samples[i], ref_mu, ref_inv, scale[j], shift[j], sigma, table, offset[j])
        np.testing.assert_allclose(out[j], ref, rtol=RTOL, atol=ATOL)
        one = np.empty_like(samples[i])
        api.normalise_sample(samples[i], one, code, mean, std, scale[j], shift[j], sigma, table, offset[j])
        np.testing.assert_array_equal(out[j], one)      # the same arithmetic as the per-sample call
        if code == 2:
            np.testing.assert_allclose(moments[rows[j]], [ref_mu, ref_inv], rtol=1e-6)
    assert np.isnan(out[2]).all()
    if code == 2:
        assert np.flatnonzero(moments[:, 1]).tolist() == sorted(rows[slots].tolist())


def test_normalise_gather_rejects_bad_arguments(table):
    x = np.zeros((2, 10), np.float32)
    out = np.zeros((2, 10), np.float32)
    one = np.ones(2)
    good = dict(addresses=[x[0].ctypes.data], slots=[1], rows=[0, 1], out=out, code=0, mean=0.0, std=1.0,
                scale=one, shift=one)
    api.normalise_gather(**good)
    for change, match in [({"slots": [2]}, "slot"), ({"slots": [0, 1]}, "slot"), ({"addresses": [0]}, "address"),
                          ({"rows": [0]}, "2 slots"), ({"scale": np.ones(3)}, "2 slots"),
                          ({"out": out.astype(np.float64)}, "float32"), ({"out": out[0]}, "stacked"),
                          ({"code": 5}, "code"), ({"sigma": 0.1}, "noise table"),
                          ({"sigma": 0.1, "table": table, "offset": [0, table.size - 5]}, "noise offset"),
                          ({"code": 2, "moments": np.zeros((1, 2))}, "rows in"),
                          ({"code": 2, "moments": np.zeros((2, 2), np.float32)}, "moments")]:
        with pytest.raises(ValueError, match=match):
            api.normalise_gather(**(good | change))

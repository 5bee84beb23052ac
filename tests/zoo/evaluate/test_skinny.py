"""Sample panels for OpenBLAS's small-matrix kernels: where they are used, how samples are
cut, and that the panelled product is numpy's product."""
from __future__ import annotations

import numpy as np
import pytest
import threadpoolctl

from zoo.evaluate import skinny
from zoo.evaluate.skinny import (MIN_PANEL, SMALL_MATRIX_BOUND, panel_size, skinny_product,
                                 small_matrix_bound)


@pytest.mark.parametrize("m, n, d, bound, expect", [
    (48, 10_000, 28, 10**6, 715),       # widest 744: 14 panels of 715 (the last 705)
    (48, 10_000, 28, None, None),       # no small-matrix kernels: one call
    (48, 700, 28, 10**6, None),         # every sample within the bound already
    (1024, 10_000, 28, 10**6, None),    # 34 samples a panel: calls cost more than they save
    (8, 3000, 7, 8 * 7 * 300, 300),     # whole panels
    (8, 3001, 7, 8 * 7 * 300, 273),     # 11 panels
])
def test_panel_size(m, n, d, bound, expect):
    assert panel_size(m, n, d, bound) == expect


def test_panels_stay_within_the_bound_and_as_few_as_can_be():
    for m in (8, 24, 48, 104):
        for d in (4, 28, 32):
            for n in (300, 2_500, 10_000, 99_991):
                k = panel_size(m, n, d, SMALL_MATRIX_BOUND)
                widest = SMALL_MATRIX_BOUND // (m * d)
                if k is None:
                    assert widest >= n or widest < MIN_PANEL
                    continue
                assert m * d * k <= SMALL_MATRIX_BOUND
                assert -(-n // k) == -(-n // widest)          # no more calls than needed
                assert n - (n // k) * k < k                   # a short last panel, if any


def _decoded(n: int, m: int, dtype, rng) -> np.ndarray:
    """The transposed view ``BedChunks`` multiplies: an F-order buffer with padding rows."""
    buffer = np.asfortranarray(rng.integers(0, 3, (n + 3, m)).astype(dtype))
    return buffer[:n].T


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [3000, 3001, 299])
def test_skinny_product_is_numpys(dtype, n, monkeypatch):
    rng = np.random.default_rng(n)
    at = _decoded(n, 8, dtype, rng)
    s = rng.standard_normal((n, 7)).astype(dtype)
    calls = []
    matmul = np.matmul
    monkeypatch.setattr(skinny.np, "matmul", lambda a, b: calls.append(a.shape) or matmul(a, b))
    got = skinny_product(at, s, 8 * 7 * 300)
    expect = at.astype(np.float64) @ s.astype(np.float64)
    tol = 1e-13 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(got, expect, atol=tol * np.abs(expect).max())
    k = panel_size(8, n, 7, 8 * 7 * 300)
    if k is None:                                            # 299 samples: one call
        assert calls == [] and got.dtype == np.dtype(dtype)
    else:                                                    # one batched call of the panels
        assert calls == [(n // k, 8, k)] and got.dtype == np.float64


def test_skinny_product_names_a_mismatch():
    with pytest.raises(ValueError, match="with 10 rows"):
        skinny_product(np.zeros((4, 10)), np.zeros((9, 3)), SMALL_MATRIX_BOUND)


NUMPY_BLAS = ("scipy-openblas", "0.3.31.188.0")


def _openblas(core: str, version: str = NUMPY_BLAS[1]) -> dict:
    return {"user_api": "blas", "internal_api": "openblas", "architecture": core,
            "version": version}


@pytest.mark.parametrize("built, libraries, expect", [
    (NUMPY_BLAS, [_openblas("SkylakeX")], SMALL_MATRIX_BOUND),
    (NUMPY_BLAS, [_openblas("SapphireRapids"), {"user_api": "openmp", "internal_api": "openmp"}],
     SMALL_MATRIX_BOUND),
    # another OpenBLAS loaded later (TensorFlow's, on an older core table) does not count
    (NUMPY_BLAS, [_openblas("SkylakeX"), _openblas("Zen", "0.3.15")], SMALL_MATRIX_BOUND),
    (NUMPY_BLAS, [_openblas("Haswell"), _openblas("SkylakeX", "0.3.30")], None),
    (NUMPY_BLAS, [_openblas("Zen")], None),
    (NUMPY_BLAS, [_openblas("SkylakeX", "0.3.30")], None),          # numpy's not found
    (NUMPY_BLAS, [_openblas("SkylakeX"), _openblas("Haswell")], None),    # which is numpy's?
    (NUMPY_BLAS, [], None),
    (("mkl-sdl", "2023.1"), [{"user_api": "blas", "internal_api": "mkl", "version": "2023.1"}],
     None),
    (None, [_openblas("SkylakeX")], None),                           # numpy's build unknown
])
def test_small_matrix_bound_from_numpys_blas(built, libraries, expect, monkeypatch):
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: libraries)
    monkeypatch.setattr(skinny, "_numpy_blas_build", lambda: built)
    small_matrix_bound.cache_clear()
    try:
        assert small_matrix_bound() == expect
    finally:
        small_matrix_bound.cache_clear()


def test_numpys_blas_is_found_here():
    """This numpy reports the BLAS it was built against, and threadpoolctl finds it loaded."""
    name, version = skinny._numpy_blas_build()
    assert any(lib.get("user_api") == "blas" and str(lib.get("version")) == version
               for lib in threadpoolctl.threadpool_info()), (name, version)

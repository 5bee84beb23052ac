"""The scan's skinny products ``xᵀS``, a block of variants by every sample by ~30 columns,
in panels of samples that OpenBLAS runs on its small-matrix kernels.

For a gemm of M·N·K ≤ 100³ OpenBLAS takes a separate path on the cores it has
small-matrix kernels for (SkylakeX, Cooperlake, Sapphire Rapids; its runtime dispatch
picks SkylakeX on an AVX-512 AMD EPYC too), one that does not pack the operands into its
blocked layout. One block of the scan (48 variants × 10,000 samples × 28 columns) is 13
times that bound. Cut into 14 panels of 715 samples, the same products of 20,480 variants
took 0.218 CPU-s instead of 0.325 in float64 and 0.121 instead of 0.168 in float32
(``python benchmarks/gwas_product.py``, round 10 of ``benchmarks/results/gwas.md``).
Past the bound, panels only add calls, so they are used where numpy's BLAS is OpenBLAS
on one of those cores (threadpoolctl reports the core).
"""
from __future__ import annotations

import functools

import numpy as np

__all__ = ["SMALL_MATRIX_CORES", "SMALL_MATRIX_BOUND", "MIN_PANEL", "small_matrix_bound",
           "panel_size", "skinny_product"]

# OpenBLAS cores (``openblas_get_corename``, lower case) with small-matrix gemm kernels,
# and the bound their ``gemm_small_kernel_permit`` checks, M·N·K ≤ 100³.
SMALL_MATRIX_CORES = frozenset({"skylakex", "cooperlake", "sapphirerapids"})
SMALL_MATRIX_BOUND = 100 ** 3
# The smallest panel measured faster than one call in both precisions
# (benchmarks/gwas_product.py); narrower panels mean ever more calls for the same work.
MIN_PANEL = 256


@functools.cache
def small_matrix_bound() -> int | None:
    """``SMALL_MATRIX_BOUND`` when numpy's BLAS, the one ``@`` calls, is OpenBLAS on a core
    with small-matrix kernels, else None (another BLAS, another core, or not found).

    Other BLAS libraries in the process (scipy's, the one TensorFlow loads) do not count:
    they run none of these products, and the panels must not depend on what else was
    imported, or ``zoo gwas`` in a session that loaded TensorFlow would sum in another
    order than the command line and write other last digits."""
    from threadpoolctl import threadpool_info

    built = _numpy_blas_build()
    if built is None or "openblas" not in built[0].lower():
        return None
    cores = {str(lib.get("architecture", "")).lower() for lib in threadpool_info()
             if lib.get("user_api") == "blas" and lib.get("internal_api") == "openblas"
             and str(lib.get("version")) == built[1]}
    if len(cores) == 1 and cores <= SMALL_MATRIX_CORES:
        return SMALL_MATRIX_BOUND
    return None


def _numpy_blas_build() -> tuple[str, str] | None:
    """(name, version) of the BLAS numpy was built against, from ``numpy.show_config``'s
    data (numpy ≥ 1.26); threadpoolctl reports the same version for the loaded library."""
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        return str(blas["name"]), str(blas["version"])
    except (AttributeError, KeyError, TypeError):
        return None


def panel_size(m: int, n: int, d: int, bound: int | None) -> int | None:
    """Samples per panel for an (m, n) @ (n, d) product, each panel's M·N·K within
    ``bound``, the panels as equal as can be; None when one call is better: no bound, all
    n samples within it already, or panels under ``MIN_PANEL`` samples."""
    if bound is None or m < 1 or d < 1:
        return None
    widest = bound // (m * d)
    if widest >= n or widest < MIN_PANEL:
        return None
    panels = -(-n // widest)
    return -(-n // panels)


def skinny_product(at: np.ndarray, s: np.ndarray, bound: int | None) -> np.ndarray:
    """``at @ s`` for ``at`` (m, n) and ``s`` (n, d) of one float dtype: summed in float64
    over panels of samples (see ``panel_size``), or one call's result as it is. ``at`` may
    be a strided view, such as the transpose of an F-order decode buffer."""
    m, n = at.shape
    if s.shape[0] != n:
        raise ValueError(f"Expected a matrix with {n} rows, got {s.shape}")
    d = s.shape[1]
    k = panel_size(m, n, d, bound)
    if k is None:
        return at @ s
    whole = (n // k) * k
    # (panels, m, k) and (panels, k, d) views: one batched matmul, one BLAS call a panel
    stacked = np.matmul(at[:, :whole].reshape(m, -1, k).transpose(1, 0, 2),
                        s[:whole].reshape(-1, k, d))
    out = stacked.sum(axis=0, dtype=np.float64)
    if whole < n:
        out += at[:, whole:] @ s[whole:]
    return out

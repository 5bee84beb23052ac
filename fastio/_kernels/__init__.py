"""Private numba kernels of the loader: per-sample normalise + augment, writing into
preallocated ``out`` buffers. Public callers go through :mod:`fastio._kernels.api`, which
validates shapes, dtypes and contiguity before a kernel touches memory."""
from __future__ import annotations

__all__ = ["api", "numpy_ref"]

"""Private numba kernels of zoo.evaluate; call them through the validating wrappers."""
from __future__ import annotations

__all__: list[str] = []

"""The one place that sets numba jit flags for every kernel package of regzoo.

``cache=True`` keeps compiled kernels on disk between processes; ``nogil=True`` lets the
loader's threads run kernels concurrently. With ``NUMBA_DISABLE_JIT=1`` the decorators
return the plain Python functions, which the test suite exercises too.
"""
from __future__ import annotations

import numba

__all__ = ["jit"]


def jit(func=None, **overrides):
    """Serial kernel: ``@jit`` or ``@jit(fastmath=True)``."""
    options = {"cache": True, "nogil": True, **overrides}
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)


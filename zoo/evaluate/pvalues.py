"""scipy's special-function ufuncs (``stdtr``, ``fdtrc``, ``ndtri``, …) without
``scipy.special``'s package import.

``import scipy.special`` costs ≈ 0.2 CPU-s, a tenth of ``zoo gwas``: its ``__init__``
wraps every function for other array libraries (``_support_alternative_backends``, which
pulls in numpy.testing, numpy.f2py, numpy.ma and numpy.random). The p-values need only
the compiled ufuncs, which live in the extension module ``scipy.special._ufuncs``
(0.015 CPU-s to load). It is loaded under its own name while a placeholder stands in for
the package, so the functions are scipy's own (same objects, same numbers) and a later
``import scipy.special`` imports the whole package as usual and shares the module. When
``scipy.special`` is already imported, or scipy's layout is not the expected one, the
package is imported the ordinary way.
"""
from __future__ import annotations

import importlib
import os
import sys
import threading
import types

import numpy as np

__all__ = ["special", "t_two_sided", "f_upper", "normal_quantile"]

_LOCK = threading.RLock()
_UFUNCS = ("stdtr", "fdtrc", "ndtri", "chdtri", "betaincinv")     # what zoo.evaluate uses


def _load():
    if "scipy.special" not in sys.modules:
        try:
            return _ufuncs_alone()
        except Exception:     # another scipy layout: the whole package, as usual
            pass
    from scipy import special as package

    return package


def _ufuncs_alone():
    import scipy

    placeholder = types.ModuleType("scipy.special")
    placeholder.__path__ = [os.path.join(os.path.dirname(scipy.__file__), "special")]

    def whole_package(name: str):
        # Another thread that imported scipy.special while the placeholder stood in
        # reaches the real package on its first attribute.
        with _LOCK:
            if sys.modules.get("scipy.special") is placeholder:
                del sys.modules["scipy.special"]
        return getattr(importlib.import_module("scipy.special"), name)

    placeholder.__getattr__ = whole_package
    with _LOCK:
        if sys.modules.setdefault("scipy.special", placeholder) is not placeholder:
            raise ImportError("scipy.special was imported meanwhile")
        try:
            module = importlib.import_module("scipy.special._ufuncs")
        finally:
            if sys.modules.get("scipy.special") is placeholder:
                del sys.modules["scipy.special"]
    missing = [name for name in _UFUNCS if not hasattr(module, name)]
    if missing:
        raise ImportError(f"scipy.special._ufuncs lacks {missing}")
    return module


special = _load()


def t_two_sided(df, t):
    """Two-sided p of Student's t statistic ``t`` on ``df`` degrees of freedom."""
    return 2.0 * special.stdtr(df, -np.abs(t))


def f_upper(dfn, dfd, f):
    """Upper-tail p of an F statistic on (``dfn``, ``dfd``) degrees of freedom."""
    return special.fdtrc(dfn, dfd, f)


def normal_quantile(p):
    """The standard normal quantile Φ⁻¹(p)."""
    return special.ndtri(p)

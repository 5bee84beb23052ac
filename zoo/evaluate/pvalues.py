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
package is imported the ordinary way. The module is loaded on first use (``special`` is
served by the module's ``__getattr__``): importing this module costs nothing, and
``zoo gwas`` loads scipy (0.02 s) in the thread of its first statistics, beside the
genotype products, not before the scan.
"""
from __future__ import annotations

import importlib
import math
import os
import sys
import threading
import types

import numpy as np

__all__ = ["special", "t_two_sided", "f_upper", "normal_quantile"]

_LOCK = threading.RLock()
_UFUNCS = ("stdtr", "fdtrc", "ndtri", "chdtri", "betaincinv", "betaln")     # what zoo.evaluate uses


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


_SPECIAL: list = []


def _special():
    """The ufunc module, loaded once (by whichever thread asks first)."""
    if not _SPECIAL:
        with _LOCK:
            if not _SPECIAL:
                _SPECIAL.append(_load())
    return _SPECIAL[0]


def __getattr__(name: str):
    if name == "special":
        return _special()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Two-sided t p-values from a table: many values on one df (a scan's variants without
# missing calls) are interpolated in log p between grid points of |t|, 1/128 apart, with
# the exact slope (the t density over p) at both ends: a cubic Hermite, whose error
# (h⁴/384 times the 4th derivative of log p) keeps p within 1e-11 of stdtr's (measured
# at most 3e-12 for df 20 to 10⁷; the tests check it). stdtr (boost's incomplete beta)
# cost 0.13 CPU-s for the 800,000 tests of 10k × 50k × 16; the table costs 5,000 stdtr
# and the interpolation 0.02 CPU-s.
_STEP = 1.0 / 128
_SMALLEST = 1e-290       # the table stops before p underflows; beyond, stdtr
_MIN_DF = 20
_MIN_VALUES = 4096       # values on one df before a table pays for itself
_TABLES: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _table(nu: float) -> tuple[np.ndarray, np.ndarray]:
    """log p and its slope d log p / d|t| on the grid, up to where p stays representable."""
    table = _TABLES.get(nu)
    if table is None:
        u = np.arange(0.0, 40.0, _STEP)
        p = 2.0 * _special().stdtr(nu, -u)
        keep = int(np.searchsorted(-p, -_SMALLEST))       # p falls with |t|
        u, log_p = u[:keep], np.log(p[:keep])
        # the density's constant 1 / (√ν B(ν/2, 1/2)) through betaln: a difference of two
        # lgamma loses 1e-9 of it at ν = 10⁷
        log_density = (-float(_special().betaln(nu / 2, 0.5)) - 0.5 * math.log(nu)
                       - (nu + 1) / 2 * np.log1p(u * u / nu))
        table = (log_p, -2.0 * np.exp(log_density - log_p))
        if len(_TABLES) >= 64:
            _TABLES.clear()
        _TABLES[nu] = table
    return table


def _interpolate(table: tuple[np.ndarray, np.ndarray], u: np.ndarray) -> np.ndarray:
    log_p, slope = table
    x = u / _STEP
    j = x.astype(np.intp)
    s = x - j
    s2 = s * s
    s3 = s2 * s
    return np.exp((2 * s3 - 3 * s2 + 1) * log_p[j] + (s3 - 2 * s2 + s) * _STEP * slope[j]
                  + (3 * s2 - 2 * s3) * log_p[j + 1] + (s3 - s2) * _STEP * slope[j + 1])


def t_two_sided(df, t):
    """Two-sided p of Student's t statistic ``t`` on ``df`` degrees of freedom: scipy's
    ``2·stdtr(df, −|t|)``, interpolated from a table where many values share one df
    (within 1e-11 relative)."""
    t, df = np.asarray(t, np.float64), np.asarray(df, np.float64)
    u, nu = np.broadcast_arrays(np.abs(t), df)
    p = np.empty(u.shape)
    rest = np.ones(u.shape, bool)
    per_df = u.size // max(df.size, 1)          # values per df entry
    values, counts = np.unique(df[np.isfinite(df)], return_counts=True)
    for value, count in zip(values, counts):
        if value < _MIN_DF or count * per_df < _MIN_VALUES:
            continue
        table = _table(float(value))
        sel = (nu == value) & (u < (len(table[0]) - 1) * _STEP)     # NaN |t| fails this
        p[sel] = _interpolate(table, u[sel])
        rest &= ~sel
    if rest.any():
        p[rest] = 2.0 * _special().stdtr(nu[rest], -u[rest])
    return p


def f_upper(dfn, dfd, f):
    """Upper-tail p of an F statistic on (``dfn``, ``dfd``) degrees of freedom."""
    return _special().fdtrc(dfn, dfd, f)


def normal_quantile(p):
    """The standard normal quantile Φ⁻¹(p)."""
    return _special().ndtri(p)

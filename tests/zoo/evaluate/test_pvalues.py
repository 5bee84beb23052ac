"""zoo.evaluate.pvalues: scipy's own ufuncs, without scipy.special's package import."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from zoo.evaluate import pvalues

ROOT = Path(__file__).resolve().parents[3]


def test_same_functions_and_numbers_as_scipy():
    for name in ("stdtr", "fdtrc", "ndtri", "chdtri", "betaincinv"):
        assert getattr(pvalues.special, name) is getattr(special, name), name
    t = np.array([-40.0, -5.5, -1.0, 0.0, 0.3, 2.0, 7.0, np.nan])
    df = np.array([3.0, 50.0, 9987.0, 10.0, 1e5, 2.0, 400.0, 10.0])
    np.testing.assert_array_equal(pvalues.t_two_sided(df, t), 2.0 * special.stdtr(df, -np.abs(t)))
    f = np.array([0.0, 0.5, 3.0, 40.0])
    np.testing.assert_array_equal(pvalues.f_upper(16, np.array([10.0, 100.0, 9972.0, 5.0]), f),
                                  special.fdtrc(16, np.array([10.0, 100.0, 9972.0, 5.0]), f))
    np.testing.assert_array_equal(pvalues.normal_quantile(np.array([1e-300, 0.25, 0.5])),
                                  special.ndtri(np.array([1e-300, 0.25, 0.5])))


def _fresh(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_ufuncs_without_the_package_and_the_package_afterwards():
    """A fresh interpreter loads the ufuncs alone (scipy.special not imported, nor what its
    __init__ pulls in), and importing scipy.special afterwards gives the whole package,
    sharing the same ufunc module."""
    out = _fresh(
        "import sys\n"
        "from zoo.evaluate import pvalues\n"
        "print('alone', pvalues.special.__name__, 'scipy.special' in sys.modules, "
        "'numpy.f2py' in sys.modules)\n"
        "p = pvalues.t_two_sided(100.0, 2.0)\n"
        "import scipy.special as s\n"
        "print('after', s.stdtr is pvalues.special.stdtr, hasattr(s, 'logsumexp'), "
        "float(p) == float(2 * s.stdtr(100.0, -2.0)))\n")
    assert "alone scipy.special._ufuncs False False" in out, out
    assert "after True True True" in out, out


def test_package_already_imported_is_used():
    out = _fresh("import scipy.special as s\nfrom zoo.evaluate import pvalues\n"
                 "print(pvalues.special is s)\n")
    assert out.strip() == "True"


@pytest.mark.parametrize("df", [20.0, 57.0, 1000.0, 9987.0, 1e7])
def test_t_p_values_from_the_table_are_stdtrs(df):
    """Many t values on one df are interpolated from a table: within 1e-11 of stdtr over
    the whole range, down to p ~ 1e-290 and past it (stdtr), NaN and ±inf kept."""
    rng = np.random.default_rng(int(df))
    t = np.concatenate([rng.normal(size=20_000) * 4, rng.uniform(-45, 45, 20_000),
                        [0.0, 1e-12, -39.99, 40.0, np.inf, -np.inf, np.nan]])
    dfs = np.full((t.size, 1), df)
    got = pvalues.t_two_sided(dfs, t[:, None])[:, 0]
    want = 2.0 * special.stdtr(df, -np.abs(t))
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = np.isfinite(want) & (want > 0)
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-11, atol=0)
    np.testing.assert_array_equal(got[~ok & ~np.isnan(want)], want[~ok & ~np.isnan(want)])


def test_mixed_df_and_few_values_take_stdtr():
    """Variants with their own df (missing calls) beside a common one: each value gets
    its own df's p; a handful of values or a small df go to stdtr itself."""
    rng = np.random.default_rng(5)
    df = np.where(rng.random(6000) < 0.9, 9987.0, rng.integers(5, 9987, 6000)).astype(float)
    t = rng.normal(size=(6000, 3)) * 3
    got = pvalues.t_two_sided(df[:, None], t)
    np.testing.assert_allclose(got, 2.0 * special.stdtr(df[:, None], -np.abs(t)), rtol=1e-11)
    few = pvalues.t_two_sided(np.full(10, 30.0), np.linspace(-5, 5, 10))
    np.testing.assert_array_equal(few, 2.0 * special.stdtr(30.0, -np.abs(np.linspace(-5, 5, 10))))

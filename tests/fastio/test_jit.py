"""numba compilation is cached on disk and never happens at import.

Every kernel goes through ``fastio._jit`` (``cache=True``). Each check runs in fresh
interpreters sharing one ``NUMBA_CACHE_DIR``: the first compiles and writes the cache, the
second must load every kernel it calls from there (numba's dispatcher counts cache hits
and misses per signature) and compile nothing.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

KERNEL_PACKAGES = ("fastio._kernels", "zoo.evaluate._kernels", "zoo.phantom._kernels")

_PROBE = """
import importlib, json, pkgutil, sys
import numpy as np
from numba.core.dispatcher import Dispatcher

dispatchers = {}
for package in %(packages)r:
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__, package + "."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if isinstance(obj, Dispatcher) and obj.__module__ == info.name:
                dispatchers[info.name + "." + name] = obj
compiled_at_import = sorted(k for k, d in dispatchers.items() if d.signatures)
uncached = sorted(k for k, d in dispatchers.items() if type(d._cache).__name__ == "NullCache")

if %(run)r:
    from fastio._kernels.kernels import sample_stats
    from zoo.evaluate._kernels.bed import BYTE_TABLE, decode_centre_all
    from zoo.evaluate._kernels.genotypes import centre_impute
    from zoo.phantom._kernels.haplotypes import markov_genotypes

    sample_stats(np.arange(10, dtype=np.float32))
    n, m = 10, 3
    out = np.empty((n, m), np.float32, order="F")
    obs, mean, sumsq = np.empty(m, np.int64), np.empty(m), np.empty(m)
    decode_centre_all(np.zeros((m, 3), np.uint8), n, BYTE_TABLE, out, obs, mean, sumsq)
    centre_impute(np.zeros((n, m), np.int8, order="F"), out, obs, mean, sumsq)
    markov_genotypes(np.zeros((4, m), np.float32), np.zeros(m), np.zeros((1, m)),
                     np.zeros(4, np.int64), np.zeros((2, m), np.int8))

stats = {k: {"hits": sum(d.stats.cache_hits.values()), "misses": sum(d.stats.cache_misses.values())}
         for k, d in dispatchers.items()}
print(json.dumps({"compiled_at_import": compiled_at_import, "uncached": uncached,
                  "stats": stats}))
"""

CALLED = ("fastio._kernels.kernels.sample_stats", "zoo.evaluate._kernels.bed.decode_centre_all",
          "zoo.evaluate._kernels.genotypes.centre_impute",
          "zoo.phantom._kernels.haplotypes.markov_genotypes")


def _probe(cache_dir: Path, *, run: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    env.update(NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    proc = subprocess.run([sys.executable, "-c", _PROBE % {"packages": KERNEL_PACKAGES, "run": run}],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_kernel_is_cached_and_none_compiles_at_import(tmp_path):
    result = _probe(tmp_path, run=False)
    assert len(result["stats"]) >= 10, sorted(result["stats"])   # the walk found the kernels
    assert result["uncached"] == []
    assert result["compiled_at_import"] == []
    assert list(tmp_path.rglob("*.nbi")) == []                   # nothing compiled, nothing written


def test_second_process_loads_kernels_from_the_cache(tmp_path):
    first = _probe(tmp_path, run=True)
    for name in CALLED:
        # the first process compiles (a miss) and writes the index
        assert first["stats"][name] == {"hits": 0, "misses": 1}, (name, first["stats"][name])
    assert list(tmp_path.rglob("*.nbi")), "numba wrote no cache index"
    second = _probe(tmp_path, run=True)
    for name in CALLED:
        assert second["stats"][name] == {"hits": 1, "misses": 0}, (name, second["stats"][name])
    assert sum(s["misses"] for s in second["stats"].values()) == 0

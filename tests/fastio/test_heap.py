"""keep_freed_memory: freed numpy temporaries are reused without fresh page faults.

Each case runs in a fresh interpreter (the setting is process-wide). The probe allocates
and frees arrays of 1–24 MB three times; after the first pass a process that keeps its
freed memory takes no new pages, glibc's default policy (the negative control) does.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastio.heap import arrow_uses_malloc, keep_freed_memory

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import resource, sys
import numpy as np
from fastio.heap import keep_freed_memory

kept = keep_freed_memory() if sys.argv[1] == "keep" else None
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
later = 0
for rep in range(3):
    start = faults()
    for mb in (1, 3, 6, 12, 24):
        a = np.ones(mb << 17)          # mb MB of float64
        b = a * 2.0
        del a, b
    if rep:
        later += faults() - start
print(kept, later)
"""


def _later_faults(mode: str) -> tuple[str, int]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    kept, later = proc.stdout.split()
    return kept, int(later)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_memory_is_reused_without_page_faults():
    kept, later = _later_faults("keep")
    assert kept == "True"
    default_kept, default_later = _later_faults("default")
    assert default_kept == "None"
    # 2 passes × 92 MB: glibc's default maps fresh pages for most of it (thousands of
    # faults); kept memory takes a handful (the interpreter's own small allocations)
    assert default_later > 2_000, default_later
    assert later < default_later / 10, (later, default_later)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        keep_freed_memory(trim_threshold=-1)


_ARROW_PROBE = """
import sys
from fastio.heap import arrow_uses_malloc
first = arrow_uses_malloc()
import pyarrow as pa
print(first, arrow_uses_malloc(), pa.default_memory_pool().backend_name)
"""


def _probe(code: str, unset: tuple[str, ...], **chosen: str) -> list[str]:
    """``code``'s printed words in a fresh interpreter, the variables ``unset`` removed
    from its environment and ``chosen`` set."""
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(PYTHONPATH=str(ROOT), **chosen)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.parametrize("chosen", [None, "jemalloc"])
def test_arrow_allocates_through_malloc_unless_the_user_chose(chosen):
    name = "ARROW_DEFAULT_MEMORY_POOL"
    first, after_import, backend = _probe(_ARROW_PROBE, (name,),
                                          **({name: chosen} if chosen else {}))
    # once pyarrow is imported the pool is fixed: a second call changes nothing
    assert after_import == "False"
    if chosen:
        assert (first, backend) == ("False", chosen)
    else:
        assert (first, backend) == ("True", "system")


_BLAS_PROBE = """
import os
from fastio.heap import one_blas_thread
first = one_blas_thread()
import numpy, threadpoolctl
blas = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
print(first, one_blas_thread(), os.environ.get("OPENBLAS_NUM_THREADS"), blas[0] if blas else 0)
"""


@pytest.mark.parametrize("chosen", [None, "3"])
def test_blas_starts_with_one_thread_unless_the_user_chose(chosen):
    name = "OPENBLAS_NUM_THREADS"
    first, after_import, setting, threads = _probe(_BLAS_PROBE, (name,),
                                                   **({name: chosen} if chosen else {}))
    assert after_import == "False"          # once numpy is imported it is too late
    if chosen:
        assert (first, setting) == ("False", chosen)
    else:
        assert (first, setting, threads) == ("True", "1", "1")


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: OpenBLAS has one thread anyway")
def test_blas_has_a_thread_per_core_without_it():
    """The negative control: numpy imported plainly starts more than one BLAS thread."""
    code = ("import numpy, threadpoolctl\nprint([i['num_threads'] for i in "
            "threadpoolctl.threadpool_info() if i['user_api'] == 'blas'][0])")
    (threads,) = _probe(code, ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"))
    assert int(threads) > 1

"""Keep freed memory in a short-lived process instead of handing it back to the kernel.

glibc's malloc serves a large block (128 kB and up, rising as they are freed) with its own
``mmap`` and returns it with ``munmap`` when freed, and trims the heap top as soon as it
holds a few free MB. A command that allocates and frees numpy temporaries chunk after
chunk then pays for fresh pages every time: a page fault per 4 kB and the kernel zeroing
it. In ``zoo gwas`` (10k × 50k × 16) that was 0.3 s of its 0.6 s of system time. A
process that lives for seconds loses nothing by keeping what it freed for its next
allocation, so short-lived commands call :func:`keep_freed_memory` first (see
``fastio._dispatch``); library code never does, a long-lived process keeps glibc's policy.

Arrow allocates through its own pool (mimalloc in these wheels), which hands freed pages
back to the kernel by itself: formatting ``zoo gwas``'s long table block by block cost
0.25 CPU-s of system time in fresh pages. :func:`arrow_uses_malloc` points Arrow at
glibc's malloc instead, whose freed memory the setting above keeps.

OpenBLAS (numpy's BLAS) starts a worker thread per core, and an idle worker busy-waits for
work: in ``zoo gwas``, whose products are skinny and run on one BLAS thread anyway, the
second core's worker spun through the imports, the reading and the loci, 0.3–0.4 CPU-s
of a 2.5 CPU-s run. :func:`one_blas_thread` starts OpenBLAS with one thread instead.
"""
from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["keep_freed_memory", "arrow_uses_malloc", "one_blas_thread"]

# mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
# glibc's largest mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX); larger is refused
MMAP_THRESHOLD_MAX = 32 << 20


def keep_freed_memory(trim_threshold: int = 1 << 30, top_pad: int = 64 << 20) -> bool:
    """Blocks up to 32 MB come from the heap, which grows ``top_pad`` bytes at a time and
    is trimmed only above ``trim_threshold`` bytes free. False (and nothing changed) where
    the C library has no ``mallopt`` (not glibc) or refuses a setting."""
    if trim_threshold < 0 or top_pad < 0:
        raise ValueError(f"Expected non-negative sizes, got trim_threshold={trim_threshold}, "
                         f"top_pad={top_pad}")
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    settings = ((M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX), (M_TRIM_THRESHOLD, trim_threshold),
                (M_TOP_PAD, top_pad))
    return all(mallopt(param, min(value, 2**31 - 1)) == 1 for param, value in settings)


def arrow_uses_malloc() -> bool:
    """Arrow's default memory pool becomes the C library's malloc, unless the user chose
    one (``ARROW_DEFAULT_MEMORY_POOL``). Arrow reads that setting when it first needs its
    pool, so call this before pyarrow is imported; afterwards it changes nothing and says
    False."""
    if "pyarrow" in sys.modules:
        return False
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    return os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"


def one_blas_thread() -> bool:
    """OpenBLAS starts with one thread, unless the user chose a number
    (``OPENBLAS_NUM_THREADS``). OpenBLAS reads that setting when numpy loads it, so call
    this before numpy is imported; afterwards it changes nothing and says False."""
    if "numpy" in sys.modules:
        return False
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return os.environ["OPENBLAS_NUM_THREADS"] == "1"

"""The latent GWAS product's pieces, one thread: decoding a .bed block into floats
(``np.take`` with ``mode="raise"``, numpy's default, against ``mode="clip"``, what
``bedtables.decode_counts`` uses), the skinny sgemm/dgemm ``xᵀS`` for S of 27–32 columns,
the same product in panels of samples (``skinny.py``) by panel size, and
``BedChunks.product`` (decode, counts and product) in one call a block with S of 28
columns as it is and padded to 32, and in both precisions by the variants decoded per
block, in one call a block and in panels. Run:
``python benchmarks/gwas_product.py [SAMPLES] [VARIANTS]`` (default 10000 20480; results in
``benchmarks/results/gwas.md``, round 6). Random genotypes, a fresh .bed in a temporary
folder; CPU seconds (thread time), best of 5 (a shared machine only ever adds time).
"""
from __future__ import annotations

import sys
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from zoo.evaluate.bedfile import BedChunks, block_buffer, write_bfile
from zoo.evaluate.bedtables import _COUNT_TABLE
from zoo.evaluate.skinny import (SMALL_MATRIX_BOUND, panel_size, skinny_product,
                                 small_matrix_bound)


def _best(func, repeats: int = 5) -> float:
    return min(timeit.repeat(func, timer=time.thread_time, number=1, repeat=repeats))


def _fileset(folder: Path, n: int, m: int) -> Path:
    rng = np.random.default_rng(0)
    freq = rng.uniform(0.05, 0.5, m)
    genotypes = rng.binomial(2, freq, size=(n, m)).astype(np.int8)
    return write_bfile(folder / "g", genotypes, sample_ids=[f"s{i}" for i in range(n)],
                       chromosome=np.ones(m, int), bp_position=np.arange(m) * 10 + 1,
                       variant_id=[f"v{j}" for j in range(m)], allele_1=["A"] * m,
                       allele_2=["G"] * m)


def main(n: int, m: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(limits=1, user_api="blas"):
        prefix = _fileset(Path(tmp), n, m)
        chunks = BedChunks(prefix, np.arange(n))
        packed = np.asarray(chunks._packed[:m])
        rows = 4 * ((n + 3) // 4)
        print(f"{n} samples x {m} variants, CPU s, best of 5, one thread")
        for dtype in ("float32", "float64"):
            buffer = block_buffer(rows, dtype)
            step = buffer.shape[1]
            item = np.dtype(f"V{4 * buffer.itemsize}")
            table = _COUNT_TABLE.astype(dtype).view(item).ravel()

            def decode(mode: str) -> None:
                for a in range(0, m - step + 1, step):
                    out = buffer.T.reshape(step, rows // 4, 4).view(item)[:, :, 0]
                    np.take(table, packed[a:a + step].astype(np.intp), out=out, mode=mode)

            print(f"{dtype} decode, {step} variants a block: mode='raise' "
                  f"{_best(lambda: decode('raise')):.3f}, mode='clip' "
                  f"{_best(lambda: decode('clip')):.3f}")
            x = np.asfortranarray(np.random.default_rng(1).integers(0, 3, (n, step))
                                  .astype(dtype))
            cells = []
            for d in (27, 28, 29, 30, 31, 32):
                s = np.random.default_rng(2).standard_normal((n, d)).astype(dtype)
                cells.append(f"{d}: {_best(lambda: [x.T @ s for _ in range(m // step)]):.3f}")
            print(f"{dtype} xT S per {m} variants, by columns of S: " + ", ".join(cells))
            # the same product in sample panels (skinny.py): one batched call a block
            s = np.random.default_rng(2).standard_normal((n, 28)).astype(dtype)
            cells = [f"one call: {_best(lambda: [x.T @ s for _ in range(m // step)]):.3f}"]
            for panel in (128, 256, 512, 744, 800, 1024):
                bound = panel * step * 28          # panel_size's widest panel: `panel`
                k = panel_size(step, n, 28, bound)
                seconds = _best(lambda: [skinny_product(x.T, s, bound)
                                         for _ in range(m // step)])
                cells.append(f"{panel} ({k}): {seconds:.3f}")
            print(f"{dtype} xT S per {m} variants, S of 28 columns, in panels of at most N "
                  f"samples (as cut): " + ", ".join(cells))
            cells = []
            for d in (28, 32):
                s = np.random.default_rng(2).standard_normal((n, d)).astype(dtype)
                seconds = _best(lambda: [skinny_product(x.T, s, SMALL_MATRIX_BOUND)
                                         for _ in range(m // step)])
                cells.append(f"{d}: {seconds:.3f}")
            print(f"{dtype} xT S per {m} variants in panels within 100^3, by columns of S: "
                  + ", ".join(cells))
        print(f"small_matrix_bound() here: {small_matrix_bound()} "
              f"(OpenBLAS core: {_openblas_core()})")
        # BedChunks.product as the scan runs it, without panels (chunks.blas_bound = None)
        # and with them where this machine's BLAS has small-matrix kernels
        bounds = {"one call": None, "panels": small_matrix_bound()}
        stacked = np.random.default_rng(3).standard_normal((n, 28)).astype(np.float32)
        buffer = block_buffer(n, np.float32)
        padded = chunks._padded_columns

        def product() -> None:
            for a in range(0, m, 1024):
                chunks.product(a, min(a + 1024, m), stacked, buffer)

        chunks.blas_bound = None
        with_padding = _best(product)
        chunks._padded_columns = lambda s: s
        print(f"BedChunks.product, one call a block, float32, S of 28 columns: padded to 32 "
              f"{with_padding:.3f}, as it is {_best(product):.3f}")
        chunks._padded_columns = padded
        # the block size block_buffer picks (48 variants at 10k samples) against others
        for label, bound in bounds.items():
            if label == "panels" and bound is None:
                print("BedChunks.product in panels: not measured (no small-matrix kernels)")
                continue
            chunks.blas_bound = bound
            for dtype in ("float32", "float64"):
                s = np.random.default_rng(3).standard_normal((n, 28)).astype(dtype)
                cells = []
                for step in (24, 32, 48, 64, 104):
                    block = np.empty((n, step), dtype, order="F")
                    seconds = _best(lambda: [chunks.product(a, min(a + 1024, m), s, block)
                                             for a in range(0, m, 1024)])
                    cells.append(f"{step}: {seconds:.3f}")
                print(f"BedChunks.product, {label}, {dtype}, S of 28 columns, by variants a "
                      f"block (block_buffer: {block_buffer(n, dtype).shape[1]}): "
                      + ", ".join(cells))


def _openblas_core() -> str:
    from threadpoolctl import threadpool_info

    return ", ".join(str(lib.get("architecture")) for lib in threadpool_info()
                     if lib.get("user_api") == "blas")

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 20480)

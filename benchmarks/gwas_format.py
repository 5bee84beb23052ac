"""The long table's text, one thread: Arrow's cast of a float column (``as_text``)
against ``delimited_text`` (orjson where it writes Arrow's bytes), per value, and
``LongTableStream``'s formatting of a 10,000 × 50,000 × 16 table's blocks (1,024 variants,
the values of a null GWAS), with orjson and with Arrow's cast alone. Run:
``python benchmarks/gwas_format.py`` (results in ``benchmarks/results/gwas.md``, round 8).
CPU seconds (thread time), best of 5.
"""
from __future__ import annotations

import tempfile
import time
import timeit
from pathlib import Path

import numpy as np

from zoo.evaluate import arrowcols
from zoo.evaluate.arrowcols import as_text, delimited_text, to_arrow
from zoo.evaluate.columns import ColumnTable
from zoo.evaluate.results import long_values
from zoo.evaluate.tsv import LongTableStream


def _best(func, repeats: int = 5) -> float:
    return min(timeit.repeat(func, timer=time.thread_time, number=1, repeat=repeats))


def _null_scan(rng, m: int, k: int) -> dict:
    beta = rng.standard_normal((m, k)) * 0.01
    se = 0.01 * (1 + rng.random((m, k)))
    return {"beta": beta, "se": se, "t": beta / se, "p": rng.random((m, k)),
            "obs": np.full(m, 10_000)}


def main(blocks: int = 48, m: int = 1024, k: int = 16) -> None:
    rng = np.random.default_rng(0)
    stats = _null_scan(rng, m, k)
    print(f"{m * k:,} values a column, CPU ns per value, best of 5, one thread")
    for precision in ("float32", "float64"):
        values = long_values(stats, precision)
        for name in ("BETA", "SE", "T_STAT", "P"):
            column = np.ascontiguousarray(values[name].T.reshape(-1))
            arrow = _best(lambda: [as_text(column) for _ in range(20)]) / 20 / column.size
            fast = _best(lambda: [delimited_text(column, "\t")
                                  for _ in range(20)]) / 20 / column.size
            print(f"{precision} {name} ({column.dtype}): Arrow's cast {arrow * 1e9:.0f}, "
                  f"delimited_text {fast * 1e9:.0f}")
    variants = ColumnTable({"#CHROM": to_arrow(np.array(["1"] * (blocks * m))),
                            "POS": np.arange(blocks * m) + 1,
                            "ID": to_arrow(np.array([f"rs{i}" for i in range(blocks * m)]))})
    labels = [f"latent_{i}" for i in range(k)]
    real = arrowcols._orjson
    with tempfile.TemporaryDirectory() as tmp:
        for precision in ("float32", "float64"):
            values = long_values(stats, precision)
            cells = []
            for way, orjson in (("orjson where it writes Arrow's text", real),
                                ("Arrow's cast alone", lambda: None)):
                arrowcols._orjson = orjson
                stream = LongTableStream(Path(tmp) / "t.tsv", variants, labels, list(values),
                                         threads=1)
                stream._format_block(0, m, values)          # the variants' text, made once
                seconds = _best(lambda: [stream._format_block(b * m, (b + 1) * m, values)
                                         for b in range(blocks)])
                stream.abort()
                cells.append(f"{way} {seconds:.3f}")
            arrowcols._orjson = real
            print(f"LongTableStream, {precision}, {blocks} blocks of {m} variants × {k} "
                  f"labels, CPU-s: " + ", ".join(cells))


if __name__ == "__main__":
    main()

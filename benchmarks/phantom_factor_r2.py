"""Does the phantom's nuisance dial decide the answer? For cohorts that differ only in
``nuisance`` (same seed: same people, genotypes and anatomy), the share of each tensor's
variation that the true factors explain, before and after registration
(``benchmarks/results/phantom.md``). Run:

    python benchmarks/phantom_factor_r2.py [N [LEVELS]]     # default: 400 0,0.25,1

Statistic: ``zoo.phantom.diagnostics.pc_r2``: pixels standardised across subjects, top
20 principal components, each regressed on the nine true factors of ``truth.json``;
variance-weighted adjusted R². Negative control: the same statistic against the factors
with their subjects permuted (one permutation for all nine, so their joint structure
stays): chance, ≈ 0 by construction of the adjusted R².

The registrations are the ones ``zoo reproduce`` runs, applied in memory to the raw
``.hd5`` values through the same method steps (``zoo.registration.methods``): the brain
slice by rigid ECC to a data-built template, DXA 12 by homography ECC, the ECG strip to
its median beat. ``t1_mni_slice_80`` is the phantom's template-space rendering without
pose (an oracle, not a method). The cine and its DeepCycle alignment are left out: the
raw ``.hd5`` cine is the uncropped field of view, and DeepCycle trains a network.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fastio.catalogue import get_spec
from zoo.phantom import generate
from zoo.phantom.diagnostics import pc_r2, read_tensor_matrix
from zoo.phantom.truth import load_truth
from zoo.registration.methods import get_method

SCALE = "quick"
N_VARIANTS = 1000  # the genetics do not enter this statistic; the fewest variants allowed
N_COMPONENTS = 20
# (row label, source tensor, registration method and options, or None: the tensor as stored)
ROWS = (
    ("t1_slice_80 (native pose)", "t1_slice_80", None),
    ("t1_slice_80, rigid template ECC", "t1_slice_80", ("template", {"transform": "rigid"})),
    ("t1_mni_slice_80 (oracle: rendered without pose)", "t1_mni_slice_80", None),
    ("ecg_rest (10 s strip)", "ecg_rest", None),
    ("ecg_rest, median beat", "ecg_rest", ("median_beat", {})),
    ("dxa_12 (perspective pose)", "dxa_12", None),
    ("dxa_12, homography ECC", "dxa_12", ("homography", {})),
)


def _register(x: np.ndarray, name: str, method: tuple[str, dict], work: Path) -> tuple[np.ndarray, np.ndarray]:
    """(registered rows, mask of rows that succeeded) of ``x`` (n, *spec shape)."""
    spec = get_spec(name, SCALE)
    step = get_method(method[0]).step(method[1], seed=0)
    work.mkdir(parents=True)
    step.fit(None, name, spec, work, lambda k: x[:k], False)
    out, _, reasons = step.apply(x)
    return out.reshape(len(x), -1), np.array([r is None for r in reasons])


def measure(root: Path, work: Path, seed: int = 0) -> dict[str, tuple[float, float, int]]:
    """Per row of :data:`ROWS`: (R² on the factors, R² on permuted factors, subjects)."""
    truth = load_truth(root)
    ids = truth["sample_ids"]
    factors = np.column_stack([np.asarray(v) for v in truth["subjects"]["factors"].values()])
    perm = np.random.default_rng(seed).permutation(len(ids))
    cache: dict[str, tuple[np.ndarray, list[int]]] = {}
    out = {}
    for label, name, method in ROWS:
        if name not in cache:
            cache[name] = read_tensor_matrix(root, name, ids, SCALE)
        x, present = cache[name]
        rows = np.asarray(present)
        if method is not None:
            x, ok = _register(x.reshape(len(x), *get_spec(name, SCALE).shape), name, method,
                              work / f"{name}_{method[0]}")
            x, rows = x[ok], rows[ok]
        out[label] = (pc_r2(x, factors[rows], N_COMPONENTS), pc_r2(x, factors[perm][rows], N_COMPONENTS), len(rows))
    return out


def _table(results: dict[float, dict], n: int) -> str:
    levels = list(results)
    head = " | ".join(f"nuisance {v:g}" for v in levels)
    lines = [f"| tensor (n = {n} subjects) | {head} | permuted factors (chance), per level |",
             "|---|" + "---:|" * len(levels) + "---|"]
    for label, *_ in ROWS:
        real = " | ".join(f"{results[v][label][0]:.3f}" for v in levels)
        null = ", ".join(f"{results[v][label][1]:+.3f}" for v in levels)
        used = {results[v][label][2] for v in levels}
        note = "" if used == {n} else f" (rows used: {', '.join(str(results[v][label][2]) for v in levels)})"
        lines.append(f"| {label}{note} | {real} | {null} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 400
    levels = [float(v) for v in argv[1].split(",")] if len(argv) > 1 else [0.0, 0.25, 1.0]
    results = {}
    with tempfile.TemporaryDirectory(prefix="phantom_factor_r2_") as tmp:
        for level in levels:
            t0 = time.perf_counter()
            root = generate(Path(tmp) / f"nuisance_{level:g}", n=n, seed=0, scale=SCALE, n_variants=N_VARIANTS,
                            progress=False, nuisance=level).root
            t1 = time.perf_counter()
            results[level] = measure(root, Path(tmp) / f"work_{level:g}")
            print(f"nuisance {level:g}: generate {t1 - t0:.1f} s, measure {time.perf_counter() - t1:.1f} s",
                  file=sys.stderr, flush=True)
    print(f"Variance-weighted adjusted R² of the top {N_COMPONENTS} PCs on the nine true factors "
          f"({SCALE} scale, seed 0, {N_VARIANTS} variants)")
    print(_table(results, n))


if __name__ == "__main__":
    main(sys.argv[1:])

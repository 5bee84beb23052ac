"""ml4h itself as the oracle: ml4h 0.1.4's own ``tensor_from_file`` reads a small
full-scale phantom cohort, and must read every file the fastio store marks present, giving
the very arrays fastio stored. Slow: it installs ml4h (``--no-deps``, plus the three
packages its ECG module imports) from PyPI into a temporary folder, or uses the folder
named by ``REGZOO_ML4H_PATH``; it is skipped only when that install cannot be done.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from fastio import convert, open_store
from zoo.phantom import generate
from zoo.phantom.layout import GROUPS

pytestmark = pytest.mark.slow

ML4H = ("ml4h==0.1.4", "biosppy==2.2.4", "peakutils==1.3.5", "PyWavelets==1.9.0")
ORACLE = Path(__file__).with_name("ml4h_oracle.py")
ROOT = Path(__file__).resolve().parents[2]
TENSORS = tuple(t for group in GROUPS.values() for t in group)


@pytest.fixture(scope="module")
def ml4h_path(tmp_path_factory) -> str:
    given = os.environ.get("REGZOO_ML4H_PATH")
    if given:
        return given
    target = tmp_path_factory.mktemp("ml4h")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                           str(target), *ML4H], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot install {ML4H} from PyPI: {done.stderr.strip()[-300:]}")
    return str(target)


@pytest.fixture(scope="module")
def oracle(tmp_path_factory, ml4h_path):
    """(store, ml4h arrays, ml4h errors) for a 20-subject full-scale phantom."""
    root = tmp_path_factory.mktemp("oracle")
    cohort = generate(root / "phantom", n=20, seed=4, scale="full", n_variants=1000, progress=False)
    convert(cohort.hd5_dir, root / "store.zarr", TENSORS, scale="full", workers=1,
            executor="thread", progress=False)
    out = root / "ml4h.npz"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ml4h_path, str(ROOT)]))
    subprocess.run([sys.executable, str(ORACLE), str(cohort.hd5_dir), str(out), *TENSORS],
                   env=env, check=True, cwd=root)
    with np.load(out) as npz:
        arrays = {k: npz[k] for k in npz.files}
    errors = json.loads(Path(str(out) + ".errors.json").read_text())
    return open_store(root / "store.zarr"), arrays, errors, cohort.hd5_dir


def test_ml4h_reads_what_fastio_stores(oracle):
    store, arrays, errors, hd5_dir = oracle
    refused = {(t, s): e for t, s, e in errors}
    rows, problems = [], []
    for name in TENSORS:
        present = store.present(name)
        stored = store[name][:]
        read = equal = 0
        worst = 0.0
        for row, sid in enumerate(store.sample_ids):
            if not present[row]:
                if f"{name}/{sid}" in arrays:
                    problems.append(f"{name} {sid}: ml4h reads a tensor fastio marks absent")
                continue
            if (name, sid) in refused:
                problems.append(f"{name} {sid}: ml4h refused: {refused[name, sid]}")
                continue
            read += 1
            theirs = arrays[f"{name}/{sid}"]
            if theirs.shape != stored[row].shape:
                problems.append(f"{name} {sid}: ml4h shape {theirs.shape}, fastio {stored[row].shape}")
                continue
            delta = float(np.max(np.abs(theirs.astype(np.float64) - stored[row].astype(np.float64))))
            worst = max(worst, delta)
            equal += delta == 0.0
        rows.append(f"| {name} | {int(present.sum())} | {read} | {equal} | {worst:g} |")
    print("\n| tensor | present (fastio) | read by ml4h | equal | max abs diff |\n|---|---|---|---|---|")
    print("\n".join(rows))
    assert not problems, "\n".join(problems)
    assert all(store.present(name).sum() >= 18 for name in TENSORS)  # the phantom left most present
    # the cohort exercises the visit rule: a subject with two different DXA visits
    two = []
    for path in hd5_dir.glob("*.hd5"):
        with h5py.File(path, "r") as f:
            if len(f.get("ukb_dxa/dxa_1_2", {})) == 2:
                two.append(not np.array_equal(f["ukb_dxa/dxa_1_2/instance_0"][()], f["ukb_dxa/dxa_1_2/instance_1"][()]))
    assert two and all(two)

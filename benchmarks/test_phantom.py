"""Phantom cohort speed. In CI these run once on tiny inputs (--benchmark-disable);
the measured table in benchmarks/results/phantom.md comes from

    PHANTOM_BENCH_N=2000 .venv/bin/python -m pytest benchmarks/test_phantom.py -q

(2,000 subjects at quick scale, the issue's target: ≤ 3 minutes on 2 cores).
"""
from __future__ import annotations

import os
import time

import h5py
import numpy as np
import pytest

from zoo.phantom import generate, render_brain, render_cardiac, render_dxa, render_ecg
from zoo.phantom.biology import anatomy, simulate_biology
from zoo.phantom.diagnostics import read_tensor_matrix
from zoo.phantom.genotypes import simulate_genotypes
from zoo.phantom.hd5 import write_subject
from zoo.phantom.layout import Geometry, draw_nuisance, render_block, subject_datasets

from .phantom_factor_r2 import ROWS, measure

N = int(os.environ.get("PHANTOM_BENCH_N", "20"))
BLOCK = int(os.environ.get("PHANTOM_BENCH_BLOCK", "16"))


@pytest.fixture(scope="module")
def block():
    rng = np.random.default_rng(0)
    geno = simulate_genotypes(BLOCK, 1000, rng)
    anat = anatomy(simulate_biology(geno, rng))
    geo = Geometry("quick")
    nuis = draw_nuisance(BLOCK, rng)
    return anat, nuis, geo


def test_generate_quick(benchmark, tmp_path_factory):
    """End to end: genetics, rendering, HDF5 files, phenotypes, truth, preview."""

    cpu = {}

    def run():
        start = time.process_time()
        cohort = generate(tmp_path_factory.mktemp("bench"), n=N, seed=0, scale="quick", progress=False)
        cpu["s"] = time.process_time() - start
        return cohort

    cohort = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info["subjects"] = N
    # CPU seconds of all threads: the wall time also shows how busy the machine was
    benchmark.extra_info["cpu_s"] = round(cpu["s"], 1)
    benchmark.extra_info["hd5_mb"] = round(sum(p.stat().st_size for p in cohort.hd5_dir.glob("*.hd5")) / 1e6, 1)
    assert len(cohort.sample_ids) == N


def test_render_block_quick(benchmark, block):
    """All nine tensors of one block of subjects, one thread."""
    anat, nuis, geo = block
    out = benchmark(lambda: render_block(anat, nuis, geo, np.random.default_rng(1)))
    benchmark.extra_info["subjects"] = BLOCK
    assert out["lax_4ch_heart_center"].shape[0] == BLOCK


# one modality's renderer each: where the rendering CPU goes (render_block runs all four)
_RENDERERS = {
    "brain": lambda a, n, g, r: render_brain.render_slices(a, n["brain"], g.image_shapes, r),
    "dxa": lambda a, n, g, r: render_dxa.render_views(a, n["dxa"], g.image_shapes, r),
    "ecg": lambda a, n, g, r: render_ecg.render_ecg(a, n["ecg"], g.fs, r),
    "cine": lambda a, n, g, r: render_cardiac.render_cine(a, n["cardiac"], g.cine_crop, r),
}


@pytest.mark.parametrize("modality", list(_RENDERERS))
def test_render_modality_quick(benchmark, block, modality):
    """One modality's tensors of one block of subjects, one thread."""
    anat, nuis, geo = block
    out = benchmark(lambda: _RENDERERS[modality](anat, nuis, geo, np.random.default_rng(1)))
    benchmark.extra_info["subjects"] = BLOCK
    first = next(iter(out.values())) if isinstance(out, dict) else out
    assert first.shape[0] == BLOCK


def _h5py_high_level(path, sets):
    """The straightforward writer: h5py create_dataset with gzip + shuffle."""
    with h5py.File(path, "w") as f:
        for d in sets:
            if d.array.dtype.kind in "USO":  # the ECG text: one string, as write_subject stores it
                ds = f.create_dataset(d.path, data=str(d.array.reshape(-1)[0]), dtype=h5py.string_dtype())
            else:
                ds = f.create_dataset(d.path, data=d.array, chunks=d.array.shape, compression="gzip",
                                      compression_opts=1, shuffle=True)
            for k, v in d.attrs.items():
                ds.attrs[k] = v


@pytest.mark.parametrize("writer", ["phantom", "h5py_create_dataset"])
def test_write_subject_files(benchmark, block, tmp_path, writer):
    """Writing one block's subject files: our low-level writer vs h5py's high-level API
    (same bytes on disk, both compressing in the calling thread)."""
    anat, nuis, geo = block
    rendered = render_block(anat, nuis, geo, np.random.default_rng(1))
    sets = [subject_datasets(rendered, k, geo, "instance_0", "2020-01-01") for k in range(BLOCK)]
    write = write_subject if writer == "phantom" else _h5py_high_level

    def run():
        for k, s in enumerate(sets):
            write(tmp_path / f"{k}.hd5", s)

    benchmark(run)
    benchmark.extra_info["subjects"] = BLOCK
    with h5py.File(tmp_path / "0.hd5", "r") as f:
        np.testing.assert_array_equal(f["ukb_dxa/dxa_1_2/instance_0"][()], rendered["dxa_2"][0])


def test_factor_r2_script_measures_every_row(tmp_path):
    """``phantom_factor_r2.py`` (the truth check of results/phantom.md) on a tiny cohort at
    full nuisance: every row is measured on every subject that has the tensor, and the
    rigidly registered brain slice shows more of the biology than the posed native one."""
    cohort = generate(tmp_path / "cohort", n=40, seed=0, scale="quick", n_variants=1000, progress=False,
                      nuisance=1.0)
    out = measure(cohort.root, tmp_path / "work")
    assert list(out) == [label for label, *_ in ROWS]
    for label, name, method in ROWS:
        _, present = read_tensor_matrix(cohort.root, name, cohort.sample_ids, "quick")
        real, chance, used = out[label]
        assert used == len(present), label
        assert -1 < chance <= 1 and -1 < real <= 1, (label, real, chance)
        if method is not None:  # a registered tensor shows its biology above chance
            assert real > chance + 0.05, (label, real, chance)
    assert out["t1_slice_80, rigid template ECC"][0] > out["t1_slice_80 (native pose)"][0] + 0.05

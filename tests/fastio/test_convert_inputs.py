"""Source folders a new user brings: empty datasets, other suffix spellings, files gone
since the inventory, an empty folder, --workers 0. Each is recorded or refused, never a
silent zero or a silent skip."""
from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from fastio.cli import main as cli
from fastio.conversion import convert
from fastio.hdf5 import read_sample
from fastio.catalogue import get_spec
from fastio.store import open_store
from fastio.synthetic import make_cohort


def _convert(src, out, **kw):
    return convert(src, out, ["dxa_2", "ecg_rest"], scale="quick", shard_size=4, workers=1,
                   progress=False, **kw)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    return make_cohort(tmp_path_factory.mktemp("inputs") / "hd5", n=4, scale="quick", seed=8, bad=())


def _copy(cohort, tmp_path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(cohort.root, src)
    return src


def test_empty_dataset_is_a_failure_not_a_zero_image(cohort, tmp_path):
    src = _copy(cohort, tmp_path)
    victim = sorted(src.glob("*.hd5"))[0]
    group = get_spec("dxa_2", "quick").hdf5_groups()[0]
    with h5py.File(victim, "a") as h5:
        for key in list(h5[group].keys()):
            del h5[group][key]
        h5[group].create_dataset("2", data=np.zeros((0, 64, 1), dtype=np.float32))
    _convert(src, tmp_path / "s.zarr")
    st = open_store(tmp_path / "s.zarr")
    row = st.sample_ids.index(victim.stem)
    assert not st.present("dxa_2")[row] and st.present("ecg_rest")[row]
    f = st.failures
    reasons = list(f[(f["sample_id"] == victim.stem) & (f["tensor"] == "dxa_2")]["reason"])
    assert reasons == [f"empty dataset at {group}/2 (shape (0, 64, 1))"]


def test_other_suffix_spellings_are_read(cohort, tmp_path):
    src = _copy(cohort, tmp_path)
    files = sorted(src.glob("*.hd5"))
    files[0].rename(files[0].with_suffix(".HD5"))
    files[1].rename(files[1].with_suffix(".h5"))
    summary = _convert(src, tmp_path / "s.zarr")
    st = open_store(tmp_path / "s.zarr")
    assert st.sample_ids == sorted(f.stem for f in files) and summary.n_files == 4
    assert st.present("dxa_2").all() and summary.n_failures == 0
    ref = tmp_path / "ref.zarr"
    _convert(cohort.root, ref)
    np.testing.assert_array_equal(open_store(ref)["dxa_2"][:], st["dxa_2"][:])


def test_file_gone_after_the_inventory_is_file_missing(cohort, tmp_path, monkeypatch):
    src = _copy(cohort, tmp_path)
    victim = sorted(src.glob("*.hd5"))[2]
    import fastio.conversion as conv

    real = conv.scan_sources

    def scan_then_delete(root):
        inv = real(root)
        victim.unlink()
        return inv

    monkeypatch.setattr(conv, "scan_sources", scan_then_delete)
    _convert(src, tmp_path / "s.zarr")
    f = open_store(tmp_path / "s.zarr").failures
    assert set(f["sample_id"]) == {victim.stem}
    assert all(r.startswith("file missing") for r in f["reason"]) and len(f) == 2
    assert read_sample(victim, [get_spec("dxa_2", "quick")])["dxa_2"].reason.startswith("file missing")


def test_empty_folder_and_zero_workers_are_errors(cohort, tmp_path, capsys):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("no samples here")
    with pytest.raises(ValueError, match="no ml4h .hd5 sample files found"):
        _convert(empty, tmp_path / "e.zarr")
    assert not (tmp_path / "e.zarr").exists()
    with pytest.raises(ValueError, match="Expected workers >= 1, got 0"):
        convert(cohort.root, tmp_path / "w.zarr", ["dxa_2"], scale="quick", workers=0, progress=False)
    for args in ([str(empty), str(tmp_path / "e.zarr")], [cohort.root, str(tmp_path / "w.zarr"), "--workers", "0"]):
        capsys.readouterr()
        assert cli(["convert", *args, "--tensors", "dxa_2", "--scale", "quick", "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("fastio convert: error:") and len(err.strip().splitlines()) == 1

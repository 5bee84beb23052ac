"""Conversion: exact values, every failure recorded, resume after SIGKILL, parts + merge,
the Dask schedule and the command line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .convert_fixtures import (QUICK_TENSORS, KilledWriter, assert_same_store, converted,  # noqa: F401
                              kill_after_writes, quick_cohort, quick_specs)
from fastio.conversion import convert
from fastio.parts import merge_parts
from fastio.hdf5 import read_tensor
from fastio.store import open_store
from fastio.synthetic import make_cohort


def test_values_equal_reading_each_file(converted, quick_cohort, quick_specs):
    path, summary = converted
    st = open_store(path)
    assert st.complete and summary.complete
    assert st.sample_ids == sorted(st.sample_ids)
    assert set(quick_cohort.good) <= set(st.sample_ids)
    for spec in quick_specs:
        present = st.present(spec.name)
        for sid in quick_cohort.good:
            row = st.sample_ids.index(sid)
            assert present[row], (sid, spec.name)
            ref = read_tensor(Path(quick_cohort.root) / f"{sid}.hd5", spec)
            np.testing.assert_array_equal(st[spec.name][row], ref)
        rows = np.flatnonzero(present)
        values = st[spec.name][:][rows].astype(np.float64)
        stats = st.stats(spec.name)
        assert stats["count"] == rows.size
        assert stats["mean"] == pytest.approx(values.mean(), rel=1e-9)
        assert stats["std"] == pytest.approx(values.std(), rel=1e-9)


def test_instance_rule_applies_in_conversion(converted, quick_cohort):
    """Sample 1 has instances 0, 2 and 10: DXA's rule 'last' (ml4h's) reads instance_10,
    by number (string order would pick instance_2)."""
    import h5py

    st = open_store(converted[0])
    sid = "1000001"  # make_cohort gives sample i extra instances when i % 3 == 1
    with h5py.File(Path(quick_cohort.root) / f"{sid}.hd5") as h5:
        keys = sorted(h5["ukb_dxa/dxa_1_2"].keys())
        last = h5["ukb_dxa/dxa_1_2/instance_10"][()]
        others = [h5[f"ukb_dxa/dxa_1_2/{k}"][()] for k in ("instance_0", "instance_2")]
    assert keys == ["instance_0", "instance_10", "instance_2"]
    stored = st["dxa_2"][st.sample_ids.index(sid)][..., 0]
    body = last != 252  # the scanner background is erased, the body kept as stored
    np.testing.assert_array_equal(stored[body], last[body].astype(np.float32))
    assert (stored[~body] == 0).all()
    assert all(not np.array_equal(last, other) for other in others)


def test_every_bad_input_is_recorded(converted, quick_cohort):
    st = open_store(converted[0])
    f = st.failures
    bad = quick_cohort.bad

    def rows(file):
        return f[f["file"] == file]

    expected = {
        "not_hdf5": (set(QUICK_TENSORS), "not an HDF5 file"),
        "truncated": (set(QUICK_TENSORS), "truncated or corrupt HDF5 file"),
        "missing_ecg": ({"ecg_rest", "ecg_rest_median_raw_10"}, "dataset missing"),
        "nan_dxa": ({"dxa_2"}, "contains NaN/inf"),
        "wrong_rank_dxa": ({"dxa_2"}, "wrong rank"),
        "duplicate": (set(QUICK_TENSORS), "duplicate sample id"),
    }
    for kind, (tensors, reason) in expected.items():
        r = rows(bad[kind])
        assert set(r["tensor"]) == tensors, kind
        assert all(x.startswith(reason) for x in r["reason"]), (kind, list(r["reason"]))
        sid = Path(bad[kind]).name[:-4]
        assert set(r["sample_id"]) == {sid}
        for t in tensors:
            assert not st.present(t)[st.sample_ids.index(sid)], (kind, t)
    # The duplicate id: both files recorded, the id kept once and marked absent.
    dup = Path(bad["duplicate"]).name[:-4]
    assert set(f[f["sample_id"] == dup]["file"]) == {f"{dup}.hd5", bad["duplicate"]}
    assert st.sample_ids.count(dup) == 1
    # Nothing else failed, and every unusable (sample, tensor) pair has a row.
    assert len(f) == sum(len(t) for t, _ in expected.values()) + len(QUICK_TENSORS)
    absent = {(sid, t) for t in QUICK_TENSORS for sid, p in zip(st.sample_ids, st.present(t)) if not p}
    assert absent == set(zip(f["sample_id"], f["tensor"]))
    s = converted[1]
    assert s.n_failures == len(f) and s.failure_kinds["duplicate sample id"] == 6


def test_threads_give_the_same_store(converted, quick_cohort, tmp_path):
    out = tmp_path / "threads.zarr"
    convert(quick_cohort.root, out, QUICK_TENSORS, scale="quick", shard_size=4, workers=2,
            executor="thread", progress=False)
    assert_same_store(converted[0], out)


def test_rerun_is_a_no_op_and_other_settings_are_refused(converted, quick_cohort):
    path, _ = converted
    before = {p: p.stat().st_mtime_ns for p in Path(path).rglob("c/*") if p.is_file()}
    again = convert(quick_cohort.root, path, QUICK_TENSORS[::-1], scale="quick", shard_size=4, workers=1,
                    progress=False)
    assert again.blocks_converted == 0 and again.complete
    assert before == {p: p.stat().st_mtime_ns for p in Path(path).rglob("c/*") if p.is_file()}
    with pytest.raises(ValueError, match="different conversion.*shard_size"):
        convert(quick_cohort.root, path, QUICK_TENSORS, scale="quick", shard_size=8, progress=False)


def test_bad_arguments(tmp_path, quick_cohort):
    with pytest.raises(ValueError, match="expected a folder"):
        convert(tmp_path / "nope", tmp_path / "s.zarr", ["ecg_rest"])
    with pytest.raises(KeyError, match="Unknown tensor"):
        convert(quick_cohort.root, tmp_path / "s.zarr", ["nope"])
    with pytest.raises(ValueError, match="part"):
        convert(quick_cohort.root, tmp_path / "s.zarr", ["ecg_rest"], part="3/3")


def _blocks_written(store: Path, tensor: str) -> int:
    d = store / "blocks" / "written" / tensor / "c"
    return sum(1 for p in d.iterdir() if not p.name.endswith(".partial")) if d.is_dir() else 0


def _shard_bytes(store: Path) -> dict[str, bytes]:
    """Every chunk/shard file of the tensors, presence masks and failures."""
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*"))
            if p.is_file() and "/c/" in f"/{p.relative_to(store)}" and "blocks/written" not in str(p)}


def test_sigkill_mid_conversion_then_rerun_gives_the_uninterrupted_store(tmp_path):
    """Convert in a child (2 spawn workers), SIGKILL its whole process group once a few
    blocks are on disk, rerun, compare with an uninterrupted run byte for byte."""
    cohort = make_cohort(tmp_path / "src", n=18, scale="full", seed=5, bad=("not_hdf5", "nan_dxa"))
    tensors = ("ecg_rest", "dxa_2")
    ref = tmp_path / "ref.zarr"
    convert(cohort.root, ref, tensors, shard_size=2, workers=1, progress=False)
    n_blocks = open_store(ref).n_blocks()

    store = tmp_path / "killed.zarr"
    code = ("import sys; from fastio.conversion import convert; "
            f"convert(sys.argv[1], sys.argv[2], {list(tensors)!r}, shard_size=2, workers=2, progress=False)")
    child = subprocess.Popen([sys.executable, "-c", code, cohort.root, str(store)], start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _blocks_written(store, "dxa_2") < 2 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    done_at_kill = _blocks_written(store, "dxa_2")
    assert child.returncode == -signal.SIGKILL
    assert 0 < done_at_kill < n_blocks, "the kill should land mid-way"
    assert not open_store(store).complete

    summary = convert(cohort.root, store, tensors, shard_size=2, workers=1, progress=False)
    assert summary.complete and summary.blocks_converted <= n_blocks - done_at_kill + 2
    assert_same_store(ref, store)
    assert _shard_bytes(ref) == _shard_bytes(store)
    assert not list(store.rglob("*.partial"))


def test_parts_and_merge_equal_a_single_run(converted, quick_cohort, tmp_path):
    parts = [tmp_path / f"part{i}.zarr" for i in range(3)]
    for i, p in enumerate(parts):
        s = convert(quick_cohort.root, p, QUICK_TENSORS, scale="quick", shard_size=4, workers=1,
                    part=f"{i}/3", progress=False)
        assert s.part == [i, 3]
    with pytest.raises(ValueError, match=r"missing parts \[1\]"):
        merge_parts([parts[0], parts[2]], tmp_path / "bad.zarr", progress=False)
    merged = merge_parts(list(reversed(parts)), tmp_path / "merged.zarr", progress=False)
    assert merged.complete and merged.n_failures == converted[1].n_failures
    assert_same_store(converted[0], tmp_path / "merged.zarr")
    assert _shard_bytes(Path(converted[0])) == _shard_bytes(tmp_path / "merged.zarr")


def test_dask_local_cluster_schedules_the_parts(converted, quick_cohort, tmp_path):
    from distributed import Client, LocalCluster

    from fastio.parts import convert_dask

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        summary = convert_dask(quick_cohort.root, tmp_path / "dask.zarr", QUICK_TENSORS, client=client,
                               n_parts=3, scale="quick", shard_size=4, progress=False)
    assert summary.complete and not (tmp_path / "dask.zarr.parts").exists()
    assert_same_store(converted[0], tmp_path / "dask.zarr")


def test_command_lines(quick_cohort, tmp_path, capsys):
    from fastio.cli import main

    out = tmp_path / "cli.zarr"
    assert main(["convert", quick_cohort.root, str(out), "--tensors", "ecg.ecg_rest", "dxa_2",
                 "--scale", "quick", "--workers", "1", "--shard-size", "4", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "ecg_rest" in text and "failures" in text and "not an HDF5 file" in text
    assert main(["inspect", str(out), "--plot", str(tmp_path / "p.png")]) == 0
    text = capsys.readouterr().out
    for word in ("1000x12", "128x128x1", "compression ratio", "wrong rank", "mean", "p.png"):
        assert word in text, word
    assert (tmp_path / "p.png").stat().st_size > 10_000
    assert main(["inspect", str(out), "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["tensors"]["ecg_rest"]["shape"] == [1000, 12] and data["stats"]["dxa_2"]["count"] > 0
    parts = []
    for i in range(2):
        p = tmp_path / f"p{i}.zarr"
        assert main(["convert", quick_cohort.root, str(p), "--tensors", "ecg_rest", "--scale", "quick",
                     "--workers", "1", "--shard-size", "4", "--part", f"{i}/2", "--quiet"]) == 0
        parts.append(str(p))
    assert main(["merge", *parts, "--out", str(tmp_path / "m.zarr"), "--quiet"]) == 0
    assert open_store(tmp_path / "m.zarr").complete
    capsys.readouterr()
    assert main(["convert", quick_cohort.root, str(out), "--tensors", "ecg_rest", "--scale", "quick",
                 "--quiet"]) == 2
    assert "different conversion" in capsys.readouterr().err


@pytest.mark.parametrize("crash_after", [0, 4, 8])
def test_crash_between_any_two_writes_then_rerun(converted, quick_cohort, tmp_path, monkeypatch, crash_after):
    """Stop the writer after k shard writes (the on-disk state a kill leaves between two
    writes), rerun, and get the uninterrupted store."""
    out = tmp_path / "crashed.zarr"
    kill_after_writes(monkeypatch, crash_after)
    with pytest.raises(KilledWriter):
        convert(quick_cohort.root, out, QUICK_TENSORS, scale="quick", shard_size=4, workers=1, progress=False)
    monkeypatch.undo()
    assert not open_store(out).complete
    summary = convert(quick_cohort.root, out, QUICK_TENSORS, scale="quick", shard_size=4, workers=1, progress=False)
    assert summary.complete and summary.blocks_converted == summary.blocks_total - crash_after // 3
    assert_same_store(converted[0], out)


@pytest.mark.slow
@pytest.mark.parametrize("kill_at, workers", [(1, 1), (4, 1), (3, 2), (6, 2)])
def test_sigkill_at_several_points(tmp_path, kill_at, workers):
    cohort = make_cohort(tmp_path / "src", n=16, scale="full", seed=9, bad=("truncated",))
    ref = tmp_path / "ref.zarr"
    convert(cohort.root, ref, ["dxa_2", "ecg_rest"], shard_size=2, workers=1, progress=False)
    store = tmp_path / "killed.zarr"
    code = ("import sys; from fastio.conversion import convert; "
            f"convert(sys.argv[1], sys.argv[2], ['dxa_2', 'ecg_rest'], shard_size=2, workers={workers}, "
            "progress=False)")
    for attempt in range(3):  # kill, resume and kill again, then finish
        child = subprocess.Popen([sys.executable, "-c", code, cohort.root, str(store)], start_new_session=True)
        target = _blocks_written(store, "ecg_rest") + kill_at
        while _blocks_written(store, "ecg_rest") < target and child.poll() is None:
            time.sleep(0.002)
        if child.poll() is None:  # it may have finished all blocks first
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    convert(cohort.root, store, ["dxa_2", "ecg_rest"], shard_size=2, workers=1, progress=False)
    assert_same_store(ref, store)
    assert _shard_bytes(ref) == _shard_bytes(store)


def test_fastio_convert_is_the_function(converted, quick_cohort, tmp_path):
    import fastio
    import fastio.conversion  # no submodule named convert can shadow the function

    assert fastio.convert is fastio.conversion.convert is convert
    summary = fastio.convert(quick_cohort.root, tmp_path / "api.zarr", QUICK_TENSORS, scale="quick",
                             shard_size=4, workers=1, progress=False)
    assert summary.complete
    assert_same_store(converted[0], tmp_path / "api.zarr")
    assert fastio.merge_parts is merge_parts and fastio.open_store is open_store


def test_user_spec_file_on_the_command_line(quick_cohort, tmp_path, capsys):
    """A tensor the catalogue lacks, described in YAML: DXA cropped around its centre."""
    import fastio.catalogue as cat
    from fastio.cli import main

    spec_file = tmp_path / "mine.yaml"
    spec_file.write_text(
        "- {name: dxa_centre, group: mine, path_prefix: ukb_dxa, dataset: dxa_1_2, shape: [64, 48, 1],\n"
        "   resize: center, codec: zstd, normalization: {kind: none}}\n"
    )
    saved = dict(cat._registry())
    try:
        out = tmp_path / "mine.zarr"
        assert main(["convert", quick_cohort.root, str(out), "--tensors", "mine.dxa_centre", "--specs",
                     str(spec_file), "--workers", "1", "--quiet"]) == 0
    finally:
        cat._REGISTRY.clear()
        cat._REGISTRY.update(saved)
    st = open_store(out)
    assert st.spec("dxa_centre").codec == "zstd" and st["dxa_centre"].shape[1:] == (64, 48, 1)
    row = st.sample_ids.index("1000002")
    raw = read_tensor(Path(quick_cohort.root) / "1000002.hd5", st.spec("dxa_centre").replace(shape=(128, 128, 1)))
    np.testing.assert_array_equal(st["dxa_centre"][row], raw[32:96, 40:88])


def test_converted_store_opens_with_zarr_and_xarray(converted):
    import xarray as xr
    import zarr

    path = str(converted[0])
    st = open_store(path)
    g = zarr.open_group(path, mode="r")
    assert [str(s) for s in g["sample_id"][:]] == st.sample_ids
    ds = xr.open_zarr(path, consolidated=False)
    for name in QUICK_TENSORS:
        assert ds[name].dims[0] == "sample" and ds[name].shape == st[name].shape
    np.testing.assert_array_equal(ds["dxa_2"].isel(sample=3).values, st["dxa_2"][3])
    pres = xr.open_zarr(path, group="present", consolidated=False)
    np.testing.assert_array_equal(pres["ecg_rest"].values, st.present("ecg_rest"))

"""The Store class and the on-disk layout that other zarr clients must be able to read."""
from __future__ import annotations

import json

import numpy as np
import pytest

from fastio.spec import CODECS, TensorSpec
from fastio.store import create_store, open_store


def _spec(name="img", shape=(5, 4, 1), codec="blosc-lz4"):
    return TensorSpec(name=name, group="test", path_prefix="p", dataset=name, shape=shape, codec=codec)


@pytest.fixture()
def filled(tmp_path):
    """7 samples, shard size 3 (blocks 0-2, 3-5, 6), sample 4 absent."""
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(7)]
    st = create_store(tmp_path / "s.zarr", ids, shard_size=3)
    st.create_tensor(_spec())
    values = rng.normal(3.0, 2.0, size=(7, 5, 4, 1)).astype(np.float32)
    present = np.ones(7, bool)
    present[4] = False
    for start in (0, 3, 6):
        st.write_block("img", start, values[start:start + 3], present[start:start + 3])
    return st, values, present


def test_write_read_roundtrip_and_absent_rows_are_zero(filled):
    st, values, present = filled
    back = open_store(st.path)
    expected = values.copy()
    expected[~present] = 0
    np.testing.assert_array_equal(back["img"][:], expected)
    np.testing.assert_array_equal(back.present("img"), present)
    assert back.sample_ids == [f"s{i}" for i in range(7)] and back.tensors == ["img"]
    assert back.written("img").tolist() == [True, True, True]
    assert back.spec("img") == _spec() and back.shard_size("img") == 3
    assert (back.array_path("img") / "zarr.json").is_file()


def test_stats_match_numpy_over_present_samples(filled):
    st, values, present = filled
    stats = st.finalize_tensor("img")
    ref = values[present].astype(np.float64)
    assert stats["count"] == 6
    assert stats["mean"] == pytest.approx(ref.mean(), rel=1e-12)
    assert stats["std"] == pytest.approx(ref.std(), rel=1e-12)
    assert stats["min"] == ref.min() and stats["max"] == ref.max()
    assert open_store(st.path).stats("img") == stats


def test_written_tracks_blocks_for_resume(tmp_path):
    st = create_store(tmp_path / "s.zarr", ["a", "b", "c", "d", "e"], shard_size=2)
    st.create_tensor(_spec())
    assert st.written("img").tolist() == [False, False, False]
    st.write_block("img", 2, np.ones((2, 5, 4, 1)), [True, True])
    assert st.written("img").tolist() == [False, True, False]
    st.write_block("img", 4, np.ones((1, 5, 4, 1)), [True])
    assert st.written("img").tolist() == [False, True, True]


def test_bad_writes_name_the_store_and_tensor(filled):
    st, _, _ = filled
    with pytest.raises(ValueError, match="multiple of 3"):
        st.write_block("img", 1, np.zeros((3, 5, 4, 1)), [True] * 3)
    with pytest.raises(ValueError, match=r"img.*expects values \(3, 5, 4, 1\)"):
        st.write_block("img", 0, np.zeros((3, 5, 4)), [True] * 3)
    with pytest.raises(KeyError, match="no tensor 'nope'"):
        st["nope"]
    with pytest.raises(ValueError, match="exists"):
        st.create_tensor(_spec())
    with pytest.raises(ValueError, match="read-only"):
        open_store(st.path).write_block("img", 0, np.zeros((3, 5, 4, 1)), [True] * 3)


def test_open_rejects_non_stores(tmp_path):
    with pytest.raises(ValueError, match="not a zarr v3 store"):
        open_store(tmp_path)
    import zarr

    zarr.open_group(str(tmp_path / "plain.zarr"), mode="w")
    with pytest.raises(ValueError, match="regzoo store"):
        open_store(tmp_path / "plain.zarr")
    with pytest.raises(ValueError, match="sorted"):
        create_store(tmp_path / "x.zarr", ["b", "a"])
    with pytest.raises(ValueError, match="unique"):
        create_store(tmp_path / "y.zarr", ["a", "a"])


def test_layout_is_the_contract(filled):
    """Sharded one-sample chunks, index at the end, little-endian bytes + the codec,
    dimension names, fill 0 — read straight from zarr.json."""
    st, _, _ = filled
    meta = json.loads((st.path / "img" / "zarr.json").read_text())
    assert meta["shape"] == [7, 5, 4, 1] and meta["data_type"] == "float32" and meta["fill_value"] == 0.0
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [3, 5, 4, 1]
    assert meta["dimension_names"] == ["sample", "img_0", "img_1", "img_2"]
    (sharding,) = meta["codecs"]
    assert sharding["name"] == "sharding_indexed"
    conf = sharding["configuration"]
    assert conf["chunk_shape"] == [1, 5, 4, 1] and conf["index_location"] == "end"
    inner = conf["codecs"]
    assert inner[0] == {"name": "bytes", "configuration": {"endian": "little"}}
    assert inner[1]["name"] == "blosc" and inner[1]["configuration"]["cname"] == "lz4"
    assert inner[1]["configuration"]["shuffle"] == "shuffle"
    root = json.loads((st.path / "zarr.json").read_text())["attributes"]["regzoo"]
    assert root["format"] == 2 and root["specs"]["img"] == _spec().to_dict()


@pytest.mark.parametrize("codec", CODECS)
def test_every_codec_roundtrips_exactly(tmp_path, codec):
    x = np.random.default_rng(1).normal(size=(3, 50, 12)).astype(np.float32)
    st = create_store(tmp_path / f"{codec}.zarr", ["a", "b", "c"], shard_size=2)
    st.create_tensor(_spec("sig", (50, 12), codec))
    st.write_block("sig", 0, x[:2], [True, True])
    st.write_block("sig", 2, x[2:], [True])
    np.testing.assert_array_equal(open_store(st.path)["sig"][:], x)


def test_plain_zarr_and_xarray_open_it(filled):
    st, values, present = filled
    st.stage_failures(1, [dict(sample_id="s4", file="s4.hd5", tensor="img", reason="dataset missing: x")])
    st.finalize_failures()
    import xarray as xr
    import zarr

    g = zarr.open_group(str(st.path), mode="r")
    assert list(g["sample_id"][:]) == st.sample_ids
    np.testing.assert_array_equal(g["img"][0], values[0])
    np.testing.assert_array_equal(g["present/img"][:], present)
    ds = xr.open_zarr(str(st.path), consolidated=False)
    assert ds["img"].dims == ("sample", "img_0", "img_1", "img_2")
    np.testing.assert_array_equal(ds["img"].isel(sample=6).values, values[6])
    fails = xr.open_zarr(str(st.path), group="failures", consolidated=False)
    assert [str(v) for v in fails["reason"].values] == ["dataset missing: x"]
    df = open_store(st.path).failures
    assert list(df.columns) == ["sample_id", "file", "tensor", "reason"] and df.iloc[0]["sample_id"] == "s4"


def test_empty_store(tmp_path):
    st = create_store(tmp_path / "e.zarr", [], shard_size=4)
    st.create_tensor(_spec())
    assert st.sample_ids == [] and st.present("img").shape == (0,) and st.written("img").shape == (0,)
    assert st.finalize_tensor("img")["count"] == 0 and st.finalize_failures() == 0


def test_failures_from_several_writers_are_kept_apart(filled):
    st, _, _ = filled
    row = dict(sample_id="s4", file="s4.hd5", tensor="img", reason="dataset missing: x")
    st.stage_failures(1, [row])
    st.stage_failures(1, [dict(row, tensor="img_reg", reason="registration failed")], source="register")
    st.stage_failures(1, [row])  # a rerun of conversion replaces only its own rows
    assert st.finalize_failures() == 2
    assert sorted(open_store(st.path).failures["tensor"]) == ["img", "img_reg"]
    assert set(st.staged_sources(1)) == {"convert", "register"}


def test_stats_from_block_moments_equal_a_read_back(filled):
    """Stores without per-block moments (older or foreign writers) read the tensor back;
    both routes give the same numbers."""
    import shutil

    st, _, _ = filled
    from_moments = st.finalize_tensor("img")
    shutil.rmtree(st.path / "blocks" / "moments" / "img")
    assert open_store(st.path, mode="r+").finalize_tensor("img") == from_moments


def test_combine_moments_matches_numpy_on_uneven_blocks():
    from fastio.moments import block_moments, combine_moments

    rng = np.random.default_rng(3)
    blocks = [rng.normal(1e4, 3.0, size=k) for k in (5, 0, 17, 1, 40)]  # large mean: cancellation test
    stats = combine_moments(np.stack([block_moments(b) for b in blocks]), samples=4)
    ref = np.concatenate(blocks)
    assert stats["mean"] == pytest.approx(ref.mean(), rel=1e-14)
    assert stats["std"] == pytest.approx(ref.std(), rel=1e-10)
    assert (stats["min"], stats["max"], stats["count"]) == (ref.min(), ref.max(), 4)


def _add_tensor(path, name, barrier=None):
    """A spawned process adds one tensor to the store (as a registration does); with a
    barrier, every process starts adding at the same moment."""
    st = open_store(path, mode="r+")
    if barrier is not None:
        barrier.wait()
    st.create_tensor(_spec(name))
    st.write_block(name, 0, np.full((3, 5, 4, 1), 1.0), [True] * 3)


def test_writers_opened_side_by_side_keep_each_others_tensors(tmp_path):
    """Two handles opened before either adds a tensor: each adds its own, and the
    store lists both (the metadata is merged with what is on disk, not overwritten
    with the copy read at open time)."""
    st = create_store(tmp_path / "s.zarr", ["a", "b", "c"], shard_size=3)
    first, second = open_store(st.path, mode="r+"), open_store(st.path, mode="r+")
    first.create_tensor(_spec("one"))
    second.create_tensor(_spec("two"))
    second.mark_complete()
    back = open_store(st.path)
    assert sorted(back.tensors) == ["one", "two"] and back.complete
    assert back.spec("one") == _spec("one") and back.spec("two") == _spec("two")


def test_processes_adding_tensors_at_once_lose_none(tmp_path):
    """Four processes released together by a barrier, three times: each adds its tensor
    and none fails or loses another's (on the old code, zarr's check-then-create of the
    shared ``present`` group raised in about a third of such rounds)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    for trial in range(3):
        st = create_store(tmp_path / f"s{trial}.zarr", ["a", "b", "c"], shard_size=3)
        names = [f"t{i}" for i in range(4)]
        barrier = ctx.Barrier(len(names))
        procs = [ctx.Process(target=_add_tensor, args=(st.path, name, barrier)) for name in names]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(timeout=300)
        assert [proc.exitcode for proc in procs] == [0] * len(names)
        back = open_store(st.path)
        assert sorted(back.tensors) == names
        for name in names:
            np.testing.assert_array_equal(back[name][:], np.ones((3, 5, 4, 1), np.float32))


def test_adding_a_tensor_creates_no_shared_group(tmp_path):
    """Every group writers share exists from create_store on, so adding a tensor writes
    only the tensor's own arrays (nothing two writers could race to create)."""
    st = create_store(tmp_path / "s.zarr", ["a", "b", "c"], shard_size=3)
    before = {p.relative_to(st.path) for p in st.path.rglob("zarr.json")}
    st.create_tensor(_spec("one"))
    added = {p.relative_to(st.path) for p in st.path.rglob("zarr.json")} - before
    assert sorted(str(p.parent) for p in added) == sorted(
        ["one", "present/one", "blocks/written/one", "blocks/moments/one", "blocks/checksums/one"])

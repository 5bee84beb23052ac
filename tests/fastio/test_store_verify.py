"""A store checks itself: a deleted, truncated or garbled file is reported by tensor, block
and file (never read as zeros), readers refuse it with the repair, `fastio inspect
--verify` lists it, and rerunning `fastio convert` rewrites it from the source."""
from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from .convert_fixtures import KilledWriter, assert_same_store, kill_after_writes
from fastio.cli import main as cli
from fastio.conversion import convert
from fastio.loader import LoaderCore
from fastio.reader import ChunkReader
from fastio.store import open_store
from fastio.synthetic import make_cohort

TENSORS = ["ecg_rest", "dxa_2"]


def _convert(src, out):
    return convert(src, out, TENSORS, scale="quick", shard_size=4, workers=1, progress=False)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("verify")
    cohort = make_cohort(root / "hd5", n=10, scale="quick", seed=4, bad=())
    _convert(cohort.root, root / "ref.zarr")
    return cohort.root, root / "ref.zarr"


@pytest.fixture
def store(pristine, tmp_path):
    src, ref = pristine
    out = tmp_path / "s.zarr"
    shutil.copytree(ref, out)
    return src, ref, out


def _verify(path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    rc = cli(["inspect", str(path), "--verify"])
    return rc, capsys.readouterr().out


def _repaired(src, ref, out, capsys, blocks: int):
    summary = _convert(src, out)
    assert summary.complete and summary.blocks_repaired == blocks
    assert "repaired" in summary.format()
    assert _verify(out, capsys) == (0, f"verified  {out}: every block matches its recorded checksum\n")
    assert_same_store(ref, out)


def test_pristine_store_verifies(store, capsys):
    src, ref, out = store
    assert _verify(out, capsys)[0] == 0
    assert all(not open_store(out).damage(t, full=True) for t in TENSORS)


def test_deleted_shard_is_an_error_never_zeros_and_rerun_repairs_it(store, capsys):
    src, ref, out = store
    (out / "dxa_2" / "c" / "1" / "0" / "0" / "0").unlink()
    with pytest.raises(ValueError, match=r"tensor dxa_2 block 1: dxa_2/c/1/0/0/0: missing.*Repair: rerun"):
        open_store(out)["dxa_2"]
    with pytest.raises(ValueError, match=r"dxa_2/c/1/0/0/0: missing"):
        LoaderCore(str(out), inputs=["dxa_2"], batch_size=2, split="all")
    # The other tensor is intact and still reads.
    assert open_store(out).present("ecg_rest").sum() == 10
    rc, text = _verify(out, capsys)
    assert rc == 2 and "tensor dxa_2 block 1: dxa_2/c/1/0/0/0: missing" in text
    # The plain summary says so too, and does not exit 0.
    assert cli(["inspect", str(out)]) == 2
    assert "dxa_2 without 1 incomplete or damaged block(s)" in capsys.readouterr().err
    # Opting in: the block's rows are absent (not zeros marked present), with a warning.
    with pytest.warns(UserWarning, match=r"without 1 incomplete or damaged block\(s\) \(4 samples"):
        present = open_store(out, allow_incomplete=True).present("dxa_2")
    assert present.tolist() == [True] * 4 + [False] * 4 + [True] * 2
    with pytest.warns(UserWarning, match="allow_incomplete"):
        loader = LoaderCore(str(out), inputs=["dxa_2"], batch_size=2, split="all", allow_incomplete=True)
    assert loader.rows.tolist() == [0, 1, 2, 3, 8, 9]
    _repaired(src, ref, out, capsys, blocks=1)


@pytest.mark.parametrize("tensor", TENSORS)
def test_garbled_shard_names_tensor_and_file_and_rerun_repairs_it(store, capsys, tensor):
    src, ref, out = store
    key = "/".join(["c", "0"] + ["0"] * (open_store(out)[tensor].ndim - 1))  # shard 0's file
    shard = out / tensor / key
    data = bytearray(shard.read_bytes())
    data[: len(data) // 2] = np.random.default_rng(0).integers(0, 256, len(data) // 2, dtype=np.uint8).tobytes()
    shard.write_bytes(bytes(data))  # same size: only the checksum can tell
    rc, text = _verify(out, capsys)
    assert rc == 2 and f"tensor {tensor} block 0: {tensor}/{key}: crc32 does not match" in text
    with ChunkReader(out / tensor) as reader:
        with pytest.raises(ValueError, match=rf"tensor {tensor}, file .*{tensor}/{key}: .*(decode|truncated|garbled)"):
            reader.read(range(4))
    # ECG and DXA are stored uncompressed by default (no decoder to trip over garbage):
    # each sample's checksum is what the loader's in-place read checks.
    assert open_store(out).spec(tensor).codec == "none" and open_store(out).present(tensor)[0]
    loader = LoaderCore(str(out), inputs=[tensor], batch_size=4, split="all", shuffle=False)
    with pytest.raises(ValueError, match=rf"tensor {tensor}, file .*{tensor}/{key}: row 0 is garbled"):
        loader[0]
    loader.close()
    _repaired(src, ref, out, capsys, blocks=1)


def test_truncated_shard_is_refused_and_repaired(store, capsys):
    src, ref, out = store
    shard = out / "ecg_rest" / "c" / "2" / "0" / "0"
    shard.write_bytes(shard.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"ecg_rest/c/2/0/0: 100 bytes, expected \d+ \(truncated"):
        open_store(out).present("ecg_rest")
    with ChunkReader(out / "ecg_rest") as reader:
        with pytest.raises(ValueError, match=r"tensor ecg_rest, file .*ecg_rest/c/2/0/0: .*truncated"):
            reader.read([8])
    assert _verify(out, capsys)[0] == 2
    _repaired(src, ref, out, capsys, blocks=1)


def test_deleted_presence_chunk_is_an_error_naming_it(store, capsys):
    src, ref, out = store
    (out / "present" / "dxa_2" / "c" / "0").unlink()
    with pytest.raises(ValueError, match=r"present/dxa_2/c/0: missing"):
        open_store(out).present("dxa_2")
    with pytest.raises(ValueError, match=r"present/dxa_2/c/0: missing"):
        LoaderCore(str(out), inputs=["dxa_2"], batch_size=2, split="all")
    rc, text = _verify(out, capsys)
    assert rc == 2 and "tensor dxa_2 block 0: present/dxa_2/c/0: missing" in text
    _repaired(src, ref, out, capsys, blocks=1)


def test_deleted_sample_id_chunk_is_an_error_naming_it(store, capsys):
    src, ref, out = store
    (out / "sample_id" / "c" / "0").unlink()
    with pytest.raises(ValueError, match=r"sample_id/c/0: missing.*Repair"):
        open_store(out).sample_ids
    with pytest.raises(ValueError, match=r"sample_id/c/0: missing"):
        LoaderCore(str(out), inputs=["dxa_2"], batch_size=2, split="all")
    rc, text = _verify(out, capsys)
    assert rc == 2 and "sample_id/c/0: missing" in text
    summary = _convert(src, out)
    assert summary.complete and open_store(out).sample_ids == open_store(ref).sample_ids
    assert_same_store(ref, out)


def test_empty_or_garbled_metadata_names_the_file(store):
    src, ref, out = store
    (out / "dxa_2" / "zarr.json").write_text("")
    with pytest.raises(ValueError, match=r"dxa_2/zarr.json: damaged metadata of dxa_2"):
        open_store(out)["dxa_2"]
    (out / "zarr.json").write_text("")
    for opener in (open_store, lambda p: LoaderCore(str(p), inputs=["dxa_2"], batch_size=2, split="all")):
        with pytest.raises(ValueError, match=r"s.zarr/zarr.json: damaged store metadata"):
            opener(out)
    assert cli(["inspect", str(out)]) == 2
    # Unreadable metadata proves nothing: convert neither resumes nor removes it.
    with pytest.raises(ValueError, match="cannot be resumed .*choose another path"):
        _convert(src, out)
    from fastio.safefs import UnsafePathError

    with pytest.raises(UnsafePathError, match="not written by this tool"):
        convert(src, out, TENSORS, scale="quick", shard_size=4, workers=1, progress=False, overwrite=True)
    assert (out / "dxa_2").is_dir()


def test_interrupted_conversion_is_refused_until_resumed(pristine, tmp_path, monkeypatch, capsys):
    src, ref = pristine
    out = tmp_path / "cut.zarr"
    kill_after_writes(monkeypatch, 2)   # block 0 of both tensors written, then the kill
    with pytest.raises(KilledWriter):
        _convert(src, out)
    monkeypatch.undo()
    with pytest.raises(ValueError, match=r"dxa_2 has 2 incomplete or damaged block\(s\).*not written"):
        open_store(out).present("dxa_2")
    with pytest.raises(ValueError, match="not written"):
        LoaderCore(str(out), inputs=["ecg_rest"], batch_size=2, split="all")
    with pytest.warns(UserWarning, match=r"2 incomplete or damaged block\(s\) \(6 samples"):
        assert open_store(out, allow_incomplete=True).present("ecg_rest").sum() == 4
    rc, text = _verify(out, capsys)
    assert rc == 2 and "tensor ecg_rest block 2: ecg_rest/c/2/0/0: not written" in text
    summary = _convert(src, out)
    assert summary.complete and summary.blocks_repaired == 0 and summary.blocks_converted == 2
    assert_same_store(ref, out)


def test_older_format_gets_a_reconvert_message(store):
    src, ref, out = store
    meta = json.loads((out / "zarr.json").read_text())
    meta["attributes"]["regzoo"]["format"] = 1
    (out / "zarr.json").write_text(json.dumps(meta))
    for opener in (open_store, lambda p: LoaderCore(str(p), inputs=["dxa_2"], batch_size=2, split="all")):
        with pytest.raises(ValueError, match=r"written by store format 1, expected 2; reconvert with "
                                             r"`fastio convert SRC STORE --tensors … --overwrite`"):
            opener(out)
    with pytest.raises(ValueError, match="cannot be resumed .*format 1.*pass overwrite=True"):
        _convert(src, out)
    # Still ours: --overwrite may replace it.
    summary = convert(src, out, TENSORS, scale="quick", shard_size=4, workers=1, progress=False, overwrite=True)
    assert summary.complete
    assert_same_store(ref, out)


def test_interrupted_registration_is_refused_and_damage_is_invalidated(store):
    """A derived tensor (zoo register's way: create_tensor, write_block per block) that
    stopped after one block is refused by readers; a damaged block of it is found and
    handed back to its writer by invalidate_damaged."""
    src, ref, out = store
    st = open_store(out, mode="r+")
    spec = st.spec("dxa_2")
    from dataclasses import replace

    derived = replace(spec, name="dxa_2_reg")
    st.create_tensor(derived)
    a, b = st.block_range(0)
    values = np.asarray(st["dxa_2"][a:b])
    st.write_block("dxa_2_reg", a, values, st.present("dxa_2")[a:b])
    with pytest.raises(ValueError, match=r"dxa_2_reg has 2 incomplete .* block 1: dxa_2_reg/c/1/0/0/0: not written"):
        LoaderCore(str(out), inputs=["dxa_2_reg"], batch_size=2, split="all")
    for blk in (1, 2):
        a, b = st.block_range(blk)
        st.write_block("dxa_2_reg", a, np.asarray(st["dxa_2"][a:b]), st.present("dxa_2")[a:b])
    assert LoaderCore(str(out), inputs=["dxa_2_reg"], batch_size=2, split="all").rows.size == 10
    shard = out / "dxa_2_reg" / "c" / "2" / "0" / "0" / "0"
    shard.write_bytes(shard.read_bytes()[::-1])
    assert st.invalidate_damaged("dxa_2_reg") == [2]
    assert not shard.exists() and st.written("dxa_2_reg").tolist() == [True, True, False]
    assert st.invalidate_damaged("dxa_2_reg") == []


def test_garbled_shard_read_through_zarr_names_tensor_and_file(store):
    src, ref, out = store
    shard = out / "dxa_2" / "c" / "1" / "0" / "0" / "0"
    data = bytearray(shard.read_bytes())
    data[:-100] = bytes(len(data) - 100)  # zeros over the chunks, index left intact
    shard.write_bytes(bytes(data))
    st = open_store(out)
    arr = st["dxa_2"]  # sizes match: the quick check cannot tell
    assert arr.shape == (10, 128, 128, 1) and np.asarray(arr[0:4]).shape == (4, 128, 128, 1)
    with pytest.raises(ValueError, match=r"tensor dxa_2: cannot read rows .* tensor dxa_2 block 1: "
                                         r"dxa_2/c/1/0/0/0: crc32 does not match"):
        arr[4:8]

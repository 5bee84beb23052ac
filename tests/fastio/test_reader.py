"""The direct chunk reader is bit-exact with zarr-python for every codec and layout."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import zarr

from fastio._kernels.kernels import f32_at
from fastio.store import codec_chain  # the store's own codec parameters
from fastio.reader import ChunkReader, UnsupportedLayout, parse_layout

CODECS = ["none", "blosc-lz4", "blosc-lz4hc", "blosc-zstd", "zstd", "gzip"]


def _array(path, data, codec, shard, chunk=1, unwritten=(3,)):
    shape = data.shape[1:]
    arr = zarr.create_array(
        str(path), shape=data.shape, dtype=data.dtype, chunks=(chunk, *shape),
        shards=(shard, *shape) if shard else None, compressors=codec_chain(codec) or None,
        fill_value=0, overwrite=True,
    )
    values = data.copy()
    values[list(unwritten)] = 0  # all-fill chunks are not written by zarr
    arr[:] = values
    return arr


@pytest.mark.parametrize("shard", [None, 4, 23])
@pytest.mark.parametrize("codec", CODECS)
def test_bit_exact_with_zarr(tmp_path, codec, shard):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(11, 7, 5)).astype(np.float32)
    data[5] = np.round(data[5] * 100)  # compressible rows too
    arr = _array(tmp_path / "a", data, codec, shard)
    with ChunkReader(tmp_path / "a", workers=2) as reader:
        assert reader.direct, reader.fallback_reason
        got = reader.read(np.arange(11)[::-1])
        np.testing.assert_array_equal(got, arr[:][::-1])
        assert got.tobytes() == np.ascontiguousarray(arr[:][::-1]).tobytes()
        dest = np.empty((7, 5), np.float32)
        assert reader.read_into(3, dest) is False  # never written -> fill
        np.testing.assert_array_equal(dest, 0)
        assert reader.read_into(4, dest) is True


def test_other_dtypes_and_v2_keys(tmp_path):
    data = np.arange(6 * 4, dtype=np.int16).reshape(6, 4)
    arr = zarr.create_array(str(tmp_path / "i"), shape=data.shape, dtype="int16", chunks=(1, 4),
                            chunk_key_encoding={"name": "v2", "separator": "."}, fill_value=0)
    arr[:] = data
    reader = ChunkReader(tmp_path / "i")
    assert reader.direct and reader.layout.key(2) == "2.0"
    np.testing.assert_array_equal(reader.read(range(6)), data)


def test_multi_sample_chunks_fall_back_to_zarr(tmp_path):
    data = np.random.default_rng(1).normal(size=(9, 3, 2)).astype(np.float32)
    arr = _array(tmp_path / "m", data, "zstd", None, chunk=2, unwritten=())
    reader = ChunkReader(tmp_path / "m")
    assert not reader.direct and "2 samples" in reader.fallback_reason
    np.testing.assert_array_equal(reader.read([8, 0, 4]), arr[:][[8, 0, 4]])


def test_parse_layout_reports_why():
    meta = {"zarr_format": 3, "node_type": "array", "shape": [4, 3], "data_type": "float32",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1, 3]}},
            "chunk_key_encoding": {"name": "default"}, "fill_value": 0,
            "codecs": [{"name": "transpose", "configuration": {"order": [1, 0]}}, {"name": "bytes"}]}
    with pytest.raises(UnsupportedLayout, match="bytes"):
        parse_layout(meta)
    meta["codecs"] = [{"name": "bytes"}, {"name": "zstd"}, {"name": "gzip"}]
    with pytest.raises(UnsupportedLayout, match="codecs"):
        parse_layout(meta)


def test_bad_inputs_name_the_file(tmp_path):
    with pytest.raises(ValueError, match="zarr.json"):
        ChunkReader(tmp_path / "missing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "zarr.json").write_text("{not json")
    with pytest.raises(ValueError, match="bad"):
        ChunkReader(tmp_path / "bad")
    data = np.ones((4, 3), np.float32)
    _array(tmp_path / "ok", data, "blosc-lz4", 4, unwritten=())
    reader = ChunkReader(tmp_path / "ok")
    with pytest.raises(ValueError, match="row"):
        reader.read_into(4, np.empty(3, np.float32))
    with pytest.raises(ValueError, match="shape"):
        reader.read_into(0, np.empty(4, np.float32))


def test_corrupt_shard_is_reported(tmp_path):
    data = np.random.default_rng(2).normal(size=(4, 50)).astype(np.float32)
    _array(tmp_path / "c", data, "blosc-lz4", 4, unwritten=())
    shard = tmp_path / "c" / "c" / "0" / "0"
    raw = bytearray(shard.read_bytes())
    raw[:40] = b"\xff" * 40  # destroy the first chunk's blosc header
    shard.write_bytes(bytes(raw))
    reader = ChunkReader(tmp_path / "c")
    with pytest.raises(ValueError, match="decode"):
        reader.read_into(0, np.empty(50, np.float32))
    shard.write_bytes(bytes(raw[:10]))
    with pytest.raises(ValueError, match="index"):
        ChunkReader(tmp_path / "c").read_into(0, np.empty(50, np.float32))


@pytest.mark.parametrize("shard", [None, 4])
def test_sample_view_reads_uncompressed_samples_in_place(tmp_path, shard):
    data = np.random.default_rng(5).normal(size=(6, 7, 3)).astype(np.float32)
    _array(tmp_path / "raw", data, "none", shard, unwritten=(3,))
    _array(tmp_path / "lz4", data, "blosc-lz4", shard, unwritten=(3,))
    reader = ChunkReader(tmp_path / "raw")
    for row in (0, 1, 5):
        view = reader.sample_view(row)
        np.testing.assert_array_equal(view, data[row])
        assert view.dtype == np.float32 and view.flags.c_contiguous and not view.flags.writeable
        # the address a batch kernel reads the sample from: the same values, no copy
        np.testing.assert_array_equal(f32_at(reader.sample_address(row), 21).reshape(7, 3), data[row])
    assert reader.sample_view(3) is None                     # never written: the caller fills
    assert reader.sample_address(3) is None
    assert ChunkReader(tmp_path / "lz4").sample_view(0) is None  # compressed: decode instead
    assert ChunkReader(tmp_path / "lz4").sample_address(0) is None
    for call in (reader.sample_view, reader.sample_address):
        with pytest.raises(ValueError, match="row"):
            call(6)


@pytest.mark.parametrize("codec", ["none", "blosc-lz4"])
def test_a_file_truncated_after_it_was_mapped_is_an_error_not_a_crash(tmp_path, codec):
    """Reads go through the shard file's mapping; touching a page past a shrunken file's
    end would kill the process (SIGBUS), so the reader checks and names the file."""
    data = np.random.default_rng(6).normal(size=(4, 300)).astype(np.float32)
    _array(tmp_path / "a", data, codec, 4, unwritten=())
    reader = ChunkReader(tmp_path / "a")
    out = np.empty(300, np.float32)
    reader.read_into(0, out)                                 # the file is mapped now
    shard = tmp_path / "a" / "c" / "0" / "0"
    os.truncate(shard, 100)
    calls = [lambda: reader.read_into(3, out), lambda: reader.read_into(0, out)]
    if codec == "none":
        calls.append(lambda: reader.sample_address(0))
    for call in calls:
        with pytest.raises(ValueError, match=r"c/0/0.*truncated"):
            call()


@pytest.mark.parametrize("shard", [None, 4])
def test_uncompressed_chunks_carry_a_checksum_that_catches_a_garbled_sample(tmp_path, shard):
    """Codec ``none`` stores a crc32c after each sample (zarr's ``crc32c`` codec): a garbled
    raw sample would otherwise read as values. The reader checks it on a row's first read,
    through both read paths, and names tensor and file."""
    data = np.random.default_rng(7).normal(size=(4, 6, 5)).astype(np.float32)
    _array(tmp_path / "sig", data, "none", shard, unwritten=())
    meta = json.loads((tmp_path / "sig" / "zarr.json").read_text())
    inner = meta["codecs"][0]["configuration"]["codecs"] if shard else meta["codecs"]
    assert [c["name"] for c in inner] == ["bytes", "crc32c"]
    reader = ChunkReader(tmp_path / "sig")
    assert reader.layout.chunk_crc and reader.layout.compressor is None
    np.testing.assert_array_equal(reader.sample_view(2), data[2])
    np.testing.assert_array_equal(reader.read([3, 1]), data[[3, 1]])
    reader.close()
    # Flip one value's bytes in row 1 (same file size: only the checksum can tell).
    key = tmp_path / "sig" / "c" / ("0/0/0" if shard else "1/0/0")
    raw = bytearray(key.read_bytes())
    start = (6 * 5 * 4 + 4) if shard else 0  # row 1 is the shard's second chunk
    raw[start + 8:start + 12] = np.float32(1e30).tobytes()
    key.write_bytes(bytes(raw))
    for call in (lambda r: r.sample_view(1), lambda r: r.sample_address(1),
                 lambda r: r.read_into(1, np.empty((6, 5), np.float32))):
        with ChunkReader(tmp_path / "sig") as fresh:
            with pytest.raises(ValueError, match=r"tensor sig, file .*sig/c/\d/0/0: row 1 is garbled"):
                call(fresh)
            np.testing.assert_array_equal(fresh.sample_view(0), data[0])  # the other rows still read


def test_uncompressed_arrays_without_a_checksum_still_read(tmp_path):
    """Stores written before codec ``none`` carried a checksum (inner codecs ``bytes``
    only) read as before, in place and bit-exact."""
    data = np.random.default_rng(8).normal(size=(5, 4, 3)).astype(np.float32)
    arr = zarr.create_array(str(tmp_path / "old"), shape=data.shape, dtype="float32", chunks=(1, 4, 3),
                            shards=(4, 4, 3), compressors=None, fill_value=0)
    arr[:] = data
    reader = ChunkReader(tmp_path / "old")
    assert reader.direct and not reader.layout.chunk_crc
    np.testing.assert_array_equal(reader.read(range(5)), data)
    np.testing.assert_array_equal(reader.sample_view(4), data[4])


def test_a_checksum_after_a_compressor_is_checked_too(tmp_path):
    from zarr.codecs import BloscCodec, Crc32cCodec

    data = np.random.default_rng(9).normal(size=(4, 50)).astype(np.float32)
    arr = zarr.create_array(str(tmp_path / "z"), shape=data.shape, dtype="float32", chunks=(1, 50),
                            shards=(4, 50), fill_value=0,
                            compressors=[BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"), Crc32cCodec()])
    arr[:] = data
    reader = ChunkReader(tmp_path / "z")
    assert reader.layout.compressor == "blosc" and reader.layout.chunk_crc
    np.testing.assert_array_equal(reader.read([3, 0]), data[[3, 0]])


def test_a_failed_share_waits_for_the_others_and_close_returns(tmp_path):
    """One thread's share fails at once while the other's is still reading: read() raises
    only after every share is done (none may outlive the mappings close() releases), and
    close() then returns. The last CI run hung here: close() held the reader's lock while
    it waited for a thread that needed that lock to map its file."""
    import threading
    import time

    data = np.random.default_rng(2).normal(size=(4, 6)).astype(np.float32)
    _array(tmp_path / "a", data, "none", shard=None, unwritten=())
    reader = ChunkReader(tmp_path / "a", workers=2)
    original, finished = reader.read_into, []

    def read_into(row, dest):
        if row == 0:
            raise ValueError("row 0 is garbled")
        if row == 2:
            time.sleep(0.5)  # the other share is still reading when the first one fails
        done = original(row, dest)
        finished.append(row)
        return done

    reader.read_into = read_into
    with pytest.raises(ValueError, match="row 0 is garbled"):
        reader.read(range(4))
    assert sorted(finished) == [2, 3]
    closing = threading.Thread(target=reader.close, daemon=True)
    closing.start()
    closing.join(timeout=60)
    assert not closing.is_alive()

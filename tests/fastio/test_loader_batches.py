"""fastio.Loader's batch path for uncompressed samples: gathered by address and normalised
in one kernel call per thread. Values against numpy, threads against one thread byte for
byte, damage named."""
from __future__ import annotations

import numpy as np
import pytest

from fastio._kernels import numpy_ref
from fastio.augment import Augment, draw_params, identity_params, noise_table
from fastio.loader import LoaderCore
from fastio.spec import Normalization
from fastio.store import create_store

N = 13
PLAIN_AUG = Augment(intensity_scale=0.2, intensity_shift=0.3, noise=0.1)  # moves nothing


@pytest.fixture(scope="module")
def store(tmp_path_factory, store_writer):
    """A store written by fastio's own writer (codec ``none``: crc32c per sample), one
    blosc tensor beside it, two samples absent."""
    _, small_spec = store_writer
    rng = np.random.default_rng(21)
    ids = [f"p{i:02d}" for i in range(N)]
    values = {"sig": rng.normal(30.0, 80.0, (N, 50, 4)).astype(np.float32),
              "img": rng.normal(5.0, 2.0, (N, 9, 7, 2)).astype(np.float32),
              "std": rng.normal(-3.0, 4.0, (N, 20)).astype(np.float32),
              "lz4": rng.normal(1.0, 3.0, (N, 50, 4)).astype(np.float32)}
    specs = {"sig": small_spec("sig", (50, 4), "zscore", "none"),
             "img": small_spec("img", (9, 7, 2), "zscore", "none"),
             "std": small_spec("std", (20,), Normalization("standardize", 2.0, 8.0), "none"),
             "lz4": small_spec("lz4", (50, 4), "zscore", "blosc-lz4")}
    present = np.ones(N, dtype=bool)
    present[[4, 9]] = False
    path = tmp_path_factory.mktemp("gather") / "g.zarr"
    st = create_store(path, ids, shard_size=4)
    for name, spec in specs.items():
        st.create_tensor(spec)
        for start in range(0, N, 4):
            st.write_block(name, start, values[name][start:start + 4], present[start:start + 4])
        st.finalize_tensor(name)
    return {"path": path, "values": values, "present": present}


def _batches(loader):
    out = []
    for b in range(len(loader)):
        x, y, w = loader[b]
        out.append([a.copy() for a in [*x.values(), *y.values(), *w.values()]])
    return out


@pytest.mark.parametrize("augment", [None, PLAIN_AUG], ids=["plain", "intensity-noise"])
def test_batches_match_numpy(store, augment):
    loader = LoaderCore(store["path"], inputs=["sig", "img", "std"], outputs=["lz4"], batch_size=4, split="all",
                        seed=3, augment=augment, missing="mask", drop_remainder=False)
    assert all(loader._tensors[n].in_place for n in ("sig", "img", "std"))
    table = noise_table(3) if augment else None
    for epoch in (0, 1):  # epoch 1 reads memoised statistics
        loader.set_epoch(epoch)
        for b in range(len(loader)):
            x, _, w = loader[b]
            rows = loader.batch_rows(b)
            for name in ("sig", "img", "std"):
                p = draw_params(augment, loader._tensors[name].shape, 3, epoch, name, rows, loader._table_size)
                got = x[f"input_{name}_continuous"]
                for j, r in enumerate(rows):
                    v = store["values"][name][r]
                    if not store["present"][r]:
                        assert not got[j].any() and w["output_lz4_continuous"][j] == 0
                        continue
                    mu, sd = numpy_ref.sample_stats(v)
                    mu, inv = (2.0, 1 / 8.0) if name == "std" else (mu, 1 / (sd + 1e-6))
                    ref = numpy_ref.pointwise(v, mu, inv, p.scale[j], p.shift[j], p.sigma, table, p.offset[j])
                    np.testing.assert_allclose(got[j], ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("inputs", [["sig", "img", "std"], ["sig", "img", "std", "lz4"]],
                         ids=["in-place", "with-decoded"])
@pytest.mark.parametrize("augment", [None, PLAIN_AUG, Augment(time_shift=0.1, translate=0.1, noise=0.1)],
                         ids=["plain", "intensity-noise", "moving"])
def test_threads_give_the_batches_of_one_thread_byte_for_byte(store, augment, inputs):
    """Fixed shares per thread (everything read in place) or the next free slot per thread
    (something decoded or moved): the batches of one thread, byte for byte."""
    runs = []
    for workers in (1, 2, 3):
        loader = LoaderCore(store["path"], inputs=inputs, outputs=["sig"], batch_size=5,
                            split="all", seed=8, augment=augment, missing="mask", workers=workers)
        loader.set_epoch(2)
        runs.append(_batches(loader))
        loader.close()
    for other in runs[1:]:
        for a, b in zip(other, runs[0]):
            for u, v in zip(a, b):
                assert u.tobytes() == v.tobytes()


def test_identity_params_are_draw_params_without_augmentation():
    rows = np.array([5, 0, 11])
    a, b = identity_params(3, (50, 4)), draw_params(None, (50, 4), 1, 2, "sig", rows)
    for field in ("matrix", "warp", "roll", "chan_scale", "scale", "shift"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.sigma == b.sigma == 0.0


@pytest.mark.parametrize("inputs", [["sig"], ["lz4", "sig"]], ids=["in-place", "with-decoded"])
def test_a_garbled_sample_is_an_error_naming_tensor_file_and_row(tmp_path, store_writer, inputs):
    _, small_spec = store_writer
    values = np.round(np.random.default_rng(2).normal(size=(8, 30, 2)) * 10).astype(np.float32)
    st = create_store(tmp_path / "d.zarr", [f"s{i}" for i in range(8)], shard_size=4)
    for name, codec in (("sig", "none"), ("lz4", "blosc-lz4")):
        st.create_tensor(small_spec(name, (30, 2), "zscore", codec))
        for start in (0, 4):
            st.write_block(name, start, values[start:start + 4], np.ones(4, bool))
        st.finalize_tensor(name)
    shard = tmp_path / "d.zarr" / "sig" / "c" / "1" / "0" / "0"   # rows 4..7
    raw = bytearray(shard.read_bytes())
    at = 2 * (30 * 2 * 4 + 4) + 16                                 # inside row 6
    raw[at:at + 4] = np.float32(7e7).tobytes()
    shard.write_bytes(bytes(raw))
    loader = LoaderCore(tmp_path / "d.zarr", inputs=inputs, batch_size=8, split="all", shuffle=False, workers=2)
    with pytest.raises(ValueError, match=r"tensor sig, file .*sig/c/1/0/0: row 6 is garbled"):
        loader[0]

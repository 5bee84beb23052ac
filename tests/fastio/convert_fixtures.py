"""Fixtures of the conversion tests (imported by test_hdf5/test_store/test_convert; the
folder's conftest.py belongs to the loader tests)."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from fastio.catalogue import get_spec
from fastio.synthetic import make_cohort

QUICK_TENSORS = ("ecg_rest", "ecg_rest_median_raw_10", "dxa_2")


def write_h5(path, datasets: dict[str, np.ndarray]) -> str:
    """Write {hdf5 path: array} into one file (gzip, like ml4h exports)."""
    with h5py.File(str(path), "w") as h5:
        for key, value in datasets.items():
            h5.create_dataset(key, data=value, compression="gzip" if np.ndim(value) else None)
    return str(path)


@pytest.fixture(scope="session")
def quick_cohort(tmp_path_factory):
    """10 good quick-scale samples (every third with instances 0, 2, 10) + one file of
    each broken kind."""
    return make_cohort(tmp_path_factory.mktemp("cohort") / "hd5", n=10, scale="quick", seed=3)


@pytest.fixture(scope="session")
def quick_specs():
    return [get_spec(n, "quick") for n in QUICK_TENSORS]


@pytest.fixture(scope="session")
def converted(quick_cohort, tmp_path_factory):
    """The cohort converted once, in-process (shard size 4 → several blocks)."""
    from fastio.conversion import convert

    out = tmp_path_factory.mktemp("converted") / "store.zarr"
    summary = convert(quick_cohort.root, out, QUICK_TENSORS, scale="quick", shard_size=4,
                      workers=1, progress=False)
    return out, summary


def store_values(path) -> dict:
    """Everything a store holds that a reader can see: arrays, masks, stats, failures."""
    from fastio.store import open_store

    st = open_store(path)
    out = {"sample_id": st.sample_ids, "failures": st.failures.to_dict("list")}
    for name in st.tensors:
        out[name] = st[name][:]
        out[f"present/{name}"] = st.present(name)
        out[f"stats/{name}"] = st.stats(name)
    return out


def assert_same_store(a, b) -> None:
    va, vb = store_values(a), store_values(b)
    assert va.keys() == vb.keys()
    for key in va:
        if isinstance(va[key], np.ndarray):
            assert va[key].dtype == vb[key].dtype and np.array_equal(va[key], vb[key]), key
        else:
            assert va[key] == vb[key], key


class KilledWriter(Exception):
    """What :func:`kill_after_writes` raises in place of a kill."""


def kill_after_writes(monkeypatch, n: int) -> None:
    """After ``n`` block writes, ``Store.write_block`` raises :class:`KilledWriter`: the
    on-disk state a kill leaves between two writes. ``monkeypatch.undo()`` restores it."""
    from fastio.store import Store

    real, calls = Store.write_block, {"n": 0}

    def flaky(self, *args, **kwargs):
        if calls["n"] == n:
            raise KilledWriter()
        calls["n"] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "write_block", flaky)

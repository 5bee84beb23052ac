"""fastio.normalize: values against numpy, NaN/inf named, and the loader's own numbers."""
from __future__ import annotations

import numpy as np
import pytest

from fastio.loader import LoaderCore
from fastio.normalize import nonfinite_samples, normalize_samples
from fastio.spec import Normalization, TensorSpec
from fastio.store import create_store


@pytest.mark.parametrize("norm", ["zscore", Normalization("standardize", 3.0, 7.0), "none"])
def test_values_match_numpy(norm):
    x = np.random.default_rng(0).normal(5.0, 2.0, (4, 30, 3)).astype(np.float32)
    got = normalize_samples(x, norm)
    flat = x.reshape(4, -1).astype(np.float64)
    if norm == "zscore":
        ref = (flat - flat.mean(1, keepdims=True)) / (flat.std(1, keepdims=True) + 1e-6)
    elif norm == "none":
        ref = flat
    else:
        ref = (flat - 3.0) / 7.0
    np.testing.assert_allclose(got.reshape(4, -1), ref, rtol=2e-6, atol=2e-5)


@pytest.mark.parametrize("norm", ["zscore", Normalization("standardize", 3.0, 7.0), "none"])
def test_non_finite_samples_are_named(norm):
    x = np.ones((5, 20), np.float32)
    x[2, 7] = np.nan
    x[4, 19] = np.inf
    with pytest.raises(ValueError, match=r"my tensor: samples \[2, 4\] contain NaN/inf"):
        normalize_samples(x, norm, what="my tensor")


def test_bit_identical_to_the_loader(tmp_path):
    """What embed() relies on: the same numbers as a batch of fastio.Loader."""
    x = np.random.default_rng(1).normal(100.0, 30.0, (8, 50, 12)).astype(np.float32)
    store = create_store(tmp_path / "s.zarr", [f"{i:03d}" for i in range(8)], shard_size=4)
    spec = TensorSpec(name="sig", group="g", path_prefix="g", dataset="sig", shape=(50, 12),
                      normalization=Normalization("zscore"))
    store.create_tensor(spec)
    for a in (0, 4):
        store.write_block("sig", a, x[a:a + 4], np.ones(4, bool))
    store.finalize_tensor("sig")
    loader = LoaderCore(tmp_path / "s.zarr", inputs=["sig"], batch_size=8, split="all", shuffle=False)
    (batch,) = loader[0]
    loader.close()
    np.testing.assert_array_equal(next(iter(batch.values())), normalize_samples(x, "zscore"))


def test_nonfinite_samples_match_numpy():
    x = np.random.default_rng(2).normal(size=(7, 33, 2)).astype(np.float32)
    x[1, 0, 0], x[4, 32, 1], x[6, 10, 0] = np.nan, -np.inf, np.inf
    x[5, 3, 1] = np.float32(3.4e38)  # large but finite
    ref = np.flatnonzero(~np.isfinite(x.reshape(7, -1)).all(axis=1))
    np.testing.assert_array_equal(nonfinite_samples(x), ref)
    assert nonfinite_samples(x[[0, 2, 3, 5]]).size == 0
    with pytest.raises(ValueError, match="axis 0"):
        nonfinite_samples(np.zeros(4, np.float32))

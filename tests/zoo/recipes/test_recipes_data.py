"""Tensor sources: a store is used as is; .hd5 files are converted once at the catalogue
scale asked for; the step dataset wraps around the loader's epochs."""
from __future__ import annotations

import numpy as np
import pytest


def test_hd5_directory_is_converted_once(hd5_dir, tmp_path):
    from fastio import open_store
    from zoo.recipes.data import resolve_store

    path = resolve_store(hd5_dir, tmp_path, ["dxa.dxa_2"], "quick")
    assert path == tmp_path / "tensors.zarr"
    store = open_store(path)
    assert store.spec("dxa_2").shape == (128, 128, 1)  # the catalogue's quick shape
    assert len(store.sample_ids) == 40
    stamp = (path / "zarr.json").stat().st_mtime_ns
    assert resolve_store(hd5_dir, tmp_path, ["dxa_2"], "quick") == path
    assert (path / "zarr.json").stat().st_mtime_ns == stamp  # reused, not rewritten


def test_store_is_used_as_is_and_errors_name_the_path(store, tmp_path):
    from fastio import open_store
    from zoo.recipes.data import resolve_store, store_specs

    assert resolve_store(store, tmp_path, ["dxa_2"], "full") == store
    with pytest.raises(ValueError, match="nothing there"):
        resolve_store(tmp_path / "missing", tmp_path, ["dxa_2"], "full")
    with pytest.raises(ValueError, match="found neither"):
        resolve_store(tmp_path, tmp_path, ["dxa_2"], "full")
    with pytest.raises(ValueError, match="ecg_rest"):
        store_specs(open_store(store), ["ecg.ecg_rest"])


def test_step_dataset_wraps_and_reshuffles(store):
    from fastio import Loader
    from zoo.recipes._steps import StepDataset

    loader = Loader(store, inputs=["dxa_2"], outputs=["dxa_2"], batch_size=4, split="train", seed=1)
    n = len(loader)
    steps = StepDataset(loader, n + 2)
    assert len(steps) == n + 2
    first_pass = [loader.batch_sample_ids(i) for i in range(n)]
    got = [steps[i][0]["input_dxa_2_continuous"].copy() for i in range(n + 2)]
    assert loader.epoch == 1  # wrapped into the loader's second pass
    loader.set_epoch(1)
    second = loader[0][0]["input_dxa_2_continuous"]
    np.testing.assert_array_equal(got[n], second)
    assert [loader.batch_sample_ids(i) for i in range(n)] != first_pass  # reshuffled
    steps.on_epoch_end()
    assert steps.start == n + 2 and steps.batches_loaded == n + 2

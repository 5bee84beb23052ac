"""Tensor sources: a store is used as is; .hd5 files are converted once at the catalogue
scale asked for; the step dataset wraps around the loader's epochs; the split ignores
the training seed."""
from __future__ import annotations

import json

import numpy as np
import pytest

from fastio import open_store
from zoo.recipes.args import parse_args
from zoo.recipes.data import store_specs
from zoo.recipes.training import _loaders, write_arguments


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
    got = [steps[i][0]["input_dxa_1_2_continuous"].copy() for i in range(n + 2)]
    assert loader.epoch == 1  # wrapped into the loader's second pass
    loader.set_epoch(1)
    second = loader[0][0]["input_dxa_1_2_continuous"]
    np.testing.assert_array_equal(got[n], second)
    assert [loader.batch_sample_ids(i) for i in range(n)] != first_pass  # reshuffled
    steps.on_epoch_end()
    assert steps.start == n + 2 and steps.batches_loaded == n + 2


def test_runs_with_different_random_seeds_hold_out_the_same_samples(store, tmp_path):
    """--random_seed changes weights, order and augmentation; the held-out samples follow
    --split_seed only, and the run records it."""
    def split_sets(*flags):
        args = parse_args(["--tensors", str(store), "--input_tensors", "dxa.dxa_2", "--output_tensors",
                           "dxa.dxa_2", "--batch_size", "2", "--valid_ratio", "0.2", "--test_ratio", "0.2",
                           *flags])
        specs = store_specs(open_store(store), ["dxa_2"])
        loaders = _loaders(args, store, specs, specs, distributed=False)
        sets = [set(loader.rows.tolist()) for loader in loaders]
        for loader in loaders:
            loader.close()
        return args, sets

    runs = {seed: split_sets("--random_seed", str(seed)) for seed in (3, 12878, 99)}
    for _, (train_a, valid_a, test_a) in runs.values():
        for _, (train_b, valid_b, test_b) in runs.values():
            assert not train_a & valid_b and not train_a & test_b and not valid_a & test_b
            assert valid_a and test_a
    args, (_, valid_other, _) = split_sets("--random_seed", "3", "--split_seed", "5")
    assert valid_other != runs[3][1][1]
    recorded = json.loads(write_arguments(args, tmp_path).read_text())
    assert recorded["split_seed"] == 5 and recorded["random_seed"] == 3

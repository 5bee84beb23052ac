"""The ml4h flags ``zoo reproduce`` trains each model with: the full run's network is the
documented one, and ``--quick`` changes only the width, depth and figures it asks for."""
from pathlib import Path

import pytest

from zoo.recipes.args import parse_args
from zoo.reproduce.plan import MODELS
from zoo.reproduce.settings import CONVERGE, FULL, QUICK
from zoo.reproduce.train import recipe_argv


def _args(settings, seed=0, model=MODELS[0]):
    return parse_args(["--mode", "train", *recipe_argv(model, settings, Path("store.zarr"), Path("runs"), seed)])


def test_the_full_run_trains_the_documented_network():
    full = _args(FULL)
    assert list(full.conv_layers) == [16] and list(full.dense_blocks) == [16, 16, 16] and full.block_size == 2
    assert full.reconstructions == 2 and _args(FULL, seed=1).reconstructions == 0
    assert (full.epochs, full.training_steps, full.batch_size, full.patience) == (15, 8, 16, 3)


def test_quick_trains_a_narrower_shallower_network_with_the_same_latent():
    for model in MODELS:
        quick, full = _args(QUICK, model=model), _args(FULL, model=model)
        assert list(quick.conv_layers) == [8] and list(quick.dense_blocks) == [8, 16] and quick.block_size == 1
        assert quick.reconstructions == 0
        assert list(quick.dense_layers) == list(full.dense_layers) == [QUICK.latent]
        # everything else (inputs, losses, DropFuse pairing) is the full run's
        same = {"conv_layers", "dense_blocks", "block_size", "reconstructions", "epochs", "patience"}
        assert {k: v for k, v in vars(quick).items() if k not in same} == \
               {k: v for k, v in vars(full).items() if k not in same}


def test_converge_trains_the_quick_network_until_early_stopping_ends_it():
    for model in MODELS:
        converge, full, quick = _args(CONVERGE, model=model), _args(FULL, model=model), _args(QUICK, model=model)
        # the quick scale's network, the full run's cohort, seeds and everything else
        assert (converge.conv_layers, converge.dense_blocks, converge.block_size) == \
               (quick.conv_layers, quick.dense_blocks, quick.block_size)
        assert (converge.epochs, converge.patience, converge.min_improvement) == (200, 3, 0.005)
        assert full.min_improvement == 0.0
        same = {"conv_layers", "dense_blocks", "block_size", "epochs", "min_improvement"}
        assert {k: v for k, v in vars(converge).items() if k not in same} == \
               {k: v for k, v in vars(full).items() if k not in same}
    assert (CONVERGE.n, CONVERGE.seeds, CONVERGE.sweep) == (FULL.n, FULL.seeds, FULL.sweep)


def test_each_profile_is_spelled_by_its_flag():
    from zoo.presets.reproduce_run import reproduce_command
    from zoo.reproduce.settings import profile_flags

    assert [profile_flags(s) for s in (FULL, QUICK, CONVERGE)] == [[], ["--quick"], ["--converge"]]
    assert reproduce_command(CONVERGE).startswith("zoo reproduce --converge --n 1000 ")
    with pytest.raises(ValueError, match="quick and converge"):
        QUICK.with_(converge=True)


def test_quick_and_converge_together_exit_2_before_any_work(tmp_path, capsys):
    from zoo.commands.reproduce import main

    with pytest.raises(SystemExit) as exc:
        main(["--out", str(tmp_path / "run"), "--quick", "--converge"])
    assert exc.value.code == 2 and "at most one of --quick and --converge" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()

"""The ml4h flags ``zoo reproduce`` trains each model with: the full run's network is the
documented one, and ``--quick`` changes only the width, depth and figures it asks for."""
from pathlib import Path

from zoo.recipes.args import parse_args
from zoo.reproduce.plan import MODELS
from zoo.reproduce.settings import FULL, QUICK
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

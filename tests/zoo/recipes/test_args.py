"""The recipe command line: every ml4h flag with ml4h's default, regzoo's extras, checks."""
from __future__ import annotations

import argparse

import pytest

from zoo.recipes.args import IGNORED_ML4H_FLAGS, parse_args

BASE = ["--tensors", "store.zarr", "--input_tensors", "dxa.dxa_2", "--output_tensors", "dxa.dxa_2"]


def test_ml4h_defaults():
    args = parse_args(BASE)
    expected = dict(
        mode="train", id="no_id", activation="swish", conv_layers=[32], conv_width=[71], conv_x=[3],
        conv_y=[3], conv_z=[2], dense_blocks=[32, 32, 32], dense_layers=[256], block_size=3,
        pool_type="max", pool_x=2, pool_y=2, pool_z=1, dense_normalize=None, learning_rate=5e-5,
        batch_size=8, epochs=10, training_steps=96, validation_steps=32, test_steps=32, patience=8,
        valid_ratio=0.1, test_ratio=0.1, pair_loss=["contrastive"], pair_loss_weight=[1.0],
        encoder_blocks=["conv_encode"], decoder_blocks=["conv_decode"], merge_blocks=[],
        tsv_style="standard", inspect_model=False, model_file=None, sample_csv=None,
        tensormap_prefix="ml4h.tensormap.ukb", tensor_scale="full", pairs=None,
        min_improvement=0.0,      # regzoo's: 0 is ml4h's (Keras') early stopping
    )
    for key, value in expected.items():
        assert getattr(args, key) == value, key


def test_dropfuse_command_line_parses():
    args = parse_args([
        "--mode", "train", "--tensors", "t", "--input_tensors", "dxa.dxa_2", "dxa.dxa_5",
        "--output_tensors", "dxa.dxa_2", "dxa.dxa_5", "--pairs", "dxa.dxa_2", "dxa.dxa_5",
        "--pairs", "dxa.dxa_5", "dxa.dxa_2", "--pair_loss", "contrastive", "--pair_loss_weight", "0.1",
        "--pair_merge", "dropout", "--merge_blocks", "--tensormap_prefix", "ml4h.tensormap.ukb",
        "--conv_x", "3", "--conv_y", "3", "--pool_type", "average", "--dense_normalize", "layer_norm",
        "--tsv_style", "genetics", "--inspect_model", "--random_seed", "7", "--tensor_scale", "quick",
    ])
    assert args.pairs == [["dxa.dxa_2", "dxa.dxa_5"], ["dxa.dxa_5", "dxa.dxa_2"]]
    assert args.pair_loss_weight == [0.1] and args.merge_blocks == [] and args.tensor_scale == "quick"

    from zoo.models import Arch, parse_pairs

    arch = Arch.from_namespace(args)
    assert arch.pool_type == "average" and arch.dense_normalize == "layer_norm" and arch.latent_dim == 256
    pairs = parse_pairs(args.pairs, args.pair_loss, args.pair_loss_weight)
    assert [(p.a, p.b, p.loss, p.weight) for p in pairs] == [
        ("dxa_2", "dxa_5", "contrastive", 0.1), ("dxa_5", "dxa_2", "contrastive", 0.1)]


def test_ignored_ml4h_flags_are_reported(capsys):
    args = parse_args(BASE + ["--num_workers", "8", "--cache_size", "0"])
    assert args.ignored_flags == ["--num_workers", "--cache_size"]
    assert "--num_workers --cache_size" in capsys.readouterr().err
    assert all(flag.startswith("--") for flag in IGNORED_ML4H_FLAGS)


def test_namespace_passes_through_the_same_checks():
    ns = argparse.Namespace(tensors="t", input_tensors=["dxa.dxa_2"], output_tensors=["dxa.dxa_2"], epochs=2)
    args = parse_args(ns)
    assert args.epochs == 2 and args.batch_size == 8
    with pytest.raises(SystemExit):
        parse_args(argparse.Namespace(tensors="t", input_tensors=["a"], output_tensors=["a"], epochs=0))


@pytest.mark.parametrize("extra", [
    ["--typo_flag", "1"], ["--batch_size", "0"], ["--valid_ratio", "0.6", "--test_ratio", "0.5"],
    ["--merge_blocks", "concat"], ["--pair_loss", "hinge"], ["--activation", "softmaxish"],
    ["--min_improvement", "1"], ["--min_improvement", "-0.01"],
])
def test_bad_command_lines_exit_2(extra):
    with pytest.raises(SystemExit) as exc:
        parse_args(BASE + extra)
    assert exc.value.code == 2


def test_pairs_need_two_inputs_and_train_needs_outputs():
    with pytest.raises(SystemExit):
        parse_args(BASE + ["--pairs", "dxa.dxa_2", "dxa.dxa_5"])
    with pytest.raises(SystemExit):
        parse_args(["--tensors", "t", "--input_tensors", "dxa.dxa_2"])
    assert parse_args(["--mode", "infer_encoders", "--tensors", "t", "--input_tensors", "dxa.dxa_2"]).mode == "infer_encoders"


def test_bottleneck_type_is_one_value_or_one_per_input():
    from zoo.models import Arch

    one = parse_args(BASE + ["--bottleneck_type", "global_average_pool"])
    assert Arch.from_namespace(one).bottleneck_type == "global_average_pool" and one.ignored_flags == []
    assert Arch.from_namespace(parse_args(BASE)).bottleneck_type == "flatten_restructure"
    two = parse_args(["--tensors", "t", "--input_tensors", "a", "b", "--output_tensors", "a", "b",
                      "--bottleneck_type", "global_average_pool", "flatten_restructure"])
    assert two.bottleneck_type == ["global_average_pool", "flatten_restructure"]
    with pytest.raises(SystemExit):
        parse_args(BASE + ["--bottleneck_type", "global_average_pool", "flatten_restructure"])
    with pytest.raises(SystemExit):
        parse_args(BASE + ["--bottleneck_type", "variational"])

"""A kept compiled model trained again computes what a freshly built one does."""
from __future__ import annotations

import pytest

from zoo.recipes import infer, reuse, train

PAIR = ["--merge_blocks", "pair", "--pairs", "dxa.dxa_2", "dxa.dxa_5", "--pair_loss", "contrastive",
        "--pair_loss_weight", "0.1", "--pair_merge", "dropout"]


def _run(store, tiny, out, seed, tensors, extra):
    """Train and infer as ``zoo reproduce`` does; the history and latent tables' text."""
    import keras

    common = ["--tensors", str(store), "--output_folder", str(out), "--id", "run", "--input_tensors", *tensors]
    fit = [*tiny["fit"], "--random_seed", str(seed)]  # the later flag wins
    try:
        run = train(["--mode", "train", *common, "--output_tensors", *tensors, "--encoder_blocks", "conv_encode",
                     "--decoder_blocks", "conv_decode", *extra, *tiny["arch"], *fit])
        tables = infer(["--mode", "infer_encoders", *common])
    finally:
        keras.backend.clear_session()
    return (run / "history_run.tsv").read_text(), [p.read_text() for p in tables]


@pytest.mark.parametrize("kind", ["autoencoder", "dropfuse"])
def test_a_kept_model_trained_again_gives_the_fresh_model_s_history_and_latents(store, tiny, tmp_path, kind):
    tensors, extra = (["dxa.dxa_2"], []) if kind == "autoencoder" else (["dxa.dxa_2", "dxa.dxa_5"], PAIR)
    reuse.disable()
    fresh = _run(store, tiny, tmp_path / "fresh", 3, tensors, extra)
    try:
        reuse.enable()
        other = _run(store, tiny, tmp_path / "other", 5, tensors, extra)  # compiles and keeps the model
        kept = reuse._models.copy()
        again = _run(store, tiny, tmp_path / "again", 3, tensors, extra)  # the kept model, seed 3's state
        assert reuse._models == kept and len(kept) == 1  # nothing new was compiled
    finally:
        reuse.disable()
    assert other != fresh  # another seed trains differently: the comparison below can fail
    assert again == fresh


def test_reuse_is_off_unless_enabled(store, tiny, tmp_path):
    reuse.disable()
    _run(store, tiny, tmp_path / "a", 3, ["dxa.dxa_2"], [])
    assert reuse._models is None


def test_a_model_trained_on_several_devices_is_not_kept(store, tiny):
    import keras

    from fastio import open_store
    from zoo.recipes.args import parse_args
    from zoo.recipes.data import store_specs
    from zoo.recipes.training import _build

    args = parse_args(["--mode", "train", "--tensors", str(store), "--input_tensors", "dxa.dxa_2",
                       "--output_tensors", "dxa.dxa_2", *tiny["arch"], *tiny["fit"]])
    specs = store_specs(open_store(store), ["dxa.dxa_2"])
    try:
        reuse.enable()
        _build(args, specs, specs, reusable=False)  # a distribution strategy's model
        assert reuse._models == {}
        _build(args, specs, specs, reusable=True)
        assert len(reuse._models) == 1
    finally:
        reuse.disable()
        keras.backend.clear_session()

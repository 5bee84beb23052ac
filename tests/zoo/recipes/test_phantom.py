"""The two ml4h command lines on the phantom cohort's .hd5 files at quick scale
(converted on the fly), with tiny conv widths and few steps."""
from __future__ import annotations

import csv
import json

import pytest

from zoo.phantom import generate


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("phantom"), n=48, seed=0, scale="quick", progress=False)


FIT = ["--activation", "mish", "--conv_layers", "8", "--dense_blocks", "8", "8", "8", "--dense_layers", "32",
       "--block_size", "2", "--batch_size", "8", "--epochs", "3", "--training_steps", "4",
       "--validation_steps", "1", "--learning_rate", "1e-3", "--valid_ratio", "0.2", "--test_ratio", "0.1",
       "--tensor_scale", "quick", "--verbose", "0"]


@pytest.mark.slow
@pytest.mark.parametrize("run_id,flags", [
    ("dxa_2_autoencoder", ["--input_tensors", "dxa.dxa_2", "--output_tensors", "dxa.dxa_2"]),
    ("dxa_2_dxa_5_dropfuse", ["--input_tensors", "dxa.dxa_2", "dxa.dxa_5", "--output_tensors", "dxa.dxa_2",
                              "dxa.dxa_5", "--pairs", "dxa.dxa_2", "dxa.dxa_5", "--pair_loss", "contrastive",
                              "--pair_loss_weight", "0.1", "--pair_merge", "dropout"]),
])
def test_ml4h_command_lines_on_phantom(phantom, tmp_path, run_id, flags):
    from zoo.recipes.run import main

    common = ["--tensors", str(phantom.hd5_dir), "--output_folder", str(tmp_path), "--id", run_id,
              "--encoder_blocks", "conv_encode", "--decoder_blocks", "conv_decode"]
    assert main(["--mode", "train", *common, *flags, *FIT]) == 0
    run = tmp_path / run_id
    summary = json.loads((run / f"train_summary_{run_id}.json").read_text())
    assert summary["history"]["loss"][-1] < summary["history"]["loss"][0]
    assert summary["inputs"][0]["shape"] == [128, 128, 1]
    inputs = flags[flags.index("--input_tensors") + 1:flags.index("--output_tensors")]
    assert main(["--mode", "infer_encoders", *common, "--input_tensors", *inputs, "--tensor_scale", "quick"]) == 0
    with open(run / f"hidden_dxa_1_2_{run_id}.tsv") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows[0][:2] == ["sample_id", "latent_0"] and len(rows[0]) == 33
    assert sorted(r[0] for r in rows[1:]) == sorted(phantom.sample_ids)

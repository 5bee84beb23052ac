"""The data-parallel path, on two virtual CPU devices in a fresh process (the device
layout must be set before TensorFlow initialises, so it cannot share this process)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCRIPT = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from zoo.recipes import train
run = train(sys.argv[1:])
summary = json.loads((run / f"train_summary_{run.name}.json").read_text())
print("RESULT " + json.dumps({"devices": summary["devices"], "loss": summary["history"]["loss"]}))
"""


@pytest.mark.slow
def test_pair_model_trains_data_parallel_on_two_virtual_devices(store, tiny, tmp_path):
    argv = ["--tensors", str(store), "--output_folder", str(tmp_path), "--id", "dp",
            "--input_tensors", "dxa.dxa_2", "dxa.dxa_5", "--output_tensors", "dxa.dxa_2", "dxa.dxa_5",
            "--pairs", "dxa.dxa_2", "dxa.dxa_5", "--pair_loss_weight", "0.1", "--pair_merge", "dropout",
            *tiny["arch"], *tiny["fit"], "--epochs", "2"]
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert len(result["devices"]) == 2
    assert all(v == v for v in result["loss"]) and result["loss"][-1] < result["loss"][0]
    assert (tmp_path / "dp" / "encoder_dxa_1_5.keras").is_file()

"""The ml4h command lines end to end on a small store: the dxa_2 autoencoder and the
dxa_2 ↔ dxa_5 DropFuse pair; best weights in every saved file; latent tables; fine-tuning."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest


PLANTED = ("history_dxa_2_ae.tsv", "arguments_dxa_2_ae.json", "dxa_2_ae.keras",
           "learning_curve_dxa_2_ae.png", "train_summary_dxa_2_ae.json")


@pytest.fixture(scope="module")
def ae_run(store, tiny, tmp_path_factory):
    from zoo.cli import main

    out = tmp_path_factory.mktemp("ae")
    # symlinks planted where the run writes: replaced, never written through
    (out / "victims").mkdir()
    (out / "dxa_2_ae").mkdir()
    for name in PLANTED:
        (out / "victims" / name).write_text("precious\n")
        (out / "dxa_2_ae" / name).symlink_to(out / "victims" / name)
    argv = ["train", "--tensors", str(store), "--output_folder", str(out), "--id", "dxa_2_ae",
            "--input_tensors", "dxa.dxa_2", "--output_tensors", "dxa.dxa_2",
            "--encoder_blocks", "conv_encode", "--decoder_blocks", "conv_decode",
            "--tensormap_prefix", "ml4h.tensormap.ukb", *tiny["arch"], *tiny["fit"]]
    assert main(argv) == 0  # the `zoo train` alias
    return out / "dxa_2_ae"


@pytest.fixture(scope="module")
def pair_run(store, tiny, tmp_path_factory):
    from zoo.recipes import train

    out = tmp_path_factory.mktemp("pair")
    run = train(["--mode", "train", "--tensors", str(store), "--output_folder", str(out), "--id", "dropfuse",
                 "--input_tensors", "dxa.dxa_2", "dxa.dxa_5", "--output_tensors", "dxa.dxa_2", "dxa.dxa_5",
                 "--encoder_blocks", "conv_encode", "--decoder_blocks", "conv_decode", "--merge_blocks", "pair",
                 "--pairs", "dxa.dxa_2", "dxa.dxa_5", "--pair_loss", "contrastive", "--pair_loss_weight", "0.1",
                 "--pair_merge", "dropout", *tiny["arch"], *tiny["fit"]])
    return run


def _summary(run):
    return json.loads((run / f"train_summary_{run.name}.json").read_text())


def _read_tsv(path):
    with open(path) as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return rows[0], rows[1:]


def test_autoencoder_outputs_and_loss_falls(ae_run):
    rid = ae_run.name
    for name in (f"{rid}.keras", "encoder_dxa_1_2.keras", "decoder_dxa_1_2.keras", f"learning_curve_{rid}.png",
                 f"reconstructions_dxa_2_{rid}.png", f"arguments_{rid}.json", f"history_{rid}.tsv"):
        assert (ae_run / name).is_file(), name
    summary = _summary(ae_run)
    history = summary["history"]
    assert history["loss"][-1] < history["loss"][0]
    assert summary["best_val_loss"] < history["val_loss"][0]
    assert json.loads((ae_run / f"arguments_{rid}.json").read_text())["input_tensors"] == ["dxa.dxa_2"]
    for name in PLANTED:
        assert (ae_run.parent / "victims" / name).read_text() == "precious\n"
        assert not (ae_run / name).is_symlink()
    with open(ae_run / f"history_{rid}.tsv") as f:
        assert len(list(csv.reader(f, delimiter="\t"))) == summary["epochs_run"] + 1


def test_saved_files_hold_the_best_weights(ae_run, store):
    from fastio import Loader
    from zoo.models import encoders_of, load_model

    summary = _summary(ae_run)
    model = load_model(ae_run / f"{ae_run.name}.keras")
    encoder = load_model(ae_run / "encoder_dxa_1_2.keras")
    for a, b in zip(encoders_of(model)["dxa_1_2"].get_weights(), encoder.get_weights()):
        np.testing.assert_array_equal(a, b)
    # the saved model reproduces the best epoch's validation loss
    valid = Loader(store, inputs=["dxa_2"], outputs=["dxa_2"], batch_size=4, split="valid", shuffle=False,
                   drop_remainder=False, seed=3, valid_ratio=0.2, test_ratio=0.1)
    losses = []
    for i in range(min(2, len(valid))):
        x, y = valid[i]
        pred = np.asarray(model(x, training=False)["output_dxa_1_2_continuous"])
        losses.append(np.mean((pred - y["output_dxa_1_2_continuous"]) ** 2))
    np.testing.assert_allclose(np.mean(losses), summary["best_val_loss"], rtol=1e-4)


def test_infer_writes_one_row_per_sample(ae_run, store):
    from fastio import open_store
    from zoo.cli import main
    from zoo.models import load_model

    argv = ["infer", "--tensors", str(store), "--output_folder", str(ae_run.parent), "--id", ae_run.name,
            "--input_tensors", "dxa.dxa_2", "--batch_size", "16"]
    assert main(argv) == 0  # the `zoo infer` alias
    header, rows = _read_tsv(ae_run / f"hidden_dxa_1_2_{ae_run.name}.tsv")
    assert header == ["sample_id"] + [f"latent_{j}" for j in range(16)]
    assert [r[0] for r in rows] == list(open_store(store).sample_ids)
    # values are the encoder's output on the normalised tensor (per-image z-score)
    raw = np.asarray(open_store(store)["dxa_2"][:2], dtype=np.float64)
    x = ((raw - raw.mean(axis=(1, 2, 3), keepdims=True)) / raw.std(axis=(1, 2, 3), keepdims=True)).astype("float32")
    expected = np.asarray(load_model(ae_run / "encoder_dxa_1_2.keras")(x))
    np.testing.assert_allclose(np.array(rows[:2], dtype=float)[:, 1:], expected, rtol=1e-3, atol=1e-4)


def test_dropfuse_run_and_deterministic_latents(pair_run, store):
    from zoo.recipes import infer

    summary = _summary(pair_run)
    history = summary["history"]
    assert history["loss"][-1] < history["loss"][0]
    # the logged total is both reconstructions plus 0.1 × the logged contrastive loss
    for prefix in ("", "val_"):
        total = (history[f"{prefix}output_dxa_1_2_continuous_loss"][0] + history[f"{prefix}output_dxa_1_5_continuous_loss"][0]
                 + 0.1 * history[f"{prefix}pair_contrastive_dxa_2_dxa_5"][0])
        np.testing.assert_allclose(history[f"{prefix}loss"][0], total, rtol=1e-4)
    # early stopping and the saved weights follow the trained objective (decoding from each
    # modality, as DropFuse trains), logged next to Keras' average-latent val_loss
    assert summary["monitor"] == "val_dropfuse_loss" and len(history["val_loss"]) == summary["epochs_run"]
    objective = history["val_dropfuse_loss"]
    assert summary["best_epoch"] == int(np.argmin(objective)) + 1 and summary["best_val_loss"] == min(objective)
    for epoch in range(summary["epochs_run"]):
        np.testing.assert_allclose(objective[epoch], np.mean([history["val_dropfuse_from_dxa_2"][epoch],
                                                              history["val_dropfuse_from_dxa_5"][epoch]])
                                   + history["val_dropfuse_pair"][epoch], rtol=1e-6)
    header, _ = _read_tsv(pair_run / "history_dropfuse.tsv")
    assert {"val_loss", "val_dropfuse_loss"} <= set(header)
    _check_best_objective(pair_run, store, summary["best_val_loss"])
    for name in ("encoder_dxa_1_2.keras", "encoder_dxa_1_5.keras", "decoder_dxa_1_2.keras", "decoder_dxa_1_5.keras",
                 "reconstructions_dxa_2_dropfuse.png", "reconstructions_dxa_5_dropfuse.png"):
        assert (pair_run / name).is_file(), name
    argv = ["--mode", "infer_encoders", "--tensors", str(store), "--output_folder", str(pair_run.parent),
            "--id", "dropfuse", "--input_tensors", "dxa.dxa_2", "dxa.dxa_5", "--tsv_style", "genetics"]
    first = [p.read_text() for p in infer(argv)]
    second = [p.read_text() for p in infer(argv)]
    assert first == second
    paths = sorted(p.name for p in pair_run.glob("hidden_*.tsv"))
    assert paths == ["hidden_dxa_1_2_dropfuse.tsv", "hidden_dxa_1_5_dropfuse.tsv"]
    header, rows = _read_tsv(pair_run / paths[0])
    assert header[:3] == ["FID", "IID", "latent_0"] and len(rows) == 40
    assert all(r[0] == r[1] for r in rows)


def _check_best_objective(run, store, best):
    """The saved pair model reproduces the best epoch's val_dropfuse_loss."""
    from fastio import Loader, open_store
    from zoo.models import load_model
    from zoo.models.objective import dropfuse_objective
    from zoo.recipes.data import store_specs

    specs = store_specs(open_store(store), ["dxa_2", "dxa_5"])
    valid = Loader(store, inputs=["dxa_2", "dxa_5"], outputs=["dxa_2", "dxa_5"], batch_size=4, split="valid",
                   shuffle=False, drop_remainder=False, valid_ratio=0.2, test_ratio=0.1)
    model = load_model(run / f"{run.name}.keras")
    values, sizes = [], []
    for i in range(min(2, len(valid))):
        x, y = valid[i]
        values.append(dropfuse_objective(model, specs, specs, x, y)["dropfuse_loss"])
        sizes.append(len(x["input_dxa_1_2_continuous"]))
    np.testing.assert_allclose(np.average(values, weights=sizes), best, rtol=1e-4)


class _SpoilLastEpoch:
    """A Keras callback (built lazily: keras is imported inside tests) that records the
    weights after every epoch and wrecks them before the last epoch's validation."""

    def __new__(cls, epochs):
        import keras

        class Spoil(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.snapshots, self.epoch = [], 0

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = epoch

            def on_train_batch_end(self, batch, logs=None):
                if self.epoch == epochs - 1:
                    rng = np.random.default_rng(batch)
                    self.model.set_weights([w + rng.normal(0, 1.0, w.shape).astype(w.dtype)
                                            for w in self.model.get_weights()])

            def on_epoch_end(self, epoch, logs=None):
                self.snapshots.append([w.copy() for w in self.model.get_weights()])

        return Spoil()


def test_saved_files_hold_the_best_epoch_not_the_last(store, tiny, tmp_path, monkeypatch):
    """The last epoch is made the worst; {id}.keras and encoder_*.keras must hold the best
    epoch's weights, not the last ones."""
    from zoo.models import encoders_of, load_model
    from zoo.recipes import train, training

    spoil = _SpoilLastEpoch(3)
    original = training._callbacks
    monkeypatch.setattr(training, "_callbacks", lambda *a, **k: [*original(*a, **k), spoil])
    run = train(["--tensors", str(store), "--output_folder", str(tmp_path), "--id", "spoiled",
                 "--input_tensors", "dxa.dxa_2", "--output_tensors", "dxa.dxa_2", *tiny["arch"], *tiny["fit"],
                 "--test_steps", "0"])
    summary = _summary(run)
    losses = summary["history"]["val_loss"]
    assert summary["epochs_run"] == 3 and losses[2] > max(losses[:2])  # the spoiled epoch is the worst
    best = summary["best_epoch"] - 1
    assert best < 2
    model = load_model(run / "spoiled.keras")
    encoder = load_model(run / "encoder_dxa_1_2.keras")
    for saved, expected in zip(model.get_weights(), spoil.snapshots[best]):
        np.testing.assert_array_equal(saved, expected)
    assert any(not np.array_equal(a, b) for a, b in zip(model.get_weights(), spoil.snapshots[2]))
    # the encoder file is the same best-epoch encoder
    in_model = encoders_of(model)["dxa_1_2"].get_weights()
    assert len(encoder.get_weights()) == len(in_model) > 0
    for saved, expected in zip(encoder.get_weights(), in_model):
        np.testing.assert_array_equal(saved, expected)


def test_fine_tuning_from_saved_blocks(ae_run, store, tiny, tmp_path):
    from zoo.recipes import train

    argv = ["--tensors", str(store), "--output_folder", str(tmp_path), "--id", "tuned",
            "--input_tensors", "dxa.dxa_2", "--output_tensors", "dxa.dxa_2",
            "--encoder_blocks", str(ae_run / "encoder_dxa_1_2.keras"),
            "--decoder_blocks", str(ae_run / "decoder_dxa_1_2.keras"), *tiny["fit"], "--epochs", "1",
            "--test_steps", "0", "--run_eagerly"]
    run = train(argv)
    tuned, original = _summary(run), _summary(ae_run)
    # starting from trained blocks, the first epoch is already better than the
    # original run's first epoch
    assert tuned["history"]["loss"][0] < original["history"]["loss"][0]
    assert (run / "encoder_dxa_1_2.keras").is_file()


def test_failed_run_exits_nonzero_with_reason(store, tmp_path, capsys):
    from zoo.recipes.run import main

    out = tmp_path / "runs"
    code = main(["--mode", "train", "--tensors", str(store), "--output_folder", str(out), "--id", "bad",
                 "--input_tensors", "dxa.dxa_11", "--output_tensors", "dxa.dxa_11"])
    assert code == 2
    err = capsys.readouterr().err
    assert "dxa_11" in err and "store.zarr" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()   # no empty run folder, no stray arguments_bad.json
    assert main(["--tensors", str(tmp_path / "nowhere"), "--output_folder", str(out),
                 "--input_tensors", "dxa.dxa_2", "--output_tensors", "dxa.dxa_2"]) == 2
    assert main(["--mode", "infer_encoders", "--tensors", str(store), "--output_folder", str(out),
                 "--id", "noenc", "--input_tensors", "dxa.dxa_2"]) == 2
    assert "expected an encoder" in capsys.readouterr().err
    assert not out.exists()


def test_infer_from_model_file_matches_encoder_file(ae_run, store, tmp_path):
    from zoo.recipes import infer

    common = ["--mode", "infer_encoders", "--tensors", str(store), "--input_tensors", "dxa.dxa_2"]
    (from_file,) = infer(common + ["--output_folder", str(tmp_path), "--id", "mf",
                                   "--model_file", str(ae_run / f"{ae_run.name}.keras")])
    (from_encoder,) = infer(common + ["--output_folder", str(tmp_path), "--id", "enc",
                                      "--encoder_blocks", str(ae_run / "encoder_dxa_1_2.keras")])
    a, b = _read_tsv(from_file)[1], _read_tsv(from_encoder)[1]
    np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float), rtol=1e-6)
    with pytest.raises(ValueError, match="encoder"):
        infer(common + ["--output_folder", str(tmp_path), "--id", "none"])

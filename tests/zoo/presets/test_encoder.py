"""Encoder, embed() and the scikit-learn transformer on a tiny preset built here and
downloaded from the loopback mirror."""
from __future__ import annotations

import numpy as np
import pytest

import zoo
from .presetkit import TINY_DIM, TINY_SHAPE, FaultServer, make_preset, save_tiny_encoder, write_mirror, write_registry, zscore
from zoo.presets.cards import parse_card, render_card
from zoo.presets.registry import Registry


@pytest.fixture(scope="module")
def tiny_mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    data = save_tiny_encoder(root / "build" / "encoder.keras").read_bytes()
    payload = {"encoder.keras": data}
    preset = make_preset(payload)
    write_mirror(root / "www", preset, payload)
    with FaultServer(root / "www") as server:
        preset = make_preset(payload, urls=(server.url,))
        yield preset, write_registry(root / "reg" / "registry.json", [preset]), root / "build" / "encoder.keras"


@pytest.fixture
def tiny(tiny_mirror, monkeypatch):
    preset, registry, keras_file = tiny_mirror
    monkeypatch.setenv("ZOO_REGISTRY", str(registry))
    return preset, keras_file


def _reference(keras_file, x):
    import keras

    model = keras.saving.load_model(keras_file, safe_mode=True)
    return np.asarray(model.predict(zscore(x), verbose=0), dtype=np.float32)


def test_embed_equals_normalise_then_predict(tiny):
    preset, keras_file = tiny
    x = np.random.default_rng(0).normal(5, 3, (10, *TINY_SHAPE)).astype(np.float32)
    emb = zoo.embed(x, preset.name)
    assert emb.dtype == np.float32 and emb.shape == (10, TINY_DIM)
    np.testing.assert_allclose(emb, _reference(keras_file, x), atol=1e-6)
    enc = zoo.Encoder.from_preset(preset.ref)
    assert enc.preset == preset and enc.keras_model.name == "encoder_tiny"
    np.testing.assert_allclose(enc.embed(x, batch_size=3), emb, atol=1e-6)
    front, body = parse_card(enc.card)
    assert {k: front[k] for k in preset.to_dict()} == preset.to_dict() and "## Limitations" in body


def test_missing_channel_axis_and_integer_input_are_accepted(tiny):
    preset, keras_file = tiny
    x = np.random.default_rng(1).integers(-50, 50, (4, *TINY_SHAPE)).astype(np.int16)
    np.testing.assert_allclose(zoo.embed(x, preset.ref), _reference(keras_file, x.astype(np.float32)), atol=1e-6)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 8), np.float32), r"shaped \(N, 8, 4\)"),
    (np.zeros((3, 8, 4, 2, 1), np.float32), r"shaped \(N, 8, 4\)"),
    (np.array([["a"] * 4] * 8)[None], "expected numeric"),
    (np.full((2, *TINY_SHAPE), np.nan, np.float32), "NaN"),
])
def test_bad_input_is_a_clear_error(tiny, bad, message):
    preset, _ = tiny
    with pytest.raises(ValueError, match=message):
        zoo.embed(bad, preset.ref)


def test_encode_checks_the_preprocessed_shape(tiny):
    preset, _ = tiny
    enc = zoo.Encoder.from_preset(preset.ref)
    with pytest.raises(ValueError, match=r"expected preprocessed float32 input of shape \(N, 8, 4\)"):
        enc.encode(np.zeros((2, 4, 8), np.float32))


def test_other_sizes_are_padded_or_cropped_like_ml4h(tiny):
    preset, keras_file = tiny
    x = np.random.default_rng(2).normal(size=(3, 10, 3)).astype(np.float32)
    fitted = np.zeros((3, *TINY_SHAPE), np.float32)
    fitted[:, :8, :3] = x[:, :8, :]  # top-left rule: crop rows, pad the channel axis with zeros
    np.testing.assert_allclose(zoo.embed(x, preset.ref), _reference(keras_file, fitted), atol=1e-6)


def test_list_presets_and_lookup(tiny):
    preset, _ = tiny
    table = zoo.list_presets()
    row = table[table["name"] == preset.name].iloc[0]
    assert (row["version"], row["modality"], row["registration"], row["objective"], row["dim"]) == \
        (1, "tiny", "none", "ae", TINY_DIM)
    assert row["card"] == f"model_cards/{preset.ref}.md"
    with pytest.raises(ValueError, match="no version 7"):
        zoo.presets.get_preset(f"{preset.name}@7")
    with pytest.raises(ValueError, match="Unknown preset"):
        zoo.presets.get_preset("nope.none.ae")


def test_transformer_in_a_pipeline_with_cross_val_score(tiny):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    preset, _ = tiny
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, *TINY_SHAPE)).astype(np.float32)
    z = zoo.embed(x, preset.ref)
    y = z @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.01, 40)
    folds = KFold(4, shuffle=True, random_state=0)
    pipe = make_pipeline(zoo.EmbeddingTransformer(preset.name), Ridge(alpha=1e-3))
    scores = cross_val_score(pipe, x, y, cv=folds)
    manual = [Ridge(alpha=1e-3).fit(z[a], y[a]).score(z[b], y[b]) for a, b in folds.split(x)]
    np.testing.assert_allclose(scores, manual, rtol=1e-6)
    assert scores.min() > 0.9  # the latents carry y, so the pipeline must recover it
    fitted = pipe.fit(x, y)
    assert list(fitted[0].get_feature_names_out()) == ["latent_0", "latent_1", "latent_2"]


def test_card_round_trip_is_exact():
    preset = make_preset({"encoder.keras": b"x"})
    front, _ = parse_card(render_card(preset))
    assert {k: front[k] for k in preset.to_dict()} == preset.to_dict()
    assert front["library_name"] == "keras" and "regzoo" in front["tags"]


def test_import_zoo_loads_no_keras():
    import subprocess
    import sys

    code = ("import sys, zoo; zoo.list_presets(); "
            "print(sorted(m for m in ('keras', 'tensorflow', 'pooch', 'requests') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_registry_round_trips(tmp_path):
    preset = make_preset({"encoder.keras": b"x"}, version=2)
    registry = Registry([write_registry(tmp_path / "registry.json", [preset])])
    assert registry.get(preset.name) == preset and registry.versions(preset.name) == [2]

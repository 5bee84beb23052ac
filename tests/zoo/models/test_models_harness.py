"""The shared harness, parametrised over every model family: config round trip,
``.keras`` save/load in safe mode, one train step."""
from __future__ import annotations

import numpy as np


def _predict(model, x):
    # eager call: tracing a predict function costs seconds and tests nothing extra here
    out = model(x, training=False)
    return {k: np.asarray(v) for k, v in out.items()}


def test_get_config_round_trip(family, batch):
    import keras

    from zoo.models import register_layers

    register_layers()
    _, model, inputs, outputs = family
    clone = keras.Model.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    x, _ = batch(inputs, outputs)
    expected, got = _predict(model, x), _predict(clone, x)
    assert expected.keys() == got.keys() == {s.output_name for s in outputs}
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-5)


def test_save_load_safe_mode(family, batch, tmp_path):
    from zoo.models import load_model

    name, model, inputs, outputs = family
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = load_model(path)  # safe_mode=True inside
    x, _ = batch(inputs, outputs)
    expected, got = _predict(model, x), _predict(loaded, x)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-6)
        assert got[key].shape == (4, *next(s.shape for s in outputs if s.output_name == key))


def test_one_train_step(family, batch):
    import keras

    name, model, inputs, outputs = family
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss={s.output_name: "mse" for s in outputs},
        run_eagerly=True,  # tracing the train function is the slow part; the math is the same
    )
    x, y = batch(inputs, outputs)
    before = [w.copy() for w in model.get_weights()]
    # the forward pass before the update, for a numpy reference of the reconstruction loss
    reference = {k: float(np.mean((v - y[k]) ** 2)) for k, v in _predict(model, x).items()}
    logs = model.train_on_batch(x, y, return_dict=True)
    assert np.isfinite(logs["loss"])
    if name.startswith("pair"):
        # total = reconstruction (from a random DropFuse draw) + weight × pair loss
        reconstruction = sum(logs[f"{s.output_name}_loss"] for s in outputs)
        assert logs["loss"] > reconstruction
    else:
        np.testing.assert_allclose(logs["loss"], sum(reference.values()), rtol=1e-4)
    changed = sum(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert changed >= len(before) // 2

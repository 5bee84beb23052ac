"""The shared harness, parametrised over every model family: config round trip,
``.keras`` save/load in safe mode, one train step against numpy losses."""
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
    if name.startswith("pair"):
        expected_pair = _pair_reference(model, inputs, x)
    if name.startswith("pair_dropout"):
        per_choice = _per_choice_reconstruction(model, inputs, outputs, x, y)
    logs = model.train_on_batch(x, y, return_dict=True)
    assert np.isfinite(logs["loss"])
    if name.startswith("pair_dropout"):
        # DropFuse decoded each sample from one modality: the logged reconstruction
        # losses are those of one assignment of modalities to the 4 samples (of 16)
        got = np.array([logs[f"{s.output_name}_loss"] for s in outputs])
        matches = [c for c, value in per_choice.items() if np.allclose(value, got, rtol=1e-4)]
        assert len(matches) == 1, (got, per_choice)
        np.testing.assert_allclose(logs["pair_contrastive_a_b"], expected_pair, rtol=1e-4)
        np.testing.assert_allclose(logs["loss"], got.sum() + 0.5 * expected_pair, rtol=1e-4)
    elif name.startswith("pair"):
        np.testing.assert_allclose(logs["pair_cosine_a_b"], expected_pair, rtol=1e-4)
        np.testing.assert_allclose(logs["loss"], sum(reference.values()) + 0.5 * expected_pair, rtol=1e-4)
    else:
        np.testing.assert_allclose(logs["loss"], sum(reference.values()), rtol=1e-4)
    changed = sum(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert changed >= len(before) // 2


def _pair_reference(model, inputs, x) -> float:
    """The unweighted pair loss of the two encoders' latents, in numpy."""
    from zoo.models import encoders_of

    from .test_losses import infonce_reference

    encoders = encoders_of(model, inputs)
    a, b = (np.asarray(encoders[s.name](x[s.input_name]), np.float64) for s in inputs)
    layer = next(layer for layer in model.layers if layer.name.startswith("pair_"))
    if layer.kind == "contrastive":
        return infonce_reference(a, b, float(layer.log_scale.numpy()))
    cos = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    return float(np.mean(1 - cos))


def _per_choice_reconstruction(model, inputs, outputs, x, y) -> dict[tuple, np.ndarray]:
    """For every assignment of a source modality to each sample, the per-output mse of
    decoding each sample from its assigned modality's latent."""
    import itertools

    from zoo.models import decoders_of, encoders_of

    encoders, decoders = encoders_of(model, inputs), decoders_of(model, outputs)
    # err[k][o]: per-sample mse of output o decoded from modality k
    err = [[np.mean((np.asarray(decoders[o.name](encoders[k.name](x[k.input_name])), np.float64)
                     - y[o.output_name]) ** 2, axis=tuple(range(1, 1 + len(o.shape))))
            for o in outputs] for k in inputs]
    n = len(next(iter(x.values())))
    rows = np.arange(n)
    return {choice: np.array([np.mean(np.array([err[k][j] for k in range(len(inputs))])[list(choice), rows])
                              for j in range(len(outputs))])
            for choice in itertools.product(range(len(inputs)), repeat=n)}


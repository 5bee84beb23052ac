"""The DropFuse validation objective equals the expected training loss (Monte Carlo over
DropFuse's own draws), and differs from the average-latent loss Keras reports as val_loss."""
from __future__ import annotations

import numpy as np
import pytest

from fastio.spec import TensorSpec


@pytest.fixture(scope="module")
def unequal_pair():
    """A pair model whose two latents differ in scale, so decoding from one or the other
    (or from their average) gives clearly different losses."""
    import keras

    from zoo.models import Arch, build_model, encoders_of, parse_pairs

    keras.utils.set_random_seed(0)
    a, b = (TensorSpec(name=n, group="test", path_prefix="test", dataset=n, shape=(16, 16, 1)) for n in "ab")
    arch = Arch(conv_layers=(4,), conv_width=(5,), dense_blocks=(4, 4), dense_layers=(8,), block_size=2)
    model = build_model([a, b], [a, b], arch=arch, pairs=parse_pairs([("a", "b")], "contrastive", 0.5),
                        pair_merge="dropout", seed=3)
    # b's latent 30 times larger: decoding from a, from b or from their average differ
    last = next(layer for layer in reversed(encoders_of(model)["b"].layers) if getattr(layer, "kernel", None) is not None)
    last.set_weights([30.0 * w for w in last.get_weights()])
    rng = np.random.default_rng(0)
    x = {s.input_name: rng.standard_normal((8, 16, 16, 1)).astype("float32") for s in (a, b)}
    y = {s.output_name: x[s.input_name] for s in (a, b)}
    return model, [a, b], x, y


def _inference_loss(model, outputs, x, y):
    out = model(x, training=False)
    reconstruction = sum(np.mean((np.asarray(out[o.output_name], np.float64) - y[o.output_name]) ** 2)
                         for o in outputs)
    return reconstruction + sum(float(v) for v in model.losses)


def test_objective_is_the_expected_training_loss(unequal_pair):
    from zoo.models import encoders_of
    from zoo.models.objective import dropfuse_objective

    from .test_losses import infonce_reference

    model, specs, x, y = unequal_pair
    got = dropfuse_objective(model, specs, specs, x, y)
    # Monte Carlo over DropFuse's own training-mode draws: the batch tiled 100 times,
    # each copy of a sample drawing its modality independently
    reps, n = 100, len(x[specs[0].input_name])
    tile = lambda d: {k: np.tile(v, (reps, 1, 1, 1)) for k, v in d.items()}  # noqa: E731
    out = model(tile(x), training=True)
    per_sample = sum(np.mean((np.asarray(out[o.output_name], np.float64) - tile(y)[o.output_name]) ** 2,
                             axis=(1, 2, 3)) for o in specs)
    estimates = per_sample.reshape(reps, n).mean(axis=1)
    se = estimates.std(ddof=1) / np.sqrt(reps)
    reconstruction = got["dropfuse_loss"] - got["dropfuse_pair"]
    assert abs(estimates.mean() - reconstruction) < 4 * se
    np.testing.assert_allclose(reconstruction, (got["dropfuse_from_a"] + got["dropfuse_from_b"]) / 2, rtol=1e-12)
    assert got["dropfuse_from_b"] > 1.2 * got["dropfuse_from_a"]
    # the pair term: weight 0.5 × InfoNCE of the two encoders' latents (numpy reference)
    enc = encoders_of(model)
    latents = [np.asarray(enc[s.name](x[s.input_name]), np.float64) for s in specs]
    log_scale = float(model.get_layer("pair_contrastive_a_b").log_scale.numpy())
    np.testing.assert_allclose(got["dropfuse_pair"], 0.5 * infonce_reference(*latents, log_scale), rtol=1e-4)
    # Keras' val_loss (the average latent, inference mode) measures something else
    assert abs(_inference_loss(model, specs, x, y) - got["dropfuse_loss"]) > 8 * se


def test_callback_logs_the_batch_weighted_objective(unequal_pair):
    from zoo.models.objective import MONITOR, DropFuseValidation, dropfuse_objective, uses_dropfuse

    model, specs, x, y = unequal_pair
    # two batches of 5 and 3 samples, as a Loader without drop_remainder would give
    batches = [({k: v[:5] for k, v in x.items()}, {k: v[:5] for k, v in y.items()}),
               ({k: v[5:] for k, v in x.items()}, {k: v[5:] for k, v in y.items()})]
    callback = DropFuseValidation(batches, 2, specs, specs)
    callback.set_model(model)
    logs = {"val_loss": 1.0}
    callback.on_epoch_end(0, logs)
    first, second = (dropfuse_objective(model, specs, specs, bx, by)["dropfuse_loss"] for bx, by in batches)
    np.testing.assert_allclose(logs[MONITOR], (5 * first + 3 * second) / 8, rtol=1e-9)
    assert {"val_loss", "val_dropfuse_pair", "val_dropfuse_from_a", "val_dropfuse_from_b"} <= set(logs)
    assert uses_dropfuse(model)
    with pytest.raises(ValueError, match="steps"):
        DropFuseValidation(batches, 3, specs, specs)

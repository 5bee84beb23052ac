"""Shared harness for model families: tiny shapes so every family trains in seconds."""
from __future__ import annotations

import numpy as np
import pytest

from fastio.spec import TensorSpec

TINY = dict(conv_layers=(4,), conv_width=(5,), dense_blocks=(4, 4), dense_layers=(8,), block_size=2)


def tiny_spec(name: str, shape) -> TensorSpec:
    return TensorSpec(name=name, group="test", path_prefix="test", dataset=name, shape=shape)


def _ae(shape):
    def build():
        from zoo.models import Arch, build_model

        spec = tiny_spec("t", shape)
        return build_model([spec], [spec], arch=Arch(**TINY), name="ae"), [spec], [spec]

    return build


def _pair(merge, loss="contrastive"):
    def build():
        from zoo.models import Arch, build_model, parse_pairs

        a, b = tiny_spec("a", (16, 16, 1)), tiny_spec("b", (16, 16, 1))
        pairs = parse_pairs([("g.a", "g.b")], loss, 0.5)
        model = build_model([a, b], [a, b], arch=Arch(**TINY), pairs=pairs, pair_merge=merge, seed=3, name="pair")
        return model, [a, b], [a, b]

    return build


# family -> builder returning (model, input specs, output specs). The average and concat
# merges and the euclid loss are checked by value in their own tests; building every
# combination here would only repeat seconds of graph construction.
FAMILIES = {
    "ae_1d": _ae((32, 3)),
    "ae_2d": _ae((16, 16, 1)),
    "ae_cine": _ae((16, 16, 6)),
    "ae_3d": _ae((8, 8, 4, 1)),
    "pair_dropout_contrastive": _pair("dropout"),
    "pair_kronecker_cosine": _pair("kronecker", "cosine"),
}


def make_batch(inputs, outputs, n=4, seed=0):
    rng = np.random.default_rng(seed)
    x = {s.input_name: rng.standard_normal((n, *s.shape)).astype("float32") for s in inputs}
    by_name = {s.name: x[s.input_name] for s in inputs}
    y = {s.output_name: by_name.get(s.name, rng.standard_normal((n, *s.shape)).astype("float32")) for s in outputs}
    return x, y


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def family(request):
    import keras

    keras.utils.set_random_seed(0)
    model, inputs, outputs = FAMILIES[request.param]()
    return request.param, model, inputs, outputs


@pytest.fixture
def batch():
    """``batch(inputs, outputs, n=4, seed=0) -> (x, y)`` keyed like the Loader's batches."""
    return make_batch


@pytest.fixture
def spec():
    """``spec(name, shape) -> TensorSpec`` for tests."""
    return tiny_spec

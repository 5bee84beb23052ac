"""``MethodTests``: the contract every registration method keeps, run through the store
pipeline (``register_store``) exactly as ``zoo register`` runs it. Each method subclasses it
in ``test_methods.py`` (as zarr-python subclasses ``StoreTests`` per store) and supplies
its data and its known answers through the hooks below.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fastio import open_store
from fastio.spec import TensorSpec
from zoo.registration.methods import METHODS
from zoo.registration.pipeline import register_store

from .regsynth import write_store


def tensor_spec(shape, name="x") -> TensorSpec:
    return TensorSpec(name=name, group="test", path_prefix="p", dataset=name, shape=tuple(shape))


class MethodTests:
    """Hooks: ``method``; ``options`` (small and fast); ``aligned()`` and
    ``misaligned()`` return ``(values, truth)``; ``check_identity`` and ``check_known``
    compare the output with what is known; ``broken(values)`` spoils one sample so the
    method cannot register it (default: NaN values)."""

    method: str = ""
    options: dict = {}
    # rows of the tests' stores are written in blocks of this many (several blocks per run)
    shard_size = 4

    # --- hooks --------------------------------------------------------------------------
    def aligned(self, tmp_path):
        raise NotImplementedError

    def misaligned(self, tmp_path):
        raise NotImplementedError

    def check_identity(self, values, out, extras, truth):
        np.testing.assert_allclose(out, values, atol=1e-5)

    def check_known(self, values, out, extras, truth):
        raise NotImplementedError

    def broken(self, values):
        spoiled = values.copy()
        spoiled[1] = np.nan
        return spoiled

    def run_options(self, truth) -> dict:
        """Options for one run (a test may point ``template`` at a file it wrote)."""
        return dict(self.options)

    # --- helpers ------------------------------------------------------------------------
    def register(self, tmp_path, values, options, name="s", seed=0):
        path = write_store(tmp_path / f"{name}.zarr", {"x": (tensor_spec(values.shape[1:]), values.astype(np.float32),
                                                             np.ones(len(values), bool))},
                           shard_size=self.shard_size)
        summary = register_store(path, self.method, "x", out_tensor="y", progress=False, plot=False, seed=seed,
                                 **options)
        store = open_store(path)
        extras = {e: np.asarray(store[e][:]) for e in summary["extras"]}
        return summary, store, np.asarray(store["y"][:]), extras

    # --- the contract -------------------------------------------------------------------
    def test_registered(self):
        assert METHODS[self.method].name == self.method

    def test_identity_on_aligned_input(self, tmp_path):
        values, truth = self.aligned(tmp_path)
        options = self.run_options(truth)
        summary, store, out, extras = self.register(tmp_path, values, options)
        assert summary["failures"] == [] and store.present("y").all()
        # provenance: every option the run used, defaults included, as the method reads them back
        method = METHODS[self.method]
        assert method.parse(summary["options"]) == method.parse(options)
        assert store["y"].attrs["registration"]["options"] == summary["options"]
        self.check_identity(values, out, extras, truth)

    def test_known_answer(self, tmp_path):
        values, truth = self.misaligned(tmp_path)
        summary, store, out, extras = self.register(tmp_path, values, self.run_options(truth))
        assert summary["n_registered"] == len(values)
        self.check_known(values, out, extras, truth)

    def test_failure_is_recorded_not_raised(self, tmp_path):
        values, truth = self.misaligned(tmp_path)
        summary, store, out, extras = self.register(tmp_path, self.broken(values), self.run_options(truth))
        present = store.present("y")
        assert not present[1] and present[[0, 2]].all(), present
        assert [f["sample_id"] for f in summary["failures"]] == [store.sample_ids[1]]
        assert self.method in summary["failures"][0]["reason"]
        failures = store.failures
        assert failures[failures.tensor == "y"].sample_id.tolist() == [store.sample_ids[1]]
        assert np.all(out[1] == 0) and np.isfinite(out).all()

    def test_deterministic(self, tmp_path):
        values, truth = self.misaligned(tmp_path)
        first = self.register(tmp_path, values, self.run_options(truth), name="a", seed=3)
        second = self.register(tmp_path, values, self.run_options(truth), name="b", seed=3)
        np.testing.assert_array_equal(first[2], second[2])
        for key in first[3]:
            np.testing.assert_array_equal(first[3][key], second[3][key])
        assert first[0]["config"] == second[0]["config"]

    def test_options_round_trip_and_unknown_option(self, tmp_path):
        method = METHODS[self.method]
        options = method.parse(self.options)
        assert type(options).from_dict(options.to_dict()) == options
        assert method.parse(options.to_dict()) == options
        with pytest.raises(ValueError, match="no_such_option"):
            method.parse({**self.options, "no_such_option": 1})
        values, truth = self.aligned(tmp_path)
        with pytest.raises(ValueError, match="no_such_option"):
            self.register(tmp_path, values, {**self.options, "no_such_option": 1})
        for f in dataclasses.fields(method.options):
            if f.metadata.get("choices"):
                with pytest.raises(ValueError, match=f.name):
                    method.parse({**self.options, f.name: "not-a-choice"})

    def test_refuses_a_tensor_it_does_not_apply_to(self, tmp_path):
        applies = METHODS[self.method].applies_to
        wrong = (4,) * (1 if applies.rank is None else applies.rank + 1)
        values = np.ones((3, *wrong), np.float32)
        if applies.rank is None:  # it applies to any tensor: one of yet another rank goes through
            assert self.register(tmp_path, values, self.options)[0]["n_registered"] == 3
            return
        with pytest.raises(ValueError, match=r"expects .*got shape"):
            self.register(tmp_path, values, self.options)

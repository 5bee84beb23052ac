"""``none``: the tensor as it is — the unregistered baseline every comparison needs, as a
method so pipelines (and presets) can treat it like the others."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zoo.registration.method import ANY, Method, Options

__all__ = ["METHOD", "NoOptions", "IdentityStep"]


@dataclass(frozen=True)
class NoOptions(Options):
    """``none`` takes no options."""


class IdentityStep:
    method = "none"

    def describe(self) -> dict:
        return {}

    def out_spec(self, spec, out):
        return spec.replace(name=out, description=f"{spec.name} (unregistered copy)")

    def extra_specs(self, spec, out):
        return []

    def fit(self, store, tensor, spec, work, sample, progress) -> None:
        """Nothing to fit."""

    def apply(self, values: np.ndarray):
        return np.asarray(values, np.float32), {}, [None] * len(values)


METHOD = Method(name="none", summary="no registration: the tensor as it is", learned=False, applies_to=ANY,
                options=NoOptions, build=lambda o, seed: IdentityStep())

"""``none``: the tensor as it is — the unregistered baseline every comparison needs, as a
method so pipelines (and presets) can treat it like the others."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zoo.registration.method import ANY, Method, Options

if TYPE_CHECKING:  # annotations only; numpy itself loads where a step runs
    import numpy as np

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
        import numpy as np  # here: the method registry imports this module (see methods/__init__)

        return np.asarray(values, np.float32), {}, [None] * len(values)


METHOD = Method(name="none", summary="no registration: the tensor as it is", learned=False, applies_to=ANY,
                options=NoOptions, build=lambda o, seed: IdentityStep())

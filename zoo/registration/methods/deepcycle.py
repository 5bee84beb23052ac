"""``deepcycle``: learned cardiac-phase alignment of cines (:mod:`zoo.registration.deepcycle`):
a phase encoder learns each frame's cycle position without labels; every cine is rolled
so that frame 0 sits at phase 0."""
from __future__ import annotations

from zoo.registration.learned_steps import LearnedOptions, LearnedStep
from zoo.registration.method import CINE, Method
from zoo.registration.steps import extra_spec

__all__ = ["METHOD", "DeepCycleStep"]


class DeepCycleStep(LearnedStep):
    method = "deepcycle"
    uses_template = False

    def describe(self) -> dict:
        return {**super().describe(), "network": "deepcycle phase encoder", "roll": "frame 0 at phase 0"}

    def out_spec(self, spec, out):
        CINE.check(spec, self.method)
        return spec.replace(name=out, description=f"{spec.name} rolled to a common cardiac phase (DeepCycle)")

    def extra_specs(self, spec, out):
        return [extra_spec(spec, f"{out}_phase", (2,), "[phase of frame 0 (radians), frames rolled]")]

    def _build(self, spec):
        from zoo.registration.deepcycle import DeepCycle  # numpy: loaded when a step is built

        return DeepCycle(spec.shape, seed=self.seed)

    def _train(self, images):
        o = self.options
        return self.net.fit(images, epochs=o.epochs, batch_size=o.batch_size, steps=o.steps)

    def apply(self, values):
        import numpy as np

        rolled, phases, shifts = self.net.register(values)
        extra = np.stack([phases, shifts], axis=1).astype(np.float32)
        return rolled, {"phase": extra}, [None] * len(values)


METHOD = Method(name="deepcycle", summary="learned cardiac-phase alignment of cines (DeepCycle)",
                learned=True, applies_to=CINE, options=LearnedOptions, build=DeepCycleStep)

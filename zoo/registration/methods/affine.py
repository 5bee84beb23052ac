"""``affine``: a learned global aligner (:mod:`zoo.registration.affine_net`) — a CNN
predicts each image's affine or homography pull matrix to a template, trained without
labels on the store's own images."""
from __future__ import annotations

from dataclasses import dataclass

from zoo.registration.learned_steps import LearnedStep, TemplateLearnedOptions
from zoo.registration.method import IMAGE, Method, option
from zoo.registration.steps import extra_spec

__all__ = ["METHOD", "AffineOptions", "AffineNetStep"]


@dataclass(frozen=True)
class AffineOptions(TemplateLearnedOptions):
    transform: str = option("affine", "transform the alignment fits", choices=("affine", "homography"))


class AffineNetStep(LearnedStep):
    method = "affine"

    def describe(self) -> dict:
        return {**super().describe(), "transform": self.options.transform, "network": "affine_net"}

    def out_spec(self, spec, out):
        IMAGE.check(spec, self.method)
        return spec.replace(name=out, description=f"{spec.name} registered (learned {self.options.transform})")

    def extra_specs(self, spec, out):
        return [extra_spec(spec, f"{out}_transform", (3, 3), "3x3 pull matrix, axis order (row, col)")]

    def _build(self, spec):
        from zoo.registration.affine_net import AffineNet  # numpy: loaded when a step is built

        return AffineNet(spec.shape, self.options.transform, template=self.template, seed=self.seed)

    def _train(self, images):
        o = self.options
        return self.net.fit(images, epochs=o.epochs, batch_size=o.batch_size, steps=o.steps)

    def apply(self, values):
        warped, matrices = self.net.register(values)
        return warped, {"transform": matrices.astype("float32")}, [None] * len(values)


METHOD = Method(name="affine", summary="learned affine/homography aligner to a template (AffineNet)",
                learned=True, applies_to=IMAGE, options=AffineOptions, build=AffineNetStep)

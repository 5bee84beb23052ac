"""``voxelmorph``: learned deformable registration to a template
(:mod:`zoo.registration.voxelmorph`): a U-Net predicts a stationary velocity field,
integrated by scaling and squaring into a diffeomorphic displacement."""
from __future__ import annotations

from dataclasses import dataclass

from zoo.registration.learned_steps import LearnedStep, TemplateLearnedOptions
from zoo.registration.method import IMAGE, Method, option
from zoo.registration.steps import extra_spec

__all__ = ["METHOD", "VoxelMorphOptions", "VoxelMorphStep"]


@dataclass(frozen=True)
class VoxelMorphOptions(TemplateLearnedOptions):
    loss: str = option("mse", "image similarity", choices=("mse", "ncc"))
    smooth: float = option(0.01, "weight of the smoothness loss", minimum=0.0)
    int_steps: int = option(7, "scaling-and-squaring steps", minimum=0)
    width: int | None = option(None, "network width (default 32 filters)", minimum=2)


class VoxelMorphStep(LearnedStep):
    method = "voxelmorph"

    def describe(self) -> dict:
        o = self.options
        return {**super().describe(), "loss": o.loss, "smooth": o.smooth, "int_steps": o.int_steps, "width": o.width}

    def _filters(self) -> dict:
        # width w: encoder (w/2, w, w, w), decoder (w, w, w, w), final w/2 — the default
        # network is w = 32; a smaller w keeps a shipped network small (presets)
        if self.options.width is None:
            return {}
        w, half = self.options.width, max(1, self.options.width // 2)
        return {"enc_filters": (half, w, w, w), "dec_filters": (w, w, w, w), "final_filters": (half,)}

    def out_spec(self, spec, out):
        IMAGE.check(spec, self.method)
        return spec.replace(name=out, description=f"{spec.name} registered (VoxelMorph)")

    def extra_specs(self, spec, out):
        return [extra_spec(spec, f"{out}_flow", (*spec.shape[:2], 2),
                           "displacement (rows, cols) in pixels: output p samples the source at p + u(p)")]

    def _build(self, spec):
        from zoo.registration.voxelmorph import VoxelMorph  # numpy: loaded when a step is built

        o = self.options
        return VoxelMorph(spec.shape, loss=o.loss, smooth=o.smooth, int_steps=o.int_steps, seed=self.seed,
                          **self._filters())

    def _train(self, images):
        o = self.options
        return self.net.fit(images, self.template, epochs=o.epochs, batch_size=o.batch_size, steps=o.steps)

    def apply(self, values):
        moved, flow = self.net.register(values, self.template)
        return moved, {"flow": flow}, [None] * len(values)


METHOD = Method(name="voxelmorph", summary="learned deformable registration to a template (VoxelMorph)",
                learned=True, applies_to=IMAGE, options=VoxelMorphOptions, build=VoxelMorphStep)

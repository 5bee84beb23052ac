"""``template``: ECC alignment (OpenCV) of every image to a template — given, or built as
the iterated mean of the data (:mod:`zoo.registration.template`)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zoo.registration.method import IMAGE, TRANSFORMS, Method, Options, option
from zoo.registration.steps import TEMPLATE_HELP, extra_spec, load_template, save_npy

if TYPE_CHECKING:  # annotations only; numpy itself loads where a step runs
    import numpy as np

__all__ = ["METHOD", "EccOptions", "TemplateOptions", "TemplateStep"]


@dataclass(frozen=True)
class EccOptions(Options):
    template: str | None = option(None, TEMPLATE_HELP)
    iterations: int = option(3, "template-building iterations", minimum=1)
    threads: int = option(2, "worker threads for ECC alignment", minimum=1)
    max_fit: int = option(256, "samples used to build the template or train the network", minimum=1)


@dataclass(frozen=True)
class TemplateOptions(EccOptions):
    transform: str = option("affine", "transform the alignment fits", choices=TRANSFORMS)


class TemplateStep:
    """ECC alignment to a template; the template is built (or resized) once and saved."""

    def __init__(self, method: str, transform: str, options: EccOptions):
        self.method, self.transform, self.options = method, transform, options
        self.template_arg = options.template
        self.template: np.ndarray | None = None

    def describe(self) -> dict:
        return {"transform": self.transform, "template": self.template_arg, "iterations": self.options.iterations}

    def out_spec(self, spec, out):
        IMAGE.check(spec, self.method)
        return spec.replace(name=out, description=f"{spec.name} registered ({self.method}, {self.transform})")

    def extra_specs(self, spec, out):
        return [extra_spec(spec, f"{out}_transform", (3, 3),
                           "3x3 pull matrix, axis order (row, col): output pixel p samples the source at M p")]

    def fit(self, store, tensor, spec, work: Path, sample, progress: bool) -> None:
        # numpy and the alignment modules load when a step runs: the method registry
        # imports this module, and listing the methods (`zoo register --help`) needs none
        import numpy as np

        from zoo.registration.template import build_template, fit_template_shape

        path = work / "template.npy"
        if path.is_file():
            self.template = np.load(path)
            return
        given = load_template(self.template_arg, store, spec)
        if given is None:
            images = sample(self.options.max_fit)
            if not len(images):
                raise ValueError(f"{store.path}: tensor {tensor} has no present samples to build a template from")
            given, _, _, _ = build_template(images, self.transform, self.options.iterations,
                                            threads=self.options.threads, progress=progress)
        self.template = fit_template_shape(given, spec.shape[:2])
        save_npy(path, self.template)

    def apply(self, values: np.ndarray):
        import numpy as np

        from zoo.registration.alignment import align_batch

        warped, matrices, scores = align_batch(values, self.template, self.transform, threads=self.options.threads)
        reasons = [None if np.isfinite(s) else f"{self.method}: ECC did not converge" for s in scores]
        return warped, {"transform": matrices.astype(np.float32)}, reasons


METHOD = Method(
    name="template", summary="ECC alignment to a given or data-built template (OpenCV)", learned=False,
    applies_to=IMAGE, options=TemplateOptions,
    build=lambda o, seed: TemplateStep("template", o.transform, o),
)

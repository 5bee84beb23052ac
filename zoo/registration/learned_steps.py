"""What the learned methods share (affine, voxelmorph, deepcycle in
:mod:`zoo.registration.methods`): the training options and the fit that trains once on
up to ``max_fit`` present samples of the store, saves the weights (and template) in the
work folder, and reloads them on a rerun — so a resumed registration applies the very
same model to the remaining blocks.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fastio.safefs import atomic_output
from zoo.registration.method import Options, option
from zoo.registration.steps import TEMPLATE_HELP, load_template, save_json, save_npy

if TYPE_CHECKING:  # annotations only; numpy itself loads where a step runs
    import numpy as np

__all__ = ["LearnedOptions", "TemplateLearnedOptions", "LearnedStep"]


@dataclass(frozen=True)
class LearnedOptions(Options):
    epochs: int = option(20, "training epochs", minimum=1)
    steps: int | None = option(None, "training steps per epoch (default: one pass over the samples)",
                               minimum=1)
    batch_size: int = option(8, "training batch size", minimum=1)
    max_fit: int = option(512, "samples used to build the template or train the network", minimum=1)


@dataclass(frozen=True)
class TemplateLearnedOptions(LearnedOptions):
    template: str | None = option(None, TEMPLATE_HELP)


class LearnedStep:
    """Subclasses set ``method`` and ``uses_template`` and define ``_build(spec)``,
    ``_train(images)``, ``out_spec``, ``extra_specs`` and ``apply``."""

    method = ""
    uses_template = True

    def __init__(self, options: LearnedOptions, seed: int = 0):
        self.options, self.seed = options, int(seed)
        self.template_arg = getattr(options, "template", None)
        self.template: np.ndarray | None = None
        self.net = None
        self.history: list[float] = []

    def describe(self) -> dict:
        o = self.options
        return {"template": self.template_arg, "epochs": o.epochs, "steps": o.steps,
                "batch_size": o.batch_size, "max_fit": o.max_fit, "loss_history": self.history}

    def _template(self, store, spec, images, work: Path) -> np.ndarray:
        # numpy and the modules that use it load here, not at import: the method registry
        # imports this module, and listing the methods (`zoo register --help`) needs none
        import numpy as np

        from zoo.registration.affine_net import zscore
        from zoo.registration.template import fit_template_shape

        path = work / "template.npy"
        if path.is_file():
            return np.load(path)
        given = load_template(self.template_arg, store, spec)
        if given is None:
            t = zscore(images).mean(axis=0)
        elif given.shape == tuple(spec.shape):
            t = given
        else:
            # A template of another size or channel count: its (channel-mean) image, resized.
            t = fit_template_shape(given, spec.shape[:2])[..., None]
        t = np.broadcast_to(t, spec.shape).astype(np.float32)
        save_npy(path, t)
        return t

    def _build(self, spec):
        raise NotImplementedError

    def _train(self, images):
        raise NotImplementedError

    def fit(self, store, tensor, spec, work: Path, sample, progress: bool) -> None:
        weights = work / "model.weights.h5"
        need_data = not weights.is_file() or (self.uses_template and not (work / "template.npy").is_file())
        images = sample(self.options.max_fit) if need_data else None
        if need_data and not len(images):
            raise ValueError(f"{store.path}: tensor {tensor} has no present samples to train {self.method} on")
        self.template = self._template(store, spec, images, work) if self.uses_template else None
        self.net = self._build(spec)
        if weights.is_file():
            self.net.load_weights(weights)
            return
        self.history = self._train(images)
        with atomic_output(weights, suffix=".weights.h5") as tmp:  # Keras insists on the suffix
            self.net.save_weights(tmp)
        save_json(work / "training.json", {"loss": self.history})

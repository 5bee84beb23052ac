"""Pipeline adapters of the learned methods (see :mod:`zoo.registration.steps`).

Each trains once on up to ``max_fit`` present samples of the store, saves its weights (and
template) in the work folder, and reloads them on a rerun, so a resumed registration
applies the very same model to the remaining blocks.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fastio.safefs import atomic_output
from zoo.registration.steps import _check_image_spec, _extra_spec, load_template, save_json, save_npy

__all__ = ["AffineNetStep", "VoxelMorphStep", "DeepCycleStep", "make"]


def _mean_template(images: np.ndarray) -> np.ndarray:
    from zoo.registration.affine_net import zscore

    return zscore(images).mean(axis=0)


class _Learned:
    method = ""

    def __init__(self, template=None, epochs: int = 20, steps: int | None = None, batch_size: int = 8,
                 max_fit: int = 512, seed: int = 0):
        self.template_arg, self.epochs, self.steps = template, int(epochs), steps
        self.batch_size, self.max_fit, self.seed = int(batch_size), int(max_fit), int(seed)
        self.template: np.ndarray | None = None
        self.net = None
        self.history: list[float] = []

    def describe(self) -> dict:
        return {"template": self.template_arg, "epochs": self.epochs, "steps": self.steps,
                "batch_size": self.batch_size, "max_fit": self.max_fit, "loss_history": self.history}

    def _template(self, store, spec, images, work: Path) -> np.ndarray:
        from zoo.registration.template import fit_template_shape

        path = work / "template.npy"
        if path.is_file():
            return np.load(path)
        given = load_template(self.template_arg, store, spec)
        if given is None:
            t = _mean_template(images)
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
        images = sample(self.max_fit) if need_data else None
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

    uses_template = True


class AffineNetStep(_Learned):
    method = "affine"

    def __init__(self, transform: str = "affine", **kwargs):
        super().__init__(**kwargs)
        if transform not in ("affine", "homography"):
            raise ValueError(f"Expected --transform affine or homography for the learned aligner, got {transform!r}")
        self.transform = transform

    def describe(self) -> dict:
        return {**super().describe(), "transform": self.transform, "network": "affine_net"}

    def out_spec(self, spec, out):
        _check_image_spec(spec, self.method)
        return spec.replace(name=out, description=f"{spec.name} registered (learned {self.transform})")

    def extra_specs(self, spec, out):
        return [_extra_spec(spec, f"{out}_transform", (3, 3), "3x3 pull matrix, axis order (row, col)")]

    def _build(self, spec):
        from zoo.registration.affine_net import AffineNet

        return AffineNet(spec.shape, self.transform, template=self.template, seed=self.seed)

    def _train(self, images):
        return self.net.fit(images, epochs=self.epochs, batch_size=self.batch_size, steps=self.steps)

    def apply(self, values):
        warped, matrices = self.net.register(values)
        return warped, {"transform": matrices.astype(np.float32)}, [None] * len(values)


class VoxelMorphStep(_Learned):
    method = "voxelmorph"

    def __init__(self, loss: str = "mse", smooth: float = 0.01, int_steps: int = 7, width: int | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.loss, self.smooth, self.int_steps = loss, float(smooth), int(int_steps)
        if width is not None and int(width) < 2:
            raise ValueError(f"Expected a VoxelMorph width of at least 2 filters, got {width!r}")
        self.width = None if width is None else int(width)

    def describe(self) -> dict:
        return {**super().describe(), "loss": self.loss, "smooth": self.smooth, "int_steps": self.int_steps,
                "width": self.width}

    def _filters(self) -> dict:
        # width w: encoder (w/2, w, w, w), decoder (w, w, w, w), final w/2 — the default
        # network is w = 32; a smaller w keeps a shipped network small (presets)
        if self.width is None:
            return {}
        w, half = self.width, max(1, self.width // 2)
        return {"enc_filters": (half, w, w, w), "dec_filters": (w, w, w, w), "final_filters": (half,)}

    def out_spec(self, spec, out):
        _check_image_spec(spec, self.method)
        return spec.replace(name=out, description=f"{spec.name} registered (VoxelMorph)")

    def extra_specs(self, spec, out):
        return [_extra_spec(spec, f"{out}_flow", (*spec.shape[:2], 2),
                            "displacement (rows, cols) in pixels: output p samples the source at p + u(p)")]

    def _build(self, spec):
        from zoo.registration.voxelmorph import VoxelMorph

        return VoxelMorph(spec.shape, loss=self.loss, smooth=self.smooth, int_steps=self.int_steps, seed=self.seed,
                          **self._filters())

    def _train(self, images):
        return self.net.fit(images, self.template, epochs=self.epochs, batch_size=self.batch_size, steps=self.steps)

    def apply(self, values):
        moved, flow = self.net.register(values, self.template)
        return moved, {"flow": flow}, [None] * len(values)


class DeepCycleStep(_Learned):
    method = "deepcycle"
    uses_template = False

    def describe(self) -> dict:
        return {**super().describe(), "network": "deepcycle phase encoder", "roll": "frame 0 at phase 0"}

    def out_spec(self, spec, out):
        if len(spec.shape) != 3 or spec.shape[-1] < 3:
            raise ValueError(f"Tensor {spec.name}: deepcycle expects a cine (H, W, T frames), got shape {spec.shape}")
        return spec.replace(name=out, description=f"{spec.name} rolled to a common cardiac phase (DeepCycle)")

    def extra_specs(self, spec, out):
        return [_extra_spec(spec, f"{out}_phase", (2,), "[phase of frame 0 (radians), frames rolled]")]

    def _build(self, spec):
        from zoo.registration.deepcycle import DeepCycle

        return DeepCycle(spec.shape, seed=self.seed)

    def _train(self, images):
        return self.net.fit(images, epochs=self.epochs, batch_size=self.batch_size, steps=self.steps)

    def apply(self, values):
        rolled, phases, shifts = self.net.register(values)
        extra = np.stack([phases, shifts], axis=1).astype(np.float32)
        return rolled, {"phase": extra}, [None] * len(values)


def make(method: str, options: dict):
    common = {k: options[k] for k in ("template", "epochs", "steps", "batch_size", "max_fit", "seed") if k in options}
    if method == "affine":
        return AffineNetStep(transform=options.get("transform") or "affine", **common)
    if method == "voxelmorph":
        return VoxelMorphStep(loss=options.get("loss", "mse"), smooth=options.get("smooth", 0.01),
                              int_steps=options.get("int_steps", 7), width=options.get("width"), **common)
    if method == "deepcycle":
        return DeepCycleStep(**common)
    raise ValueError(f"Expected a learned method (affine, voxelmorph, deepcycle), got {method!r}")

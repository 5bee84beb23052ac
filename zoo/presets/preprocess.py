"""What a preset does to a tensor before its encoder sees it: conform (pad/crop as ml4h
reads it), register with the preset's own method and shipped state, normalise.

The registration step is the very one ``zoo register`` ran when the training store was
built (the method's step from :data:`zoo.registration.methods.METHODS`), reloaded from the shipped state files
(template, network weights) instead of being fitted again — so a user's tensors land in
the same registered space as the training data.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from fastio.background import erase_background
from fastio.hdf5 import fit_shape
from fastio.normalize import nonfinite_samples, normalize_samples
from zoo.presets.record import Preset
from zoo.registration.methods import get_method

__all__ = ["Preprocessor", "conform", "step_options"]

# recorded parameters that describe the training run only, not the step: the template's
# origin (its fitted state ships with the preset), the threads it ran on, the seed (passed apart)
_RUN_ONLY = ("template", "threads", "seed")


def conform(values, spec, what: str = "input", erase: bool = True, check_finite: bool = True) -> np.ndarray:
    """Raw samples ``(N, *shape)`` as ml4h stores them → float32 ``(N, *spec.shape)``:
    the scanner background erased (``erase``; already done for tensors read through
    fastio) and each sample padded/cropped by the spec's rule, as
    :func:`fastio.read_tensor` does on read. A sample holding NaN/inf is an error
    (``check_finite=False`` leaves that to the caller's next pass)."""
    x = np.asarray(values)
    shape = tuple(spec.shape)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{what}: expected numeric samples for tensor {spec.name}, got dtype {x.dtype}")
    if x.ndim == len(shape) and shape[-1] == 1:
        x = x[..., np.newaxis]  # ml4h allows a missing trailing channel axis
    if x.ndim != len(shape) + 1:
        raise ValueError(f"{what}: expected samples of tensor {spec.name} shaped (N, {', '.join(map(str, shape))}), "
                         f"got {x.shape}")
    erase = erase and spec.background is not None
    if x.shape[1:] == shape and not erase:
        out = x.astype(np.float32, copy=False)
    else:
        out = np.empty((len(x), *shape), np.float32)
        for i, sample in enumerate(x):
            if erase:
                sample = erase_background(sample, spec.background, spec.background_min_pixels)
            try:
                out[i] = fit_shape(sample, shape, spec.resize)
            except ValueError as exc:
                raise ValueError(f"{what}: sample {i} of tensor {spec.name}: {exc}") from None
    out = np.ascontiguousarray(out)
    bad = nonfinite_samples(out) if check_finite else ()
    if len(bad):
        raise ValueError(f"{what}: samples {bad[:10].tolist()} of tensor {spec.name} contain "
                         "NaN/inf; expected finite values")
    return out


def step_options(preset: Preset) -> dict:
    """The preset's registration parameters that its method's options take."""
    params = preset.registration.get("params", {})
    names = get_method(preset.method).options.names()
    return {k: params[k] for k in names if k not in _RUN_ONLY and params.get(k) is not None}


class Preprocessor:
    """Registration + normalisation of one preset, its state loaded once."""

    def __init__(self, preset: Preset, paths: dict[str, Path]):
        self.preset = preset
        self.step = None
        if preset.method != "none":
            self.step = self._load_step(preset, paths)

    @staticmethod
    def _load_step(preset: Preset, paths: dict[str, Path]):
        step = get_method(preset.method).step(step_options(preset),
                                              seed=preset.registration.get("params", {}).get("seed", 0))
        state = [f for f in preset.files if f.role == "registration"]
        # The step reloads its fitted state from a work folder (as a resumed `zoo register`
        # does); give it one holding exactly the shipped, verified files.
        with tempfile.TemporaryDirectory(prefix="zoo-preset-") as work:
            for f in state:
                shutil.copyfile(paths[f.name], os.path.join(work, f.name))

            def no_data(_limit):
                raise ValueError(f"Preset {preset.ref}: registration state incomplete; shipped files are "
                                 f"{[f.name for f in state]}")

            step.fit(None, preset.source.name, preset.source, Path(work), no_data, False)
        return step

    def register(self, values: np.ndarray, ids=None) -> np.ndarray:
        """Conformed source samples → registered samples (the encoder's input shape)."""
        if self.step is None:
            return values
        registered, _extra, reasons = self.step.apply(values)
        failed = [(i, r) for i, r in enumerate(reasons) if r is not None]
        if failed:
            names = [ids[i] if ids is not None else f"sample {i}" for i, _ in failed]
            raise ValueError(f"Preset {self.preset.ref}: registration ({self.preset.method}) failed for "
                             f"{len(failed)} of {len(values)} samples: "
                             + "; ".join(f"{n}: {r}" for n, (_, r) in zip(names[:5], failed[:5])))
        registered = np.ascontiguousarray(registered, dtype=np.float32)
        if registered.shape[1:] != tuple(self.preset.input.shape):
            raise ValueError(f"Preset {self.preset.ref}: registration gave shape {registered.shape[1:]}, "
                             f"expected {tuple(self.preset.input.shape)}")
        return registered

    def normalize(self, registered: np.ndarray, what: str = "input") -> np.ndarray:
        """Registered samples → the encoder's input; NaN/inf is an error naming the samples."""
        return normalize_samples(registered, self.preset.input.normalization,
                                 what=f"{what}: tensor {self.preset.input.name}")

    def __call__(self, values, ids=None, what: str = "input", erase: bool = True) -> np.ndarray:
        # Registration needs finite input, so conform checks before it; without a
        # registration step the normalisation's own pass over each sample checks instead
        # (a separate pass over the batch was a visible share of a small encoder's time).
        x = conform(values, self.preset.source, what, erase, check_finite=self.step is not None)
        return self.normalize(self.register(x, ids), what)

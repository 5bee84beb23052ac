"""One adapter per registration method, so the store pipeline can treat them alike.

A step is fitted once (template built, network trained — or the saved state in the work
folder reloaded, which is what makes a resumed run produce the same result), then applied
block by block. ``apply`` returns the registered rows, the extra arrays (transforms, flows,
phases) and a failure reason per row (``None`` where the row succeeded).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fastio.catalogue import ECG_LEADS
from fastio.safefs import atomic_output, atomic_write_text
from fastio.spec import Normalization, TensorSpec

__all__ = ["TemplateStep", "MedianBeatStep", "make_step", "load_template", "save_json", "save_npy"]


def _extra_spec(spec: TensorSpec, name: str, shape, description: str) -> TensorSpec:
    # a plain array of the store (transforms, flows, phases): none of the source's reading
    # rules (label crop, scanner background, ml4h name) applies to it
    return spec.replace(name=name, shape=tuple(shape), dataset=name, normalization=Normalization("none"),
                        codec="zstd", resize="exact", description=description, crop_dataset=None,
                        crop_labels=(), background=None, ml4h_name="")


def load_template(template, store, spec: TensorSpec) -> np.ndarray | None:
    """``template`` is None (build from data), a ``.npy``/image file path, or the name of a
    store tensor whose mean over present samples is the template (e.g. an MNI-space tensor)."""
    if template is None:
        return None
    if template in store:
        arr, mask = store[template], store.present(template)
        total, count = None, 0
        for block in range(store.n_blocks()):
            a, b = store.block_range(block)
            rows = np.flatnonzero(mask[a:b])
            if rows.size:
                x = np.asarray(arr[a:b], dtype=np.float64)[rows]
                total = x.sum(0) if total is None else total + x.sum(0)
                count += rows.size
        if not count:
            raise ValueError(f"{store.path}: template tensor {template!r} has no present samples")
        return (total / count).astype(np.float32)
    path = Path(template)
    if not path.is_file():
        raise ValueError(
            f"Expected --template to be a tensor of {store.path} ({', '.join(store.tensors)}) or an "
            f"existing .npy/.png file, got {template!r}"
        )
    if path.suffix.lower() == ".npy":
        return np.load(path).astype(np.float32)
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ValueError(f"{path}: could not read the template image (expected .npy or an image file)")
    return img.astype(np.float32)


def _check_image_spec(spec: TensorSpec, method: str) -> None:
    if len(spec.shape) != 3:
        raise ValueError(
            f"Tensor {spec.name}: method {method!r} expects images (H, W, C), got shape {spec.shape}"
        )


class TemplateStep:
    """ECC alignment to a template (given, or built as the iterated mean of the data)."""

    def __init__(self, method: str, transform: str, template=None, iterations: int = 3,
                 threads: int = 2, max_fit: int = 256):
        self.method, self.transform = method, transform
        self.template_arg, self.iterations = template, iterations
        self.threads, self.max_fit = threads, max_fit
        self.template: np.ndarray | None = None

    def describe(self) -> dict:
        return {"transform": self.transform, "template": self.template_arg, "iterations": self.iterations}

    def out_spec(self, spec, out):
        _check_image_spec(spec, self.method)
        return spec.replace(name=out, description=f"{spec.name} registered ({self.method}, {self.transform})")

    def extra_specs(self, spec, out):
        return [_extra_spec(spec, f"{out}_transform", (3, 3),
                            "3x3 pull matrix, axis order (row, col): output pixel p samples the source at M p")]

    def fit(self, store, tensor, spec, work: Path, sample, progress: bool) -> None:
        from zoo.registration.template import build_template, fit_template_shape

        path = work / "template.npy"
        if path.is_file():
            self.template = np.load(path)
            return
        given = load_template(self.template_arg, store, spec)
        if given is None:
            images = sample(self.max_fit)
            if not len(images):
                raise ValueError(f"{store.path}: tensor {tensor} has no present samples to build a template from")
            given, _, _, _ = build_template(images, self.transform, self.iterations, threads=self.threads,
                                            progress=progress)
        self.template = fit_template_shape(given, spec.shape[:2])
        save_npy(path, self.template)

    def apply(self, values: np.ndarray):
        from zoo.registration.align import align_batch

        warped, matrices, scores = align_batch(values, self.template, self.transform, threads=self.threads)
        reasons = [None if np.isfinite(s) else f"{self.method}: ECC did not converge" for s in scores]
        return warped, {"transform": matrices.astype(np.float32)}, reasons


class MedianBeatStep:
    """Strip (samples, 12) -> median beat (round(1.2 fs), 12), R peak at one third."""

    method = "median_beat"

    def __init__(self, fs: float | None = None, out_len: int | None = None, strip_seconds: float = 10.0):
        self.fs, self.out_len, self.strip_seconds = fs, out_len, strip_seconds

    def _fs(self, spec) -> float:
        return float(self.fs) if self.fs else spec.shape[0] / self.strip_seconds

    def describe(self) -> dict:
        return {"fs": self.fs, "out_len": self.out_len, "strip_seconds": self.strip_seconds,
                "r_position": "index round(len/3) of the window"}

    def out_spec(self, spec, out):
        from zoo.registration.ecg import beat_window

        if len(spec.shape) != 2:
            raise ValueError(f"Tensor {spec.name}: median_beat expects a strip (samples, leads), got shape {spec.shape}")
        self.fs = self._fs(spec)
        length = self.out_len or beat_window(self.fs)[0]
        leads = spec.shape[1]
        dataset = tuple(f"median_{lead}" for lead in ECG_LEADS) if leads == len(ECG_LEADS) else out
        return spec.replace(name=out, shape=(length, leads), dataset=dataset,
                            description=f"median beat of {spec.name} (R peak at one third of the window)")

    def extra_specs(self, spec, out):
        return [_extra_spec(spec, f"{out}_heart_rate", (1,), "heart rate (bpm) from the median RR interval")]

    def fit(self, store, tensor, spec, work, sample, progress) -> None:
        self.fs = self._fs(spec)

    def apply(self, values: np.ndarray):
        from zoo.registration.ecg import beat_window, median_beat

        length = self.out_len or beat_window(self.fs)[0]
        out = np.zeros((len(values), length, values.shape[-1]), np.float32)
        rate = np.zeros((len(values), 1), np.float32)
        reasons = []
        for i, strip in enumerate(values):
            try:
                beat, info = median_beat(strip, self.fs, self.out_len, return_info=True)
            except ValueError as exc:
                reasons.append(f"median_beat: {exc}")
                continue
            out[i], rate[i, 0] = beat, info["heart_rate_bpm"]
            reasons.append(None)
        return out, {"heart_rate": rate}, reasons


def make_step(method: str, options: dict):
    """The step object for ``method`` with its options (unknown options are ignored)."""
    o = dict(options)
    if method == "template":
        return TemplateStep("template", o.get("transform") or "affine", o.get("template"),
                            o.get("iterations", 3), o.get("threads", 2), o.get("max_fit", 256))
    if method == "homography":
        return TemplateStep("homography", "homography", o.get("template"), o.get("iterations", 3),
                            o.get("threads", 2), o.get("max_fit", 256))
    if method == "median_beat":
        return MedianBeatStep(o.get("fs"), o.get("out_len"))
    if method in ("affine", "voxelmorph", "deepcycle"):
        from zoo.registration import learned_steps

        return learned_steps.make(method, o)
    raise ValueError(f"Expected a registration method, got {method!r}")


def save_json(path: Path, data) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True, default=str))


def save_npy(path: Path, array: np.ndarray) -> None:
    """Fitted state a rerun reloads: whole or absent, never a truncated ``.npy``."""
    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, array)

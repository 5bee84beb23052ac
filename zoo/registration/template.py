"""Template registration: align every image to a given template, or build the template
from the data as the iterated mean of aligned images.

Building a template: start from the median image (robust to a few badly posed ones), align
everything to it, average the aligned images, repeat. Each round the template is also
re-centred by the inverse of the mean transform, so the template settles in the cohort's
*average* pose instead of drifting towards whichever pose the first guess happened to have.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zoo.registration.alignment import TRANSFORMS, align_batch, warp_image

__all__ = ["TemplateResult", "register_to_template", "build_template", "fit_template_shape"]


@dataclass(frozen=True)
class TemplateResult:
    """The outcome of template registration (arrays are not part of ``to_dict``)."""

    transform: str
    iterations: int
    mean_score: float
    history: tuple[float, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "transform": self.transform,
            "iterations": self.iterations,
            "mean_score": self.mean_score,
            "history": list(self.history),
        }

    @classmethod
    def from_dict(cls, data) -> "TemplateResult":
        data = dict(data)
        data["history"] = tuple(data.get("history", ()))
        return cls(**data)


def _check_batch(images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim not in (3, 4) or images.shape[0] < 1:
        raise ValueError(f"Expected a batch of images (N, H, W[, C]), got shape {images.shape}")
    return images


def fit_template_shape(template, shape) -> np.ndarray:
    """Resize a template (H, W[, C]) to the images' (H, W) so ECC can compare them; the
    affine part of the registration absorbs the remaining scale difference."""
    import cv2

    template = np.asarray(template, dtype=np.float32)
    if template.ndim == 3 and template.shape[-1] == 1:
        template = template[..., 0]
    if template.ndim == 3:
        template = template.mean(axis=-1)
    if template.ndim != 2:
        raise ValueError(f"Expected a 2-D template (H, W) or (H, W, C), got shape {template.shape}")
    h, w = int(shape[0]), int(shape[1])
    if template.shape == (h, w):
        return template
    return cv2.resize(template, (w, h), interpolation=cv2.INTER_AREA if template.shape[0] > h else cv2.INTER_LINEAR)


def register_to_template(images, template, transform: str = "affine", *, threads: int = 2,
                         progress: bool = False):
    """Align each image of ``images`` (N, H, W[, C]) to ``template``.

    Returns ``(warped, matrices (N, 3, 3), scores (N,))`` (see :func:`align_batch`).
    """
    images = _check_batch(images)
    fixed = fit_template_shape(template, images.shape[1:3])
    return align_batch(images, fixed, transform, threads=threads, progress=progress)


def build_template(images, transform: str = "affine", iterations: int = 3, *, threads: int = 2,
                   progress: bool = False):
    """Build a template from the data: ``(template (H, W), warped, matrices, TemplateResult)``."""
    images = _check_batch(images)
    if transform not in TRANSFORMS:
        raise ValueError(f"Expected transform in {TRANSFORMS}, got {transform!r}")
    if int(iterations) < 1:
        raise ValueError(f"Expected at least one template iteration, got {iterations}")
    gray = images.mean(axis=-1) if images.ndim == 4 else images
    # Per-image z-scoring so a bright scan does not dominate the average.
    mu = gray.mean(axis=(1, 2), keepdims=True)
    sd = gray.std(axis=(1, 2), keepdims=True) + 1e-6
    gray = (gray - mu) / sd
    template = np.median(gray, axis=0)
    history = []
    warped = matrices = None
    for _ in range(int(iterations)):
        _, matrices, scores = align_batch(gray, template, transform, threads=threads, progress=progress)
        mean_matrix = matrices.mean(axis=0)
        aligned = np.stack([warp_image(g, m) for g, m in zip(gray, matrices)])
        template = warp_image(aligned.mean(axis=0), np.linalg.inv(mean_matrix))
        history.append(float(np.nanmean(scores)))
    warped, matrices, scores = register_to_template(images, template, transform, threads=threads, progress=progress)
    history.append(float(np.nanmean(scores)))
    result = TemplateResult(transform=transform, iterations=int(iterations), mean_score=history[-1],
                            history=tuple(history))
    return template.astype(np.float32), warped, matrices, result

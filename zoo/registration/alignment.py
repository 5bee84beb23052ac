"""Intensity-based alignment of one image to another: OpenCV's ECC on a Gaussian pyramid.

ECC (enhanced correlation coefficient) maximises the correlation between the fixed image
and the warped moving image, so it is invariant to a gain and offset of intensities; OpenCV
warps a validity mask with the image, so pixels that fall outside the moving image do not
count (robust to borders). We run it coarse-to-fine, start the coarsest level both from the
identity and from a centroid match (whichever correlates better wins — this catches shifts
larger than the coarse basin), and fall back to the last good estimate where a level fails
to converge.

Matrices follow :mod:`zoo.registration.spatial`: 3×3, axis order ``(row, col)``, pull
convention (output pixel ``p`` samples the moving image at ``M p``). :func:`to_opencv`
converts to OpenCV's ``(x, y)`` order for ``cv2.warpPerspective(..., WARP_INVERSE_MAP)``.
"""
from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from zoo.registration.method import TRANSFORMS

__all__ = ["TRANSFORMS", "align", "align_batch", "warp_image", "to_opencv", "from_opencv"]

# Swaps (row, col) <-> (x, y); it is its own inverse.
_SWAP = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def to_opencv(matrix: np.ndarray) -> np.ndarray:
    """Axis-order matrix -> OpenCV ``(x, y)`` matrix (both 3×3, same pull meaning)."""
    return _SWAP @ np.asarray(matrix, dtype=np.float64) @ _SWAP


def from_opencv(matrix: np.ndarray) -> np.ndarray:
    """OpenCV ``(x, y)`` matrix (2×3 or 3×3) -> axis-order 3×3 matrix."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape == (2, 3):
        m = np.vstack([m, [0.0, 0.0, 1.0]])
    return _SWAP @ m @ _SWAP


def _parse_transform(transform: str) -> str:
    if transform not in TRANSFORMS:
        raise ValueError(f"Expected transform in {TRANSFORMS}, got {transform!r}")
    return transform


def _as_image(x, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3:
        raise ValueError(f"Expected the {what} image as (H, W) or (H, W, C), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"Expected a finite {what} image, got NaN or infinite values")
    return x


def _summary(image: np.ndarray) -> np.ndarray:
    # ECC needs one channel; the channel mean keeps all of a multi-frame image's structure.
    return np.ascontiguousarray(image.mean(axis=-1, dtype=np.float32))


def _default_levels(shape) -> int:
    # Coarsest level at least ~16 px on its short side.
    return int(max(1, min(5, math.floor(math.log2(max(min(shape), 16) / 16)) + 1)))


def _centroid(img: np.ndarray) -> np.ndarray:
    w = np.clip(img - np.median(img), 0, None)
    total = w.sum()
    if total <= 0:
        return np.array([(img.shape[1] - 1) / 2, (img.shape[0] - 1) / 2])
    yy, xx = np.indices(img.shape)
    return np.array([(w * xx).sum() / total, (w * yy).sum() / total])


def _ecc(cv2, fixed, moving, motion, warp, iterations, eps):
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, iterations, eps)
    warp = warp.astype(np.float32).copy()
    size = 5 if min(fixed.shape) >= 24 else 3
    rho, warp = cv2.findTransformECC(fixed, moving, warp, motion, criteria, None, size)
    return float(rho), warp


def _estimate(fixed: np.ndarray, moving: np.ndarray, transform: str, levels: int, iterations: int, eps: float):
    """Return (3×3 OpenCV-order matrix, correlation) mapping fixed (x, y) to moving (x, y)."""
    import cv2

    motion = {
        "translation": cv2.MOTION_TRANSLATION,
        "rigid": cv2.MOTION_EUCLIDEAN,
        "affine": cv2.MOTION_AFFINE,
        "homography": cv2.MOTION_HOMOGRAPHY,
    }[transform]
    rows = 3 if transform == "homography" else 2
    pyr_f, pyr_m = [fixed], [moving]
    for _ in range(levels - 1):
        pyr_f.append(cv2.pyrDown(pyr_f[-1]))
        pyr_m.append(cv2.pyrDown(pyr_m[-1]))
    scale = np.diag([2.0, 2.0, 1.0])
    unscale = np.diag([0.5, 0.5, 1.0])

    coarse_f, coarse_m = pyr_f[-1], pyr_m[-1]
    starts = [np.eye(3)]
    shift = _centroid(coarse_m) - _centroid(coarse_f)
    if np.hypot(*shift) > 0.5:
        start = np.eye(3)
        start[:2, 2] = shift
        starts.append(start)
    best, best_rho = np.eye(3), -np.inf
    for start in starts:
        try:
            rho, warp = _ecc(cv2, coarse_f, coarse_m, motion, start[:rows], iterations, eps)
        except cv2.error:
            continue
        if rho > best_rho:
            best_rho, best = rho, np.vstack([warp, [0, 0, 1]]) if rows == 2 else warp.astype(np.float64)
    if not np.isfinite(best_rho):
        best = starts[-1]
    for level in range(levels - 2, -1, -1):
        guess = scale @ best @ unscale
        try:
            rho, warp = _ecc(cv2, pyr_f[level], pyr_m[level], motion, guess[:rows], iterations, eps)
        except cv2.error:
            best, best_rho = guess, -np.inf
            continue
        best_rho = rho
        best = np.vstack([warp, [0, 0, 1]]) if rows == 2 else warp.astype(np.float64)
    return best.astype(np.float64), best_rho


def warp_image(image, matrix, out_shape=None) -> np.ndarray:
    """Warp a (H, W[, C]) image by an axis-order pull matrix with bilinear interpolation and
    zeros outside (NumPy/OpenCV counterpart of :func:`zoo.registration.spatial.warp_affine`)."""
    import cv2

    image = np.asarray(image, dtype=np.float32)
    squeeze = image.ndim == 2
    img = image[..., None] if squeeze else image
    h, w = (img.shape[:2] if out_shape is None else tuple(out_shape)[:2])
    m = to_opencv(matrix)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    out = np.empty((h, w, img.shape[-1]), np.float32)
    # OpenCV warps at most 4 channels at a time.
    for c0 in range(0, img.shape[-1], 4):
        part = np.ascontiguousarray(img[..., c0 : c0 + 4])
        res = cv2.warpPerspective(part, m, (w, h), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        out[..., c0 : c0 + 4] = res.reshape(h, w, -1)
    return out[..., 0] if squeeze else out


def _align_one(moving, fixed, transform, levels, iterations, eps):
    moving_img = _as_image(moving, "moving")
    fixed_img = _as_image(fixed, "fixed")
    if moving_img.shape[:2] != fixed_img.shape[:2]:
        raise ValueError(
            f"Expected moving and fixed images of the same height and width, got {moving_img.shape[:2]} "
            f"and {fixed_img.shape[:2]}"
        )
    levels = _default_levels(fixed_img.shape[:2]) if levels is None else int(levels)
    if levels < 1:
        raise ValueError(f"Expected at least one pyramid level, got {levels}")
    cv_matrix, rho = _estimate(_summary(fixed_img), _summary(moving_img), transform, levels, iterations, eps)
    matrix = from_opencv(cv_matrix)
    warped = warp_image(moving_img, matrix)
    if np.asarray(moving).ndim == 2:
        warped = warped[..., 0]
    return warped, matrix, rho


def align(moving, fixed, transform: str = "affine", *, levels: int | None = None,
          iterations: int = 100, eps: float = 1e-6, return_score: bool = False):
    """Align ``moving`` to ``fixed``; returns ``(warped, matrix)`` (and the ECC correlation
    with ``return_score``). Images are (H, W) or (H, W, C) of the same height and width;
    ``matrix`` is 3×3 in axis order, pull convention (see module docstring)."""
    transform = _parse_transform(transform)
    warped, matrix, rho = _align_one(moving, fixed, transform, levels, iterations, eps)
    if not np.isfinite(rho):
        warnings.warn(f"align: ECC did not converge ({transform}); returning the best estimate", stacklevel=2)
    return (warped, matrix, rho) if return_score else (warped, matrix)


def align_batch(moving, fixed, transform: str = "affine", *, levels: int | None = None,
                iterations: int = 100, eps: float = 1e-6, threads: int = 2, progress: bool = False):
    """Align every image of ``moving`` (N, H, W[, C]) to ``fixed`` (one image, or N of them).

    Returns ``(warped (N, ...), matrices (N, 3, 3), scores (N,))``; a score is the final ECC
    correlation (NaN where no level converged). OpenCV releases the GIL, so threads scale.
    """
    transform = _parse_transform(transform)
    moving = np.asarray(moving, dtype=np.float32)
    fixed = np.asarray(fixed, dtype=np.float32)
    if moving.ndim not in (3, 4):
        raise ValueError(f"Expected a batch of moving images (N, H, W[, C]), got shape {moving.shape}")
    per_sample = fixed.ndim == moving.ndim
    if per_sample and fixed.shape[0] != moving.shape[0]:
        raise ValueError(f"Expected {moving.shape[0]} fixed images, got {fixed.shape[0]}")
    n = moving.shape[0]

    def one(i):
        return _align_one(moving[i], fixed[i] if per_sample else fixed, transform, levels, iterations, eps)

    warped = np.empty_like(moving)
    matrices = np.empty((n, 3, 3))
    scores = np.full(n, np.nan)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc=f"align ({transform})", unit="img")
    with ThreadPoolExecutor(max_workers=max(1, int(threads))) as pool:
        for i, (w, m, rho) in enumerate(pool.map(one, range(n))):
            warped[i], matrices[i] = w, m
            scores[i] = rho if np.isfinite(rho) else np.nan
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return warped, matrices, scores

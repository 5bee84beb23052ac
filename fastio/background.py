"""ml4h's DXA scanner-background rule: regions of one fixed value (252 in UK Biobank DXA
exports) that touch the image border are background, not anatomy; when that value covers
more than ``min_pixels`` pixels, ml4h sets those regions to 0. Conversion applies the same
rule (``TensorSpec.background``) so stored DXA tensors match what ml4h trains on."""
from __future__ import annotations

import numpy as np

__all__ = ["erase_background"]


def _erase_2d(img: np.ndarray, value: float, min_pixels: int) -> None:
    from scipy import ndimage

    mask = img == value
    if int(mask.sum()) <= min_pixels:
        return
    labels, n = ndimage.label(mask)  # 4-connectivity, like a flood fill from the border
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    touching = np.zeros(n + 1, dtype=bool)  # label -> touches the border (a lookup table)
    touching[border] = True
    touching[0] = False
    img[touching[labels]] = 0


def erase_background(x: np.ndarray, value: float, min_pixels: int = 20_000) -> np.ndarray:
    """Zero the border-touching regions equal to ``value`` of each 2-D image in ``x``
    ((H, W) or (H, W, C), channel by channel) when the value covers more than
    ``min_pixels`` pixels of that image. Returns a new array."""
    x = np.array(x, copy=True)
    if x.ndim == 2:
        _erase_2d(x, value, min_pixels)
    elif x.ndim == 3:
        for c in range(x.shape[-1]):
            plane = x[..., c].copy()
            _erase_2d(plane, value, min_pixels)
            x[..., c] = plane
    else:
        raise ValueError(f"Expected a 2-D image or (H, W, C) images for background erasing, got shape {x.shape}")
    return x

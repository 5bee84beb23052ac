"""The real anatomy behind the brain phantom: axial slice 80 of the MNI152 (ICBM 2009a,
symmetric, nonlinear) T1, grey- and white-matter templates that nilearn's wheel ships as
package data (no download).

Slice 80 of a 1 mm MNI volume whose z axis starts at −72 mm is z = +8 mm, the slice ml4h
takes from UK Biobank's ``T1_brain_to_MNI``. The arrays are indexed ``[x, y]`` (x left →
right from −98 mm, y posterior → anterior from −134 mm); ``sample`` reads them at
canonical millimetres (``x_c`` anterior–posterior along image columns, ``y_c`` left–right
along rows, origin at the brain's centre) with bilinear interpolation after a Gaussian
blur matched to the pixel size, so coarse (quick-scale) pixels do not alias.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

__all__ = ["SOURCE", "TISSUES", "Slices", "load_slices", "sample", "template_dir"]

SOURCE = "MNI152 ICBM 2009a symmetric (nilearn package data: mni_icbm152_*_tal_nlin_sym_09a_converted)"
TISSUES = ("t1", "gm", "wm")
SLICE_Z_INDEX = 80
_ORIGIN_MM = (-98.0, -134.0)  # MNI x, y of voxel (0, 0)
# canonical origin: the centre of FSL's 182 x 218 mm MNI box, which ml4h's slices cover
CENTRE_MM = (0.5, -17.5)  # MNI (x, y)


def template_dir() -> Path:
    """nilearn's packaged template folder, found without importing nilearn (slow)."""
    spec = importlib.util.find_spec("nilearn")
    if spec is None or spec.origin is None:
        raise ValueError("Expected the nilearn package (pip install nilearn): its wheel ships the "
                         "MNI152 templates the brain phantom is built from; it is not installed")
    return Path(spec.origin).parent / "datasets" / "data"


class Slices:
    """Axial slice 80 of each tissue map as float32 in [0, 1], indexed [x, y]."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays

    def __getitem__(self, tissue: str) -> np.ndarray:
        return self.arrays[tissue]


@functools.lru_cache(maxsize=1)
def load_slices() -> Slices:
    import nibabel

    folder = template_dir()
    arrays = {}
    for tissue in TISSUES:
        path = folder / f"mni_icbm152_{tissue}_tal_nlin_sym_09a_converted.nii.gz"
        if not path.is_file():
            raise ValueError(f"{path}: expected nilearn's packaged MNI152 {tissue} template, found none")
        img = nibabel.load(str(path))
        zooms = tuple(float(z) for z in img.header.get_zooms()[:3])
        if zooms != (1.0, 1.0, 1.0) or img.shape[2] <= SLICE_Z_INDEX:
            raise ValueError(f"{path}: expected a 1 mm volume with more than {SLICE_Z_INDEX} axial "
                             f"slices, got shape {img.shape} and voxel size {zooms}")
        if tuple(img.affine[:2, 3]) != _ORIGIN_MM:
            raise ValueError(f"{path}: expected voxel (0, 0) at MNI {_ORIGIN_MM} mm, got "
                             f"{tuple(img.affine[:2, 3])}")
        data = np.asarray(img.dataobj[:, :, SLICE_Z_INDEX], dtype=np.float32)
        arrays[tissue] = data / max(float(data.max()), 1e-6)
    return Slices(arrays)


@functools.lru_cache(maxsize=8)
def _blurred(tissue: str, sigma_mm: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    data = load_slices()[tissue]
    return gaussian_filter(data, sigma_mm) if sigma_mm > 0 else data


def sample(tissue: str, x_c: np.ndarray, y_c: np.ndarray, pixel_mm: float) -> np.ndarray:
    """The tissue map at canonical mm (``x_c`` anterior–posterior, ``y_c`` left–right);
    zero outside the template. ``pixel_mm`` sets the anti-aliasing blur."""
    from scipy.ndimage import map_coordinates

    sigma = max(0.0, 0.5 * (pixel_mm - 1.0))
    data = _blurred(tissue, round(sigma, 3))
    ix = np.asarray(y_c) + CENTRE_MM[0] - _ORIGIN_MM[0]
    iy = np.asarray(x_c) + CENTRE_MM[1] - _ORIGIN_MM[1]
    return map_coordinates(data, [ix, iy], order=1, mode="constant", cval=0.0).astype(np.float32)

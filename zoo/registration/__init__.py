"""zoo.registration: hand-crafted and learned registration, as functions, layers and
store-to-store pipeline steps.

Names resolve lazily, so ``import zoo.registration`` neither imports Keras nor OpenCV;
see :mod:`zoo.registration.spatial` for the coordinate conventions every module shares.
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "align": "zoo.registration.align",
    "align_batch": "zoo.registration.align",
    "TRANSFORMS": "zoo.registration.align",
    "to_opencv": "zoo.registration.align",
    "from_opencv": "zoo.registration.align",
    "register_to_template": "zoo.registration.template",
    "build_template": "zoo.registration.template",
    "median_beat": "zoo.registration.ecg",
    "detect_r_peaks": "zoo.registration.ecg",
    "R_POSITION": "zoo.registration.ecg",
    "build_affine_net": "zoo.registration.affine_net",
    "AffineNet": "zoo.registration.affine_net",
    "build_voxelmorph": "zoo.registration.voxelmorph",
    "VoxelMorph": "zoo.registration.voxelmorph",
    "DeepCycle": "zoo.registration.deepcycle",
    "roll_to_phase": "zoo.registration.deepcycle",
    "register_store": "zoo.registration.pipeline",
    "METHODS": "zoo.registration.pipeline",
    "spatial": None,
    "layers": None,
    "losses": None,
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

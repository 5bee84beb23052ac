"""zoo.registration: hand-crafted and learned registration, as functions, layers and
store-to-store pipeline steps.

Names resolve lazily, so ``import zoo.registration`` neither imports Keras nor OpenCV;
see :mod:`zoo.registration.spatial` for the coordinate conventions every module shares.
"""
from __future__ import annotations

import importlib

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


def __getattr__(name: str):
    if name in _EXPORTS:
        module_name = _EXPORTS[name]
        if module_name is None:
            value = importlib.import_module(f"zoo.registration.{name}")
        else:
            value = getattr(importlib.import_module(module_name), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'zoo.registration' has no attribute {name!r}")


def __dir__():
    return __all__

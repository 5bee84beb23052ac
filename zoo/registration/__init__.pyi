"""The public names of ``zoo.registration``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from . import layers, losses, spatial
from .affine_net import AffineNet, build_affine_net
from .alignment import TRANSFORMS, align, align_batch, from_opencv, to_opencv
from .deepcycle import DeepCycle, roll_to_phase
from .ecg import R_POSITION, detect_r_peaks, median_beat
from .method import Method
from .methods import METHODS, get_method
from .pipeline import register_store
from .template import build_template, register_to_template
from .voxelmorph import VoxelMorph, build_voxelmorph

__all__ = [
    "AffineNet", "DeepCycle", "METHODS", "Method", "R_POSITION", "TRANSFORMS", "VoxelMorph", "align",
    "align_batch", "build_affine_net", "build_template", "build_voxelmorph", "detect_r_peaks",
    "from_opencv", "get_method", "layers", "losses", "median_beat", "register_store", "register_to_template",
    "roll_to_phase", "spatial", "to_opencv",
]

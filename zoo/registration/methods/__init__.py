"""The registry of registration methods: :data:`METHODS` maps each name to its
:class:`~zoo.registration.method.Method`. The command line's choices and flags, the
phantom's list, the modality records and the docs all read it.

A new method is one module here (its options, its step, ``METHOD``) plus its line below.
"""
from __future__ import annotations

from types import MappingProxyType

from zoo.registration.method import Method
from zoo.registration.methods import affine, deepcycle, homography, median_beat, none, template, voxelmorph

__all__ = ["METHODS", "get_method"]

METHODS: "MappingProxyType[str, Method]" = MappingProxyType({m.METHOD.name: m.METHOD for m in (
    none,
    template,
    homography,
    affine,
    median_beat,
    voxelmorph,
    deepcycle,
)})


def get_method(name: str) -> Method:
    """The method called ``name``; a ``ValueError`` lists the registered ones."""
    if name not in METHODS:
        raise ValueError(f"Expected a registration method in {tuple(METHODS)}, got {name!r}")
    return METHODS[name]

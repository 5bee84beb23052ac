"""Numba kernels of the phantom cohort. Private: call them through the validating
wrappers in ``zoo.phantom`` (``raster``, ``genotypes``, ``render_ecg``)."""

__all__: list[str] = []

"""fastio: per-sample ml4h HDF5 tensors → one chunked zarr store → fast Keras batches.

The I/O layer of regzoo. It never imports ``zoo`` or Keras at import time; names are
resolved lazily so ``import fastio`` stays cheap.
"""
import lazy_loader

__version__ = "0.1.0"
# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

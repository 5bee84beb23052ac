"""fastio: per-sample ml4h HDF5 tensors → one chunked zarr store → fast Keras batches.

The I/O layer of regzoo. It never imports ``zoo`` or Keras at import time; names are
resolved lazily so ``import fastio`` stays cheap.
"""
from __future__ import annotations

from fastio._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "TensorSpec": "fastio.spec",
    "Normalization": "fastio.spec",
    "ECG_LEADS": "fastio.catalogue",
    "get_spec": "fastio.catalogue",
    "list_specs": "fastio.catalogue",
    "register_spec": "fastio.catalogue",
    "load_specs": "fastio.catalogue",
    "read_sample": "fastio.hdf5",
    "convert": "fastio.conversion",
    "merge_parts": "fastio.parts",
    "convert_dask": "fastio.parts",
    "ConvertSummary": "fastio.summary",
    "SampleError": "fastio.hdf5",
    "create_store": "fastio.store",
    "open_store": "fastio.store",
    "Store": "fastio.store",
    "Loader": "fastio.loader",
    "Augment": "fastio.augment",
    "split_ids": "fastio.split",
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

"""The public names of ``fastio``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from .augment import Augment
from .catalogue import ECG_LEADS, get_spec, list_specs, load_specs, register_spec
from .conversion import convert
from .hdf5 import SampleError, read_sample
from .loader import Loader
from .parts import convert_dask, merge_parts
from .spec import Normalization, TensorSpec
from .split import split_ids
from .store import Store, create_store, open_store
from .summary import ConvertSummary

__all__ = [
    "Augment", "ConvertSummary", "ECG_LEADS", "Loader", "Normalization", "SampleError",
    "Store", "TensorSpec", "convert", "convert_dask", "create_store", "get_spec", "list_specs",
    "load_specs", "merge_parts", "open_store", "read_sample", "register_spec", "split_ids",
]
__version__: str

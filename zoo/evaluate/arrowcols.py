"""numpy columns to and from Arrow arrays without pyarrow's pandas bridge.

``pyarrow.array``, ``pyarrow.scalar`` (and so every compute call given a Python scalar)
and ``Array.to_numpy`` import pandas when it is installed, to check whether their argument
is a pandas object: 0.25–0.3 CPU-s, a sixth of ``zoo gwas``. The arrays here are built from
their buffers (``Array.from_buffers``) and read back through them, which touches no pandas;
``zoo gwas`` reads and writes all its tables through this module and never imports pandas.
The values are the same as ``pa.array(values, from_pandas=True)`` gives (NaN → null) and
the text Arrow writes for them is the same bytes.

``as_text``, ``join_text`` and ``dictionary_encode`` call Arrow's kernels by name through
``pyarrow._compute``, where ``pyarrow.compute`` finds them: importing ``pyarrow.compute``
wraps each of Arrow's ~300 functions in Python (0.03 CPU-s, with the GIL held, in the
first block ``zoo gwas`` formats while the other worker waits to run Python).
"""
from __future__ import annotations

import numpy as np

__all__ = ["to_arrow", "to_numpy", "repeated_text", "as_text", "join_text", "dictionary_encode"]


def _bitmap(valid: np.ndarray):
    import pyarrow as pa

    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def to_arrow(values):
    """A 1-D numpy array (float with NaN as null, integer, bool or text) as an Arrow array;
    an Arrow array is returned as it is."""
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"Expected a 1-D column, got shape {values.shape}")
    n = len(values)
    kind = values.dtype.kind
    if kind == "f":
        values = np.ascontiguousarray(values)
        nan = np.isnan(values)
        types = {2: pa.float16(), 4: pa.float32(), 8: pa.float64()}
        return pa.Array.from_buffers(types[values.itemsize], n,
                                     [_bitmap(~nan) if nan.any() else None, pa.py_buffer(values)])
    if kind in "iu":
        values = np.ascontiguousarray(values)
        bits = 8 * values.itemsize
        kind_type = getattr(pa, f"{'int' if kind == 'i' else 'uint'}{bits}")()
        return pa.Array.from_buffers(kind_type, n, [None, pa.py_buffer(values)])
    if kind == "b":
        return pa.Array.from_buffers(pa.bool_(), n, [None, _bitmap(values)])
    if kind in "OUS":
        return _text(values)
    raise ValueError(f"Expected a float, integer, bool or text column, got {values.dtype}")


def _text(values: np.ndarray):
    """Text column: UTF-8 bytes and int32 (or int64) offsets; None/NaN objects are null."""
    import pyarrow as pa

    if values.dtype.kind == "S":
        items = [bytes(v) for v in values]
        valid = None
    else:
        missing = [v is None or (isinstance(v, float) and v != v) for v in values] \
            if values.dtype.kind == "O" else None
        valid = None if not missing or not any(missing) else ~np.asarray(missing)
        items = [b"" if valid is not None and not ok else str(v).encode()
                 for v, ok in zip(values, valid if valid is not None else [True] * len(values))]
    offsets = np.zeros(len(items) + 1, np.int64)
    np.cumsum([len(b) for b in items], out=offsets[1:])
    large = offsets[-1] >= 2 ** 31
    kind = pa.large_string() if large else pa.string()
    offsets = offsets if large else offsets.astype(np.int32)
    return pa.Array.from_buffers(kind, len(items), [None if valid is None else _bitmap(valid),
                                                    pa.py_buffer(offsets),
                                                    pa.py_buffer(b"".join(items))])


def repeated_text(text: str, n: int):
    """``n`` copies of ``text`` as an Arrow string array (a compute call's constant
    argument: a Python string there is converted by ``pyarrow.scalar``, see above)."""
    import pyarrow as pa

    data = text.encode()
    offsets = np.arange(n + 1, dtype=np.int64) * len(data)
    if offsets[-1] >= 2 ** 31:
        return pa.Array.from_buffers(pa.large_string(), n,
                                     [None, pa.py_buffer(offsets), pa.py_buffer(data * n)])
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets.astype(np.int32)),
                                                  pa.py_buffer(data * n)])


def to_numpy(array) -> np.ndarray:
    """An Arrow array (or chunked array) as numpy: numbers as float64 with NaN at nulls
    (integers without nulls stay int64, bools bool), text as a numpy ``str`` array (nulls
    as ``""``)."""
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    kind = array.type
    n = len(array)
    if pa.types.is_null(kind):
        return np.full(n, np.nan)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return np.array(["" if v is None else v for v in array.to_pylist()], dtype=str) \
            if n else np.empty(0, dtype=str)
    if pa.types.is_boolean(kind):
        if array.null_count:
            raise ValueError(f"Expected a bool column without missing values, got "
                             f"{array.null_count} missing")
        bits = np.frombuffer(array.buffers()[1], np.uint8)
        return np.unpackbits(bits, bitorder="little", count=array.offset + n)[array.offset:] \
            .astype(bool)
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        raise ValueError(f"Expected a number, bool or text column, got Arrow type {kind}")
    code = "f" if pa.types.is_floating(kind) else "i" if pa.types.is_signed_integer(kind) else "u"
    dtype = np.dtype(f"{code}{kind.bit_width // 8}")
    values = np.frombuffer(array.buffers()[1], dtype, n, array.offset * dtype.itemsize)
    if not array.null_count:
        return values.copy() if pa.types.is_floating(kind) else values.astype(np.int64)
    valid = np.unpackbits(np.frombuffer(array.buffers()[0], np.uint8), bitorder="little",
                          count=array.offset + n)[array.offset:].astype(bool)
    out = values.astype(np.float64)
    out[~valid] = np.nan
    return out


def _kernels():
    """The module Arrow's compute kernels are called through: ``pyarrow._compute``, or
    ``pyarrow.compute`` where a pyarrow lays its modules out otherwise."""
    try:
        from pyarrow import _compute as kernels

        kernels.call_function, kernels.CastOptions, kernels.JoinOptions   # noqa: B018
    except (ImportError, AttributeError):
        import pyarrow.compute as kernels
    return kernels


def as_text(values):
    """An Arrow array (or a numpy column, see ``to_arrow``) cast to text: the kernel
    ``pyarrow.compute.cast`` runs, and the bytes Arrow's CSV writer writes."""
    import pyarrow as pa

    kernels = _kernels()
    return kernels.call_function("cast", [to_arrow(values)], kernels.CastOptions.safe(pa.string()))


def join_text(*columns, null: str | None = None):
    """Text columns joined element-wise by the last one (``binary_join_element_wise``):
    a null makes the row null, or with ``null`` given is written as that text."""
    kernels = _kernels()
    options = (kernels.JoinOptions() if null is None else
               kernels.JoinOptions(null_handling="replace", null_replacement=null))
    return kernels.call_function("binary_join_element_wise", list(columns), options)


def dictionary_encode(values):
    """An Arrow array as a ``DictionaryArray`` (``Array.dictionary_encode``, which would
    import ``pyarrow.compute``)."""
    return _kernels().call_function("dictionary_encode", [to_arrow(values)])

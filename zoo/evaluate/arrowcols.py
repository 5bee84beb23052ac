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

__all__ = ["to_arrow", "to_numpy", "repeated_text", "as_text", "join_text", "dictionary_encode",
           "delimited_text"]


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


# Where orjson's shortest text of a float is Arrow's, byte for byte: finite, not a whole
# number (orjson writes "1.0", Arrow "1") and 1e-5 <= |x| < 1e9 (outside, each turns to an
# exponent at its own bounds). tests/zoo/evaluate/test_arrowcols.py checks a million values
# of each width against Arrow's cast, random bit patterns among them.
_SAME_TEXT = (1e-5, 1e9)


def delimited_text(values: np.ndarray, delimiter: str, null: str = "NA"):
    """A 1-D numpy column as Arrow text, each value followed by ``delimiter`` and a NaN
    written ``null``: ``as_text``'s bytes (Arrow's cast) for every value.

    float32 and float64 columns with a one-character delimiter take the fast way: orjson
    writes the shortest text of every value in one string, ``[v0,v1,...]``, whose commas
    become the delimiters, so the values are sliced out of orjson's bytes where they lie.
    orjson's text is Arrow's only within ``_SAME_TEXT``: the values outside (few in a
    GWAS table: whole numbers, p < 1e-5, NaN) are cast by Arrow and spliced into their
    places (``benchmarks/gwas_format.py`` for the figures)."""
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"Expected a 1-D column, got shape {values.shape}")
    n = values.size
    orjson = _orjson() if values.dtype in (np.float32, np.float64) else None
    if orjson is None or len(delimiter.encode()) != 1 or n == 0:
        return _delimited(as_text(values), delimiter, null)
    import pyarrow as pa

    with np.errstate(invalid="ignore"):                   # signalling NaNs
        magnitude = np.abs(values)
        same = (magnitude >= _SAME_TEXT[0]) & (magnitude < _SAME_TEXT[1]) & \
            (values != np.trunc(values))                   # False at NaN and ±inf too
    every = bool(same.all())
    filled = np.ascontiguousarray(values if every else np.where(same, values, 0.5),
                                  dtype=values.dtype)
    raw = orjson.dumps(filled, option=orjson.OPT_SERIALIZE_NUMPY)
    data = np.frombuffer(raw, np.uint8, offset=1).copy()   # "v0,v1,...]" writable
    ends = np.flatnonzero(data == ord(","))
    if ends.size != n - 1 or data[-1] != ord("]"):         # not the layout expected
        return _delimited(as_text(values), delimiter, null)
    data[ends] = data[-1] = ord(delimiter)
    offsets = np.empty(n + 1, np.int32)
    offsets[0], offsets[1:n], offsets[n] = 0, ends + 1, data.size
    if not every:
        data, offsets = _patched(data, offsets, np.flatnonzero(~same), values, delimiter, null)
        if data is None:                                   # mostly values outside
            return _delimited(as_text(values), delimiter, null)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(data)])


def _patched(data: np.ndarray, offsets: np.ndarray, rows: np.ndarray, values: np.ndarray,
             delimiter: str, null: str):
    """``data``/``offsets`` with the fields of ``rows`` (orjson's placeholders) replaced by
    Arrow's text of their values, spliced in; ``(None, None)`` when they are more than an
    eighth of the column (then Arrow's cast of all of it is quicker)."""
    if rows.size > max(16, values.size // 8):
        return None, None
    texts = [("NA" if t is None else t) + delimiter
             for t in as_text(values[rows]).to_pylist()]
    replaced = [np.frombuffer(t.encode(), np.uint8) for t in texts]
    pieces, previous = [], 0
    for row, text in zip(rows.tolist(), replaced):
        pieces += [data[previous:offsets[row]], text]
        previous = offsets[row + 1]
    pieces.append(data[previous:])
    growth = np.zeros(offsets.size, np.int64)
    growth[rows + 1] = [len(t) for t in replaced] - (offsets[rows + 1] - offsets[rows])
    return np.concatenate(pieces), (offsets + np.cumsum(growth)).astype(np.int32)


def _delimited(text, delimiter: str, null: str):
    """Arrow text with ``delimiter`` after each value, nulls written ``null``."""
    n = len(text)
    return join_text(text, repeated_text("", n), repeated_text(delimiter, n), null=null)


def _orjson():
    try:
        import orjson
    except ImportError:         # a dependency; without it every value takes Arrow's cast
        return None
    return orjson

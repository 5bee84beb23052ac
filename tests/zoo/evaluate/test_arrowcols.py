"""numpy <-> Arrow without pyarrow's pandas bridge: the same arrays as ``pyarrow.array``,
back to the same numpy values, and no pandas import on the way."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from zoo.evaluate.arrowcols import repeated_text, to_arrow, to_numpy

COLUMNS = {
    "float64": np.array([1.5, np.nan, -2.5e-300, 1e300, 0.0]),
    "float32": np.array([1.5, np.nan, 3.25, -0.0, 7.0], np.float32),
    "int64": np.array([1, -2, 3, 2 ** 40, 0]),
    "int32": np.array([1, -2, 3, 4, 0], np.int32),
    "uint8": np.array([1, 2, 3, 255, 0], np.uint8),
    "bool": np.array([True, False, True, True, False]),
    "text": np.array(["a", "bé", "", "rs1_10000", "NA"]),
}


@pytest.mark.parametrize("name", list(COLUMNS))
def test_to_arrow_equals_pyarrow_array(name):
    values = COLUMNS[name]
    ours = to_arrow(values)
    assert ours.equals(pa.array(values, from_pandas=True))      # NaN -> null, like pandas'
    assert ours.null_count == (int(np.isnan(values).sum()) if values.dtype.kind == "f" else 0)
    back = to_numpy(ours)
    if values.dtype.kind == "f":
        np.testing.assert_array_equal(back, values.astype(np.float64))
    else:
        np.testing.assert_array_equal(back, values)


def test_slices_and_chunks_read_back():
    values = np.arange(20, dtype=np.float64)
    values[[3, 11]] = np.nan
    arr = to_arrow(values)
    np.testing.assert_array_equal(to_numpy(arr.slice(5, 10)), values[5:15])
    np.testing.assert_array_equal(to_numpy(to_arrow(np.arange(9))[4:]), np.arange(4, 9))
    chunked = pa.chunked_array([arr.slice(0, 7), arr.slice(7, 13)])
    np.testing.assert_array_equal(to_numpy(chunked), values)
    flags = np.arange(13) % 3 == 0
    np.testing.assert_array_equal(to_numpy(to_arrow(flags).slice(2, 9)), flags[2:11])
    text = np.array([f"s{i}" for i in range(12)])
    assert to_numpy(to_arrow(text).slice(3, 4)).tolist() == ["s3", "s4", "s5", "s6"]


def test_text_nulls_and_repeated_text():
    arr = to_arrow(np.array(["x", None, float("nan"), "y"], dtype=object))
    assert arr.to_pylist() == ["x", None, None, "y"]
    assert repeated_text("\t", 3).to_pylist() == ["\t"] * 3
    assert repeated_text("", 0).to_pylist() == []
    with pytest.raises(ValueError, match="Expected a 1-D column"):
        to_arrow(np.zeros((2, 2)))


def test_no_pandas_import():
    """Building, reading, formatting and encoding columns leaves pandas unloaded (it
    costs 0.25 CPU-s; pyarrow.array and pyarrow.scalar would load it), and
    pyarrow.compute too (0.03 CPU-s)."""
    code = (
        "import sys, numpy as np, pyarrow as pa\n"
        "from zoo.evaluate.arrowcols import (to_arrow, to_numpy, repeated_text, as_text,"
        " join_text, dictionary_encode)\n"
        "a = to_arrow(np.array([1.5, np.nan]))\n"
        "t = join_text(as_text(a), to_arrow(np.array(['x', 'y'])), repeated_text('\\t', 2),"
        " null='NA')\n"
        "assert t.to_pylist() == ['1.5\\tx', 'NA\\ty'], t\n"
        "e = dictionary_encode(to_arrow(np.array(['b', 'a', 'b'])))\n"
        "assert to_numpy(e.indices).tolist() == [0, 1, 0], e\n"
        "to_numpy(a); to_numpy(to_arrow(np.array(['s'])))\n"
        "print(__import__('json').dumps(['pandas' in sys.modules,"
        " 'pyarrow.compute' in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [False, False]


@pytest.mark.parametrize("through", ["kernels", "pyarrow.compute"])
def test_kernels_by_name_give_pyarrow_computes_results(monkeypatch, through):
    """``as_text``, ``join_text`` and ``dictionary_encode`` against ``pyarrow.compute``'s
    own functions: floats of both widths, integers and nulls; and the same through
    ``pyarrow.compute`` where ``pyarrow._compute`` lacks what they call."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from zoo.evaluate import arrowcols

    if through == "pyarrow.compute":
        import pyarrow._compute as private

        monkeypatch.delattr(private, "JoinOptions")
        assert arrowcols._kernels() is pc
    values = [to_arrow(np.array([1e-05, 0.1, np.nan, 123456.789], dtype)) for dtype in
              (np.float32, np.float64)] + [to_arrow(np.array([3, -2, 10**12]))]
    for column in values:
        assert arrowcols.as_text(column).equals(pc.cast(column, pa.string()))
    left, right = to_arrow(np.array(["a", "b", "c"])), arrowcols.as_text(values[0][:3])
    sep = repeated_text("|", 3)
    assert arrowcols.join_text(left, right, sep).equals(
        pc.binary_join_element_wise(left, right, sep))
    joined = arrowcols.join_text(left, right, sep, null="NA")
    assert joined.equals(pc.binary_join_element_wise(
        left, right, sep, null_handling="replace", null_replacement="NA"))
    assert joined.to_pylist() == ["a|0.00001", "b|0.1", "c|NA"]
    text = to_arrow(np.array(["x", "y", "x", "z"]))
    assert arrowcols.dictionary_encode(text).equals(text.dictionary_encode())


def _arrow_fields(values: np.ndarray, delimiter: str) -> list:
    """What ``delimited_text`` must give: Arrow's own cast, NaN written NA, the delimiter
    after every value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.cast(to_arrow(values), pa.string()).to_pylist()
    return [("NA" if t is None else t) + delimiter for t in text]


def _float_cases(dtype) -> np.ndarray:
    rng = np.random.default_rng(11)
    bits = np.uint32 if dtype == np.float32 else np.uint64
    with np.errstate(over="ignore", invalid="ignore"):   # NaN payloads, float64 overflow
        values = np.concatenate([
            rng.integers(0, np.iinfo(bits).max, 400_000, dtype=bits, endpoint=True).view(dtype),
            rng.standard_normal(200_000) * 10.0 ** rng.integers(-8, 12, 200_000),
            rng.random(200_000) ** rng.integers(1, 60, 200_000),
            np.round(rng.standard_normal(100_000) * 1e4),
            10.0 ** rng.uniform(-300, 300, 100_000),
            [0.0, -0.0, 1.0, 1e-5, 1e9, 99999.99999, 1e-5 * (1 - 1e-7), np.nan, np.inf, -np.inf,
             np.finfo(dtype).max, np.finfo(dtype).tiny, np.finfo(dtype).smallest_subnormal]])
        return values.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_delimited_text_writes_arrows_bytes_for_every_float(dtype):
    """A million values of random bit patterns and of GWAS-like sizes (z-scores, p-values
    down to 1e-300, betas, whole numbers, ±0, extremes, NaN, ±inf): the orjson way gives
    Arrow's text of every one, the fields sliced where they lie."""
    from zoo.evaluate import arrowcols

    assert arrowcols._orjson() is not None          # the fast way is the one tested
    values = _float_cases(dtype)
    for delimiter in ("\t", "\n"):
        got = arrowcols.delimited_text(values, delimiter)
        assert got.null_count == 0
        assert got.to_pylist() == _arrow_fields(values, delimiter)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_delimited_text_splices_the_few_values_arrow_writes(dtype):
    """A GWAS column: mostly values orjson writes, a few (at the ends, side by side,
    alone) it does not: p < 1e-5, whole numbers, NaN, ±inf, huge. Each is Arrow's text
    spliced into orjson's; with more than an eighth of them Arrow casts the whole column."""
    from zoo.evaluate import arrowcols

    rng = np.random.default_rng(5)
    outside = np.array([3e-7, 1e-300, 2.0, 0.0, np.nan, np.inf, -np.inf, 5e12, -1e-6])
    for trial in range(40):
        n = int(rng.integers(1, 3000))
        values = rng.uniform(0.001, 50, n) * rng.choice([-1, 1], n)
        count = int(rng.integers(0, max(1, n // 10)))
        rows = np.unique(np.concatenate([rng.integers(0, n, count),
                                         np.array([0, n - 1][:trial % 3], np.int64)]))
        values[rows] = rng.choice(outside, rows.size)
        values = values.astype(dtype)
        assert arrowcols.delimited_text(values, "\t").to_pylist() == \
            _arrow_fields(values, "\t"), (trial, n, rows)
    mostly = np.where(rng.random(400) < 0.5, 1e-9, 0.5).astype(dtype)     # over an eighth
    assert arrowcols.delimited_text(mostly, "\n").to_pylist() == _arrow_fields(mostly, "\n")


def test_delimited_text_other_columns_and_without_orjson(monkeypatch):
    """Integers, text, empty and one-value columns and a two-character delimiter take
    Arrow's cast, and so does every float when orjson is missing: the same text."""
    from zoo.evaluate import arrowcols

    floats = np.array([0.25, np.nan, 3.0, 1e-9, -7.5], np.float32)
    cases = [(np.array([3, -2, 10**12]), "\t"), (floats, "\t"), (floats, " |"),
             (np.array([], np.float64), "\n"), (np.array([0.125]), "\n")]
    for values, delimiter in cases:
        assert arrowcols.delimited_text(values, delimiter).to_pylist() == \
            _arrow_fields(values, delimiter)
    text = np.array(["x", "y"])
    assert arrowcols.delimited_text(text, "\t").to_pylist() == ["x\t", "y\t"]
    monkeypatch.setattr(arrowcols, "_orjson", lambda: None)
    assert arrowcols.delimited_text(floats, "\t").to_pylist() == _arrow_fields(floats, "\t")
    with pytest.raises(ValueError, match="1-D column"):
        arrowcols.delimited_text(np.zeros((2, 2)), "\t")

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

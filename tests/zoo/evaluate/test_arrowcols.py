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
    """Building, reading and formatting columns leaves pandas unloaded (it costs
    0.25 CPU-s; pyarrow.array and pyarrow.scalar would load it)."""
    code = (
        "import sys, numpy as np, pyarrow as pa, pyarrow.compute as pc\n"
        "from zoo.evaluate.arrowcols import to_arrow, to_numpy, repeated_text\n"
        "a = to_arrow(np.array([1.5, np.nan]))\n"
        "t = pc.binary_join_element_wise(pc.cast(a, pa.string()), to_arrow(np.array(['x', 'y'])),"
        " repeated_text('\\t', 2), options=pc.JoinOptions(null_handling='replace',"
        " null_replacement='NA'))\n"
        "assert t.to_pylist() == ['1.5\\tx', 'NA\\ty'], t\n"
        "to_numpy(a); to_numpy(to_arrow(np.array(['s'])))\n"
        "print(__import__('json').dumps('pandas' in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) is False

"""ColumnTable: numpy and Arrow columns read either way, sliced, extended, joined, coded."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from zoo.evaluate.arrowcols import to_arrow
from zoo.evaluate.columns import ColumnTable


def test_column_table():
    table = ColumnTable({"ID": to_arrow(np.array(["a", "b", "c"])), "POS": np.array([5, 6, 7])})
    assert len(table) == 3 and table.columns == ["ID", "POS"] and "ID" in table
    assert table["ID"].tolist() == ["a", "b", "c"]                 # Arrow read as numpy
    assert table.arrow("POS").equals(pa.array([5, 6, 7]))          # numpy read as Arrow
    part = table.slice(1, 3).assign(K=16, P=np.array([0.5, np.nan]))
    assert part["ID"].tolist() == ["b", "c"] and part["K"].tolist() == [16, 16]
    assert part.drop("K", "P").columns == ["ID", "POS"]
    both = ColumnTable.concat([table, table.slice(0, 1)])
    assert both["POS"].tolist() == [5, 6, 7, 5] and both["ID"].tolist()[-1] == "a"
    for col in (to_arrow(np.array(["2", "1", "2", "X"])), np.array(["2", "1", "2", "X"])):
        codes, values = ColumnTable({"c": col}).codes("c")
        assert values[codes].tolist() == ["2", "1", "2", "X"] and codes[0] == codes[2]
        assert ColumnTable({"c": col}).item("c", 3) == "X"
    assert table.item("POS", 1) == 6
    frame = part.to_pandas()
    assert list(frame.columns) == ["ID", "POS", "K", "P"] and np.isnan(frame["P"].iloc[1])
    with pytest.raises(ValueError, match="one length"):
        ColumnTable({"a": np.zeros(2), "b": np.zeros(3)})
    with pytest.raises(ValueError, match="start <= stop"):
        table.slice(2, 1)

"""``ColumnTable``: named columns of one length, without pandas.

``zoo gwas`` keeps its variant, locus and MANOVA tables in this form so that the command
never imports pandas (0.25–0.3 s of a ~1 s run; see ``arrowcols.py``). A column is held
as a numpy array or an Arrow array (the .bim's text as parsed by Arrow) and read either
way: ``table[name]`` gives numpy (``np.asarray(frame[name])`` reads a pandas DataFrame the
same way, so the readers of a variant table take both), ``table.arrow(name)`` Arrow, each
converted once. ``to_pandas()`` gives the DataFrame.
"""
from __future__ import annotations

import numpy as np

from zoo.evaluate.arrowcols import dictionary_encode, to_arrow, to_numpy

__all__ = ["ColumnTable"]


class ColumnTable:
    """Named equal-length columns (numpy or Arrow), in order. Not changed after creation:
    the methods return new tables that share the columns."""

    def __init__(self, columns: dict):
        self._data = dict(columns)
        lengths = {name: len(col) for name, col in self._data.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"Expected columns of one length, got {lengths}")
        self._rows = next(iter(lengths.values()), 0)
        self._numpy: dict[str, np.ndarray] = {}
        self._arrow: dict = {}

    @property
    def columns(self) -> list[str]:
        return list(self._data)

    def __len__(self) -> int:
        return self._rows

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def __getitem__(self, name: str) -> np.ndarray:
        """The column as a numpy array (text as ``str``)."""
        if name not in self._data:
            raise KeyError(name)
        out = self._numpy.get(name)
        if out is None:
            col = self._data[name]
            out = self._numpy[name] = col if isinstance(col, np.ndarray) else to_numpy(col)
        return out

    def arrow(self, name: str):
        """The column as an Arrow array."""
        if name not in self._data:
            raise KeyError(name)
        out = self._arrow.get(name)
        if out is None:
            out = self._arrow[name] = to_arrow(self._data[name])
        return out

    def codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, values)``: each row's value as ``values[codes[row]]`` (Arrow's
        dictionary encoding for an Arrow column: no text converted row by row)."""
        col = self._data[name]
        if isinstance(col, np.ndarray):
            values, codes = np.unique(col, return_inverse=True)
            return codes, values
        encoded = dictionary_encode(col.combine_chunks() if hasattr(col, "combine_chunks")
                                    else col)
        return to_numpy(encoded.indices), to_numpy(encoded.dictionary)

    def item(self, name: str, row: int):
        """One value of a column (as a Python object)."""
        col = self._data[name]
        return col[row].item() if isinstance(col, np.ndarray) else col[row].as_py()

    def slice(self, start: int, stop: int) -> "ColumnTable":
        """Rows ``start:stop`` (0 <= start <= stop <= len)."""
        if not 0 <= start <= stop <= self._rows:
            raise ValueError(f"Expected 0 <= start <= stop <= {self._rows}, got {start}:{stop}")
        return ColumnTable({name: col[start:stop] if isinstance(col, np.ndarray)
                            else col.slice(start, stop - start)
                            for name, col in self._data.items()})

    def drop(self, *names: str) -> "ColumnTable":
        return ColumnTable({n: c for n, c in self._data.items() if n not in names})

    def assign(self, **columns) -> "ColumnTable":
        """This table's columns and ``columns`` after them (a value broadcast to every row)."""
        extra = {name: np.broadcast_to(np.asarray(col), (self._rows,)) if np.ndim(col) == 0
                 else col for name, col in columns.items()}
        return ColumnTable({**self._data, **extra})

    @classmethod
    def concat(cls, tables: list["ColumnTable"]) -> "ColumnTable":
        """Rows of ``tables`` (same columns) one after the other."""
        if not tables:
            raise ValueError("Expected at least one table to join, got none")
        names = tables[0].columns
        if any(t.columns != names for t in tables):
            raise ValueError(f"Expected tables with columns {names}, got "
                             f"{[t.columns for t in tables if t.columns != names][0]}")
        return cls({n: np.concatenate([t[n] for t in tables]) for n in names})

    def to_pandas(self):
        """A ``pandas.DataFrame`` of the columns (text as pandas' default string dtype)."""
        import pandas as pd     # here: zoo gwas itself never needs it (see the module doc)

        return pd.DataFrame({name: self[name] for name in self._data})

    def __repr__(self) -> str:
        return f"ColumnTable({self._rows} rows: {', '.join(self.columns)})"

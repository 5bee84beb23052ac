"""Per-sample tables (latents, covariates) read with Arrow's parser, without pandas.

``read_latent_table`` and ``read_covariate_table`` are the readers behind ``read_latents``
and ``read_covariates`` (which return the same values as a DataFrame indexed by
``sample_id``); ``zoo gwas`` uses them directly and so never imports pandas, a quarter of
its start-up (see ``arrowcols.py``). Arrow parses decimal text to the nearest double, as
pandas' parser does: the same float64 values.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.evaluate.arrowcols import to_numpy

__all__ = ["SampleTable", "id_column", "read_columns", "read_latent_table", "read_covariate_table"]

_PARQUET = (".parquet", ".pq")
_ID_COLUMNS = ("sample_id", "IID", "#IID", "FID", "#FID")     # always read as text


@dataclass(frozen=True, eq=False)
class SampleTable:
    """Float columns ``names`` of samples ``ids``: ``values`` (len(ids), len(names))."""

    ids: np.ndarray                 # (n,) str
    names: tuple[str, ...]
    values: np.ndarray              # (n, k) float64

    def __post_init__(self):
        if self.values.shape != (len(self.ids), len(self.names)):
            raise ValueError(f"Expected values of shape ({len(self.ids)}, {len(self.names)}), "
                             f"got {self.values.shape}")

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    def to_frame(self):
        """A ``pandas.DataFrame`` indexed by ``sample_id``, one float64 column per name."""
        import pandas as pd     # here: zoo gwas never needs it (see the module doc)

        return pd.DataFrame(self.values, index=pd.Index(self.ids, name="sample_id"),
                            columns=list(self.names))

    @classmethod
    def from_frame(cls, frame) -> "SampleTable":
        """From a DataFrame indexed by sample id with numeric columns."""
        return cls(np.asarray(frame.index).astype(str), tuple(str(c) for c in frame.columns),
                   frame.to_numpy(np.float64))


def read_columns(path: str | Path) -> dict[str, np.ndarray]:
    """Every column of a TSV (CSV by ``.csv``, Parquet by ``.parquet``/``.pq``) table as
    numpy: numbers as int64/float64 (NaN at empty or NA cells), bools as bool, anything
    else as text; the id columns (``sample_id``, ``IID``, ``FID``) always as text."""
    import pyarrow as pa

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: file not found")
    try:
        if path.suffix.lower() in _PARQUET:
            from pyarrow import parquet

            table = parquet.read_table(path)
        else:
            from pyarrow import csv

            table = csv.read_csv(path, parse_options=csv.ParseOptions(
                delimiter="," if path.suffix.lower() == ".csv" else "\t"),
                convert_options=csv.ConvertOptions(
                    column_types=dict.fromkeys(_ID_COLUMNS, pa.string())))
    except (pa.ArrowInvalid, OSError) as err:
        raise ValueError(f"{path}: expected a readable table, got {err}") from err
    names = [str(n) for n in table.column_names]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: expected unique column names, got "
                         f"{sorted({n for n in names if names.count(n) > 1})} more than once")
    out = {}
    for name, column in zip(names, table.columns):
        try:
            out[name] = to_numpy(column)
        except ValueError:           # dates, lists, ...: their text
            out[name] = np.array([str(v) for v in column.to_pylist()], dtype=str)
    return out


def id_column(columns, path: Path) -> str:
    """The sample-id column of a table's ``columns`` (names, a dict of columns or a
    DataFrame): ``sample_id`` (ml4h) or PLINK's ``IID``."""
    for name in ("sample_id", "IID", "#IID"):
        if name in columns:
            return name
    raise ValueError(
        f"{path}: expected a 'sample_id' column (ml4h) or 'FID IID' columns (PLINK), "
        f"got columns {list(columns)[:8]}")


def _numeric(values: np.ndarray) -> bool:
    return values.dtype.kind in "fiub"


def read_latent_table(path: str | Path) -> SampleTable:
    """A latent table: float64 columns ``latent_*`` by sample id.

    Columns named ``latent_*`` are the latent dimensions; if there are none, every numeric
    column besides the ids is taken. Duplicate ids and non-finite values are errors, since a
    silent choice between two rows of one sample would change every downstream number.
    """
    path = Path(path)
    columns = read_columns(path)
    id_col = id_column(columns, path)
    ids = columns[id_col]
    skip = {id_col, "FID", "#FID", "IID", "sample_id"}
    cols = [c for c in columns if c.startswith("latent_")]
    if not cols:
        cols = [c for c in columns if c not in skip and _numeric(columns[c])]
    if not cols:
        raise ValueError(f"{path}: expected latent columns 'latent_0' …, got {list(columns)}")
    bad = [c for c in cols if not _numeric(columns[c])]
    if bad:
        raise ValueError(f"{path}: expected numeric latent columns, got non-numeric {bad[:5]}")
    _unique(ids, path)
    values = np.column_stack([columns[c].astype(np.float64) for c in cols])
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        raise ValueError(f"{path}: expected finite latent values, got NaN/inf for sample "
                         f"{ids[~finite][0]!r} ({int((~finite).sum())} samples)")
    return SampleTable(ids, tuple(cols), values)


def _unique(ids: np.ndarray, path: Path) -> None:
    seen: set = set()
    for sample in ids:
        if sample in seen:
            raise ValueError(f"{path}: expected one row per sample, got duplicate sample_id "
                             f"{sample!r}")
        seen.add(sample)


def read_covariate_table(path: str | Path, names) -> SampleTable:
    """Covariate columns ``names`` (a tuple, see ``design.parse_covar_names``) of a
    phenotype table, float64, by sample id. Rows with a missing covariate are dropped
    (complete cases, as plink2 does)."""
    path = Path(path)
    columns = read_columns(path)
    id_col = id_column(columns, path)
    missing = [n for n in names if n not in columns]
    if missing:
        raise ValueError(f"{path}: expected covariate columns {missing}, got {list(columns)}")
    for name in names:
        if not _numeric(columns[name]):
            raise ValueError(f"{path}: expected numeric covariate {name!r}, got text")
    values = (np.column_stack([columns[n].astype(np.float64) for n in names]) if names
              else np.empty((len(columns[id_col]), 0)))
    complete = ~np.isnan(values).any(axis=1)
    return SampleTable(columns[id_col][complete], tuple(names), values[complete])

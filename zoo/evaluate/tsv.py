"""Fast tab-separated output: a GWAS table has K × variants rows, and pandas' ``to_csv``
spends seconds formatting them, longer than the scan. pyarrow's writer is used when
installed (``regzoo[parquet]``), pandas otherwise."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_tsv"]


def write_tsv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` (no index) as TSV; missing values are written as ``NA`` like plink2."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import pyarrow as pa
        from pyarrow import csv
    except ImportError:
        frame.to_csv(path, sep="\t", index=False, na_rep="NA")
        return path
    table = pa.Table.from_pandas(frame, preserve_index=False)
    options = csv.WriteOptions(delimiter="\t", quoting_style="none")
    # pyarrow writes nulls as empty fields; NaN floats as "nan" — make both plink2's NA.
    frame_na = frame.copy()
    float_cols = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    if any(frame_na[c].isna().any() for c in float_cols):
        frame_na[float_cols] = frame_na[float_cols].astype(object).where(
            frame_na[float_cols].notna(), "NA")
        frame_na[float_cols] = frame_na[float_cols].astype(str)
        table = pa.Table.from_pandas(frame_na, preserve_index=False)
    csv.write_csv(table, path, write_options=options)
    return path

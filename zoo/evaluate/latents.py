"""Latent tables in the ml4h layout: ``hidden_{tensor}_{id}.tsv``.

A latent table has one row per sample: either ``sample_id latent_0 … latent_{D-1}``
(what ml4h's ``infer_hidden_layer`` writes) or PLINK style ``FID IID latent_…``. Parquet
files with the same columns are read and written as well. In memory a latent table is a
``pandas.DataFrame`` indexed by ``sample_id`` (as strings, so ids match PLINK's IID column)
with one float64 column per latent dimension.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fastio.safefs import atomic_output
from zoo.evaluate.sampletable import id_column, read_latent_table

__all__ = ["read_latents", "write_latents", "align_samples", "read_table", "read_phenotypes"]

_PARQUET = (".parquet", ".pq")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a TSV/CSV/Parquet table with every column as text-or-number, ids as strings."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: file not found")
    if path.suffix.lower() in _PARQUET:
        frame = pd.read_parquet(path)
    else:
        sep = "," if path.suffix.lower() == ".csv" else "\t"
        frame = pd.read_csv(path, sep=sep, dtype={"sample_id": str, "IID": str, "FID": str})
    frame.columns = [str(c) for c in frame.columns]
    return frame


def read_phenotypes(path: str | Path) -> pd.DataFrame:
    """A phenotype table (``sample_id`` or PLINK ``FID IID`` columns) indexed by sample id,
    the id columns dropped."""
    path = Path(path)
    frame = read_table(path)
    ids = frame[id_column(frame.columns, path)].astype(str)
    return frame.set_index(ids).drop(columns=[c for c in ("sample_id", "FID", "#FID", "IID", "#IID")
                                              if c in frame.columns])


def read_latents(path: str | Path) -> pd.DataFrame:
    """Read a latent table; returns float64 columns ``latent_*`` indexed by ``sample_id``.

    Columns named ``latent_*`` are the latent dimensions; if there are none, every numeric
    column besides the ids is taken. Duplicate ids and non-finite values are errors (see
    ``sampletable.read_latent_table``, the reader without pandas).
    """
    return read_latent_table(path).to_frame()


def write_latents(latents: pd.DataFrame, path: str | Path, *, plink_ids: bool = False) -> Path:
    """Write a latent table (indexed by sample id, one column per dimension) as TSV
    (ml4h's header) or Parquet (by suffix), to a temp name renamed into place: never half
    a table, never through a symlink planted at ``path``. The one writer of latent
    tables (``zoo infer``, ``zoo embed``, the comparisons).

    ``plink_ids=True`` writes ``FID IID`` (both the sample id) instead of ``sample_id``.
    TSV values are written in full (shortest round-trip text), so reading the table back
    gives the same float64 values.
    """
    path = Path(path)
    frame = latents.copy()
    frame.index = frame.index.astype(str)
    ids = frame.index.to_numpy()
    frame = frame.reset_index(drop=True)
    if plink_ids:
        frame.insert(0, "IID", ids)
        frame.insert(0, "FID", ids)
    else:
        frame.insert(0, "sample_id", ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        if path.suffix.lower() in _PARQUET:
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, sep="\t", index=False)
    return path


def align_samples(*frames: pd.DataFrame, order: pd.Index | None = None) -> list[pd.DataFrame]:
    """Restrict frames indexed by sample id to their common samples, in one shared order.

    The order is ``order`` (e.g. the .fam file's) filtered to the common ids, otherwise the
    first frame's order.
    """
    if not frames:
        raise ValueError("Expected at least one table to align, got none")
    common = frames[0].index
    for frame in frames[1:]:
        common = common.intersection(frame.index, sort=False)
    base = frames[0].index if order is None else pd.Index(order.astype(str))
    keep = base[base.isin(common)]
    return [frame.loc[keep] for frame in frames]

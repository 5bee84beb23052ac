"""Train / valid / test splits that are stable by sample id.

A sample's split is a pure function of ``(seed, sample id)``: the id is hashed to a
number in [0, 1) and compared with the ratios. Adding or removing other samples never
moves a sample, and the same cohort gets the same split on every machine. Alternatively
the splits come from id CSV files (ml4h's ``--train_csv``-style lists).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

__all__ = ["SPLITS", "split_ids", "split_fraction", "read_id_csv"]

SPLITS = ("train", "valid", "test")


def split_fraction(sample_id: str, seed: int = 0) -> float:
    """The id's position in [0, 1): the first 8 bytes of blake2b(seed, id)."""
    digest = hashlib.blake2b(f"{int(seed)}\x1f{sample_id}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _check_ratios(valid_ratio: float, test_ratio: float) -> None:
    for name, value in (("valid_ratio", valid_ratio), ("test_ratio", test_ratio)):
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"Expected {name} in [0, 1], got {value!r}")
    if valid_ratio + test_ratio > 1.0:
        raise ValueError(f"Expected valid_ratio + test_ratio <= 1, got {valid_ratio} + {test_ratio}")


def read_id_csv(path: str | os.PathLike) -> list[str]:
    """Sample ids from a CSV/TSV: the ``sample_id`` column if there is one (also
    ``IID``/``FID`` genetics style), else the first column. A header row of a single
    id-less column is detected by name."""
    import pandas as pd

    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            first_line = handle.readline()
        # pandas' delimiter sniffer guesses letters for one-column files: decide ourselves.
        sep = "\t" if "\t" in first_line else ("," if "," in first_line else r"\s+")
        frame = pd.read_csv(path, sep=sep, dtype=str, engine="python" if sep == r"\s+" else "c")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: expected a CSV of sample ids: {exc}") from exc
    for column in ("sample_id", "IID", "sample", "id"):
        if column in frame.columns:
            return [str(v) for v in frame[column].dropna()]
    # No recognised header: treat the header line as the first id.
    first = str(frame.columns[0])
    return [first] + [str(v) for v in frame.iloc[:, 0].dropna()]


def split_ids(
    sample_ids: Iterable[str],
    valid_ratio: float = 0.1,
    test_ratio: float = 0.1,
    seed: int = 0,
    *,
    csvs: Mapping[str, str | os.PathLike] | None = None,
) -> dict[str, list[str]]:
    """Assign every id to ``train``, ``valid`` or ``test`` (input order kept per split).

    By hash: fraction < test_ratio → test; < test_ratio + valid_ratio → valid; else train.
    With ``csvs`` (split name → id file): listed ids go to that split; unlisted ids go to
    ``train`` when no train list is given, otherwise they are left out. An id listed in
    two files is an error."""
    ids = [str(s) for s in sample_ids]
    if csvs:
        unknown = set(csvs) - set(SPLITS)
        if unknown:
            raise ValueError(f"Expected split names among {SPLITS}, got {sorted(unknown)}")
        where: dict[str, str] = {}
        for split, path in csvs.items():
            for sid in read_id_csv(path):
                if where.get(sid, split) != split:
                    raise ValueError(f"{path}: sample {sid!r} is also listed for split {where[sid]!r}")
                where[sid] = split
        rest = None if "train" in csvs else "train"
        out = {s: [] for s in SPLITS}
        for sid in ids:
            split = where.get(sid, rest)
            if split is not None:
                out[split].append(sid)
        return out
    _check_ratios(valid_ratio, test_ratio)
    fractions = np.array([split_fraction(s, seed) for s in ids])
    labels = np.where(fractions < test_ratio, 2, np.where(fractions < test_ratio + valid_ratio, 1, 0))
    return {name: [s for s, lab in zip(ids, labels) if lab == k] for k, name in enumerate(SPLITS)}

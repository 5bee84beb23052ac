"""``truth.json``: everything the phantom knows and a latent space should rediscover.

Per-subject series are stored column-wise (lists aligned with ``sample_ids``) to keep
the file small; values are rounded to 6 significant digits.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fastio.safefs import atomic_write_text
from zoo.modalities import DROPFUSE
from zoo.registration.methods import METHODS

__all__ = ["REGISTRATION_METHODS", "load_truth", "write_truth", "series", "TRUTH_FORMAT",
           "nuisance_as_read"]

TRUTH_FORMAT = "regzoo-phantom-truth/1"
# every name a tensor's "registration" list in truth.json may hold: the registered methods
# and DropFuse (fusion while training a pair model); per tensor, see zoo.modalities
REGISTRATION_METHODS = (*METHODS, DROPFUSE)


def series(values, digits: int = 6) -> list:
    """A numpy array as nested lists of floats rounded to ``digits`` significant digits
    (integers stay integers)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iub":
        return arr.tolist()
    if arr.dtype.kind in "US":
        return [str(v) for v in arr.tolist()]
    out = np.asarray(arr, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(out == 0, 0, np.floor(np.log10(np.abs(out))))
    scale = 10.0 ** (digits - 1 - np.nan_to_num(mag))
    return (np.round(out * scale) / scale).tolist()


def write_truth(path: str | Path, truth: dict) -> Path:
    return atomic_write_text(path, json.dumps(truth, separators=(",", ":")))


_REQUIRED = ("format", "sample_ids", "factors", "causal_variants", "modalities", "nuisance", "missing")


def load_truth(path: str | Path) -> dict:
    """Read a phantom cohort's ``truth.json`` (or the cohort directory holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "truth.json"
    if not path.is_file():
        raise ValueError(f"{path}: expected a phantom truth.json file, found none")
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: expected JSON, got a parse error: {exc}") from exc
    missing = [k for k in _REQUIRED if k not in truth]
    if missing:
        raise ValueError(f"{path}: expected truth keys {list(_REQUIRED)}, missing {missing}")
    if truth["format"] != TRUTH_FORMAT:
        raise ValueError(f"{path}: expected format {TRUTH_FORMAT!r}, got {truth['format']!r}")
    return truth


def nuisance_as_read(truth: dict, tensor: str, key: str, sample_ids, rule: str) -> np.ndarray:
    """A tensor's nuisance ``key`` per sample id, at the visit a reader with instance rule
    ``rule`` reads: ``first`` the primary visit; ``last`` the repeat visit for subjects
    that have one (DXA, as ml4h reads it), else the primary."""
    if rule not in ("first", "last"):
        raise ValueError(f"Expected instance rule 'first' or 'last', got {rule!r}")
    ids = truth["sample_ids"]
    inst = truth["instances"]
    out = np.asarray(truth["nuisance"][inst["primary"]][tensor][key], dtype=np.float64)
    out = out[[ids.index(s) for s in sample_ids]]
    if rule == "last":
        rep = truth["nuisance"][inst["repeat"]]
        values = np.asarray(rep[tensor][key], dtype=np.float64)
        where = {s: j for j, s in enumerate(rep["sample_ids"])}
        for row, sid in enumerate(sample_ids):
            if sid in where:
                out[row] = values[where[sid]]
    return out

"""Registration quality on the phantom, against the nuisance it knows.

For a tensor in the store: the share of its main variation (top principal components,
variance-weighted adjusted R²) that the known nuisance explains, and the share the true
factors explain. A registration that removes its nuisance lowers the first from source to
output and, by exposing the anatomy, raises the second.
"""
from __future__ import annotations

import numpy as np

from zoo.phantom.diagnostics import pc_r2

__all__ = ["nuisance_design", "tensor_matrix", "explained_shares"]

N_COMPONENTS = 10


def nuisance_design(truth: dict, tensor: str, sample_ids) -> np.ndarray | None:
    """The known nuisance of ``tensor`` as regression variables (subjects × variables) for
    ``sample_ids``, or None when the phantom drew none (strength 0, or no pose nuisance)."""
    primary = truth["nuisance"][truth["instances"]["primary"]].get(tensor)
    if not primary:
        return None
    order = {sid: i for i, sid in enumerate(truth["sample_ids"])}
    rows = np.array([order[s] for s in sample_ids])

    def col(key):
        return np.asarray(primary[key], np.float64).reshape(len(truth["sample_ids"]), -1)[rows]

    parts = []
    if tensor == "t1_slice_80":
        parts = [col("rotation_deg"), col("shift_fraction")]
    elif tensor == "dxa_12":
        parts = [col("corner_offsets")]
    elif tensor in ("ecg_rest", "lax_4ch_heart_center"):
        phase = 2 * np.pi * col("start_phase")
        parts = [np.sin(phase), np.cos(phase)]
        parts += [col("hrv_amplitude"), col("wander_uv")] if tensor == "ecg_rest" else [
            col("rotation_deg"), col("shift_mm")]
    if not parts:
        return None
    design = np.column_stack(parts)
    design = design[:, design.std(axis=0) > 1e-9]
    return design if design.shape[1] else None


def tensor_matrix(store, tensor: str) -> tuple[list[str], np.ndarray]:
    """Sample ids and (subjects × values) float32 of the present rows of a store tensor."""
    present = np.flatnonzero(store.present(tensor))
    if not present.size:
        raise ValueError(f"{store.path}: tensor {tensor} has no present samples")
    arr = np.asarray(store[tensor][:], dtype=np.float32)[present]
    return [store.sample_ids[i] for i in present], arr.reshape(len(present), -1)


def explained_shares(store, tensor: str, truth: dict, nuisance_of: str) -> dict:
    """``nuisance_r2`` (of ``nuisance_of``'s known nuisance) and ``factor_r2`` of a tensor."""
    ids, x = tensor_matrix(store, tensor)
    order = {sid: i for i, sid in enumerate(truth["sample_ids"])}
    rows = np.array([order[s] for s in ids])
    factors = np.column_stack([np.asarray(v, np.float64)[rows] for v in truth["subjects"]["factors"].values()])
    design = nuisance_design(truth, nuisance_of, ids)
    return {"tensor": tensor, "n": len(ids),
            "nuisance_r2": None if design is None else pc_r2(x, design, N_COMPONENTS),
            "factor_r2": pc_r2(x, factors, N_COMPONENTS)}

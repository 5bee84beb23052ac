"""``preview.png``: every modality of a few subjects, read back from their HDF5 files."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from fastio.catalogue import ECG_LEADS
from fastio.safefs import atomic_output
from fastio.spec import pick_instance

__all__ = ["write_preview"]

_COLUMNS = (
    ("dxa_2", "/ukb_dxa/dxa_1_2"), ("dxa_5", "/ukb_dxa/dxa_1_5"), ("dxa_11", "/ukb_dxa/dxa_1_11"),
    ("dxa_12", "/ukb_dxa/dxa_1_12"), ("ECG strip II", "/ukb_ecg_rest/strip_II"),
    ("median beats", "/ukb_ecg_rest/median_"), ("cine frame 0", "/ukb_cardiac_mri/cine_segmented_lax_4ch/2"),
    ("cine mid-cycle", "/ukb_cardiac_mri/cine_segmented_lax_4ch/2"),
    ("T1 native", "/ukb_brain_mri/T1/axial_80"),
    ("T1 MNI", "/ukb_brain_mri/T1_brain_to_MNI/axial_80"),
)


def _read(f: h5py.File, group: str):
    if group not in f:
        return None
    return f[group][pick_instance(f[group].keys(), "first")][()]


def write_preview(cohort, n_subjects: int = 4, path: str | Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    path = Path(path or cohort.preview_png)
    ids = list(cohort.sample_ids)[:n_subjects]
    fig, axes = plt.subplots(len(ids), len(_COLUMNS), figsize=(2.0 * len(_COLUMNS), 2.2 * len(ids)), squeeze=False)
    for r, sid in enumerate(ids):
        with h5py.File(cohort.hd5_path(sid), "r") as f:
            for c, (title, group) in enumerate(_COLUMNS):
                ax = axes[r, c]
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title(title, fontsize=9)
                if c == 0:
                    ax.set_ylabel(sid, fontsize=8)
                if title == "median beats":
                    leads = [_read(f, group + lead) for lead in ECG_LEADS]
                    if leads[0] is None:
                        ax.text(0.5, 0.5, "missing", ha="center", transform=ax.transAxes)
                        continue
                    for lead, y in zip(ECG_LEADS, leads):
                        ax.plot(y, lw=0.6, label=lead)
                    if r == 0:
                        ax.legend(fontsize=4, ncol=2, loc="upper right")
                    continue
                x = _read(f, group)
                if x is None:
                    ax.text(0.5, 0.5, "missing", ha="center", transform=ax.transAxes)
                    continue
                if x.ndim == 1:
                    ax.plot(np.arange(len(x)), x, lw=0.5)
                    continue
                if title.startswith("cine"):
                    x = x[..., 0 if "0" in title else x.shape[-1] // 2]
                ax.imshow(np.squeeze(x), cmap="gray", aspect="auto" if title.startswith("dxa_1") else "equal")
    fig.suptitle(f"phantom cohort ({cohort.scale} scale): first {len(ids)} subjects, instance 'first'", fontsize=10)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=80, format="png")
    plt.close(fig)
    return path

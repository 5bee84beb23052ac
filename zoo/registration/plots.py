"""Before/after pictures of a registration, so a person can see what it did."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fastio.safefs import atomic_output

__all__ = ["before_after"]


def _first_present(store, tensor, out, k):
    both = store.present(tensor) & store.present(out)
    return np.flatnonzero(both)[:k]


def _image(x):
    x = np.asarray(x)
    return x if x.ndim == 2 else x.mean(axis=-1) if x.shape[-1] > 3 else x[..., 0]


def before_after(store, tensor: str, out: str, method: str, path, n_subjects: int = 4, template=None):
    """Write a PNG comparing ``tensor`` and ``out`` for the first few subjects; returns its path
    (None when no subject has both)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = _first_present(store, tensor, out, n_subjects)
    if not len(rows):
        return None
    ids = store.sample_ids
    before = np.stack([np.asarray(store[tensor][int(r)]) for r in rows])
    after = np.stack([np.asarray(store[out][int(r)]) for r in rows])
    path = Path(path)
    if method == "median_beat":
        fig, axes = plt.subplots(2, len(rows), figsize=(3.2 * len(rows), 5), squeeze=False)
        lead = 1 if before.shape[-1] > 1 else 0  # lead II, where the R wave is tallest
        for j, r in enumerate(rows):
            axes[0, j].plot(before[j][:, lead], lw=0.6)
            name = "II" if before.shape[-1] == 12 else str(lead)
            axes[0, j].set_title(f"{ids[r]}: strip, lead {name}", fontsize=8)
            axes[1, j].plot(after[j], lw=0.6)
            axes[1, j].axvline(round(after.shape[1] / 3), color="k", ls=":", lw=0.8)
            axes[1, j].set_title("median beat, 12 leads (R at dotted line)", fontsize=8)
    elif method == "deepcycle":
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), squeeze=False)
        for j, r in enumerate(rows):
            for k, data in enumerate((before, after)):
                curve = data[j].reshape(-1, data.shape[-1]).std(axis=0)
                axes[0, k].plot(curve, label=str(ids[r]))
        axes[0, 0].set_title("frame-wise contrast, before (each cine starts anywhere)", fontsize=8)
        axes[0, 1].set_title("after DeepCycle (rolled to a common phase)", fontsize=8)
        axes[0, 1].legend(fontsize=6)
    else:
        extra = template is not None
        n_rows = 3 + int(extra)
        fig, axes = plt.subplots(n_rows, len(rows), figsize=(2.4 * len(rows), 2.4 * n_rows), squeeze=False)
        for j, r in enumerate(rows):
            b, a = _image(before[j]), _image(after[j])
            axes[0, j].imshow(b, cmap="gray")
            axes[0, j].set_title(f"{ids[r]} before", fontsize=8)
            axes[1, j].imshow(a, cmap="gray")
            axes[1, j].set_title(f"after ({method})", fontsize=8)
            axes[2, j].imshow(a - b, cmap="RdBu")
            axes[2, j].set_title("after - before", fontsize=8)
            if extra:
                axes[3, j].imshow(_image(template), cmap="gray")
                axes[3, j].set_title("template", fontsize=8)
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(f"{tensor} -> {out} ({method})", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=80, format="png")
    plt.close(fig)
    return path

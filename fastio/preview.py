"""A picture of what a store holds: per tensor, a few present samples (images as images,
signals as stacked channel traces) and the value histogram — what a person checks first
after a conversion."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["plot_store"]


def _show(ax, x: np.ndarray, title: str) -> None:
    ax.set_title(title, fontsize=8)
    if x.ndim == 3 and x.shape[-1] > 4:
        x = x[..., x.shape[-1] // 2:x.shape[-1] // 2 + 1]  # a cine: its middle frame
    if x.ndim == 3:
        ax.imshow(x[..., 0], cmap="gray", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    elif x.ndim == 2:
        # Channels stacked with a fixed offset, like an ECG printout.
        spread = float(np.percentile(np.abs(x), 99)) or 1.0
        for c in range(x.shape[1]):
            ax.plot(x[:, c] - 2.5 * spread * c, lw=0.4)
        ax.set_yticks([])
    else:
        ax.plot(np.ravel(x), lw=0.5)


def plot_store(store, out: str | os.PathLike, n_samples: int = 3, tensors=None) -> Path:
    """Write a PNG with ``n_samples`` present samples and a histogram per tensor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(tensors or store.tensors)
    if not names:
        raise ValueError(f"{store.path}: no tensors to plot")
    fig, axes = plt.subplots(len(names), n_samples + 1, figsize=(3 * (n_samples + 1), 2.6 * len(names)),
                             squeeze=False)
    for i, name in enumerate(names):
        rows = np.flatnonzero(store.present(name))[:n_samples]
        for j in range(n_samples):
            ax = axes[i, j]
            if j < rows.size:
                _show(ax, np.asarray(store[name][int(rows[j])]), f"{name} · {store.sample_ids[rows[j]]}")
            else:
                ax.axis("off")
        hist = axes[i, -1]
        if rows.size:
            values = np.concatenate([np.ravel(store[name][int(r)]) for r in rows])
            hist.hist(values, bins=60, color="0.3")
        s = store.stats(name)
        hist.set_title(f"{name}: values of shown samples\nstore mean {s.get('mean', float('nan')):.3g}, "
                       f"sd {s.get('std', float('nan')):.3g}", fontsize=8)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out

"""Figures a person looks at after a run: the learning curve and reconstructions."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from fastio.safefs import atomic_output

__all__ = ["plot_learning_curve", "plot_reconstructions", "display_image"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_learning_curve(history: Mapping[str, Sequence[float]], path: Path, title: str) -> Path:
    """Every loss in the Keras history, training solid and validation dashed, log scale
    when all values are positive."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    # reconstruction losses, the total, and each pair loss (logged under its layer name)
    keys = sorted(k for k in history if (k.endswith("loss") or k.startswith("pair_")) and not k.startswith("val_"))
    for key in keys:
        (line,) = ax.plot(np.arange(1, len(history[key]) + 1), history[key], label=key)
        if f"val_{key}" in history:
            ax.plot(np.arange(1, len(history[f"val_{key}"]) + 1), history[f"val_{key}"], "--",
                    color=line.get_color(), label=f"val_{key}")
    # validation-only losses (DropFuse's trained objective, val_dropfuse_loss), dotted
    alone = sorted(k for k in history if k.startswith("val_") and k.endswith("loss") and k[4:] not in history)
    for key in alone:
        ax.plot(np.arange(1, len(history[key]) + 1), history[key], ":", color="black", label=key)
    values = ([v for k in keys for v in history[k]] + [v for k in keys for v in history.get(f"val_{k}", [])]
              + [v for k in alone for v in history[k]])
    if values and min(values) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    return path


def display_image(sample: np.ndarray) -> np.ndarray:
    """A 2-D picture of one sample: the image itself; the first frame of a cine (frames
    are channels); the middle slice of a volume."""
    if sample.ndim == 3:
        return sample[..., 0]
    if sample.ndim == 4:
        return sample[:, :, sample.shape[2] // 2, 0]
    raise ValueError(f"Expected an image sample of rank 3 or 4, got shape {sample.shape}")


def plot_reconstructions(columns: Mapping[str, np.ndarray], ids: Sequence[str], path: Path, title: str) -> Path:
    """One row per sample, one column per named array (e.g. ``input``, ``reconstruction``,
    ``from dxa_5``). Signals (rank 2 per sample) are drawn as traces of their first
    three channels, everything else as grey images."""
    plt = _pyplot()
    names = list(columns)
    n = len(ids)
    fig, axes = plt.subplots(n, len(names), figsize=(3 * len(names), 2.6 * n), squeeze=False)
    for i in range(n):
        for j, name in enumerate(names):
            ax = axes[i, j]
            sample = np.asarray(columns[name][i])
            if sample.ndim == 2:
                for c in range(min(3, sample.shape[-1])):
                    ax.plot(sample[:, c], linewidth=0.7)
            else:
                ax.imshow(display_image(sample), cmap="gray")
                ax.set_xticks([])
                ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=9)
            if j == 0:
                ax.set_ylabel(str(ids[i]), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)
    return path

"""The report's figures: Table 2 as a forest plot, the nuisance sweep, the LD decay, learning curves."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["forest_plot", "sweep_plot", "ld_plot", "learning_curves_plot"]


def _figure(width, height, ncols: int = 1):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, *plt.subplots(1, ncols, figsize=(width, height))


def forest_plot(table2: pd.DataFrame, path: Path, metric: str = "own_r2") -> Path:
    """Δ (method − baseline) with its 95 % interval per pair; the oracle drawn hollow."""
    plt, fig, ax = _figure(8, 0.45 * len(table2) + 1.5)
    y = np.arange(len(table2))[::-1]
    for yi, row in zip(y, table2.itertuples()):
        diff, lo, hi = getattr(row, f"{metric}_diff"), getattr(row, f"{metric}_lo"), getattr(row, f"{metric}_hi")
        if diff is None or not np.isfinite(diff):
            continue
        colour = "tab:grey" if row.oracle else ("tab:blue" if row.modality in ("brain", "dxa") else "tab:red")
        ax.plot([lo, hi], [yi, yi], color=colour)
        ax.plot(diff, yi, "o", color=colour, mfc="white" if row.oracle else colour)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y, [f"{r.method}: {r.b}" + (" [oracle]" if r.oracle else "") for r in table2.itertuples()],
                  fontsize=8)
    ax.set_xlabel("Δ own-trait R² (method − baseline), 95 % CI")
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def sweep_plot(sweep: pd.DataFrame, path: Path, main_level: float) -> Path:
    """Registered − native own-trait R² against nuisance strength, one line per pair."""
    plt, fig, ax = _figure(7, 4.2)
    for label, part in sweep.groupby("label", sort=False):
        part = part.sort_values("level")
        line, = ax.plot(part["level"], part["diff"], "o-", label=label)
        ax.fill_between(part["level"], part["lo"], part["hi"], color=line.get_color(), alpha=0.15)
    ax.axhline(0, color="k", lw=0.8)
    ax.axvline(main_level, color="grey", ls=":", lw=1)
    ax.set_xlabel("phantom nuisance strength (0: none — the negative control)")
    ax.set_ylabel("Δ own-trait R² (registered − native)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def ld_plot(decay: dict, window: int, path: Path) -> Path:
    plt, fig, ax = _figure(6, 3.5)
    frame = pd.DataFrame(decay)
    frame = frame[frame["n_pairs"] > 0]
    ax.plot((frame["lo"] + frame["hi"]) / 2e3, frame["mean_r2"], "o-", ms=3)
    ax.axvline(window / 1e3, color="tab:red", ls="--", label=f"window {window / 1e3:.0f} kb")
    ax.set_xlabel("distance (kb)")
    ax.set_ylabel("mean r²")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def learning_curves_plot(rows, modality_of_model: dict, path: Path, cap: int) -> Path:
    """Mean validation loss per epoch of each model (over its seeds), one panel per
    modality, log scale; dashed: a DropFuse pair model."""
    modalities = list(dict.fromkeys(modality_of_model[r.model] for r in rows))
    plt, fig, axes = _figure(3.6 * len(modalities), 3.4, ncols=len(modalities))
    axes = np.atleast_1d(axes)
    for ax, modality in zip(axes, modalities):
        for r in rows:
            if modality_of_model[r.model] != modality:
                continue
            curve = r.mean_curve()
            ax.plot(np.arange(1, len(curve) + 1), curve, "--" if r.model.startswith("dropfuse_") else "-",
                    label=r.model.removeprefix("ae_"))
        ax.axvline(cap, color="grey", ls=":", lw=1)
        ax.set_yscale("log")
        ax.set_title(modality)
        ax.set_xlabel("epoch")
        ax.legend(fontsize=6)
    axes[0].set_ylabel("validation loss (mean over seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path

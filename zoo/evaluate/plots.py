"""Figures: Manhattan, QQ and the paper-style R²/AUROC bar chart.

Figures are drawn on matplotlib's Agg canvas directly (``Figure`` + ``FigureCanvasAgg``),
so nothing changes the process-wide backend and no display is needed.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from fastio.safefs import atomic_output
from zoo.evaluate.defaults import GENOME_WIDE

__all__ = ["manhattan_plot", "qq_plot", "score_bar_chart"]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=120, format=path.suffix.lstrip(".") or "png")
    return path


def _chrom_order(chrom: np.ndarray) -> list[str]:
    def key(c: str):
        return (0, int(c), "") if c.isdigit() else (1, 0, c)
    return sorted(dict.fromkeys(chrom.tolist()), key=key)


def manhattan_plot(variants, p: np.ndarray, path: str | Path, *,
                   threshold: float = GENOME_WIDE, title: str = "", loci=None
                   ) -> Path:
    """−log10 p along the genome, chromosomes side by side; ``loci`` leads are marked.
    ``variants`` and ``loci``: DataFrames or ``ColumnTable``s (read through ``np.asarray``:
    ``zoo gwas`` draws without pandas)."""
    p = np.asarray(p, np.float64)
    chrom = np.asarray(variants["#CHROM"]).astype(str)
    pos = np.asarray(variants["POS"], np.float64)
    x = np.empty_like(pos)
    offset, ticks, labels = 0.0, [], []
    for c in _chrom_order(chrom):
        sel = chrom == c
        x[sel] = pos[sel] - pos[sel].min() + offset
        ticks.append(offset + (pos[sel].max() - pos[sel].min()) / 2)
        labels.append(c)
        offset += pos[sel].max() - pos[sel].min() + max(1.0, 0.02 * (pos.max() - pos.min()))
    y = -np.log10(np.clip(p, 1e-300, 1.0))
    fig = _figure(10, 3.5)
    ax = fig.add_subplot()
    index = {c: i for i, c in enumerate(labels)}
    order = np.array([index[c] for c in chrom])
    ok = np.isfinite(y)
    # Above 200,000 variants, draw every signal (p < 0.01) but only an even subset of the
    # flat background: the picture is the same and a million-point scatter takes minutes.
    background = np.flatnonzero(ok & (y < 2))
    if background.size > 200_000:
        ok[background[np.arange(background.size) % (background.size // 200_000 + 1) != 0]] = False
    for parity, colour in ((0, "#8c9fbf"), (1, "#4c72b0")):   # alternate chromosome shades
        sel = ok & (order % 2 == parity)
        ax.scatter(x[sel], y[sel], s=3, color=colour, rasterized=True, linewidths=0)
    ax.axhline(-np.log10(threshold), color="#c44e52", lw=0.8, ls="--")
    if loci is not None and len(loci):
        idx = np.asarray(loci["INDEX"], np.int64)
        ax.scatter(x[idx], y[idx], s=18, facecolors="none", edgecolors="#c44e52", lw=1)
    ax.set_xticks(ticks, labels, fontsize=7)
    ax.set_xlabel("chromosome")
    ax.set_ylabel("−log10 p")
    ax.set_title(title)
    return _save(fig, path)


def qq_plot(p: np.ndarray, path: str | Path, *, title: str = "", lambda_gc: float | None = None
            ) -> Path:
    """Observed vs expected −log10 p, with a 95 % band for uniform p-values."""
    # beta quantiles from scipy's ufuncs: neither scipy.stats (~1 s) nor scipy.special's
    # package import
    from zoo.evaluate.pvalues import special

    p = np.sort(np.asarray(p, np.float64).ravel())
    p = p[np.isfinite(p)]
    n = p.size
    if n == 0:
        raise ValueError("Expected p-values to plot, got none finite")
    # Every one of the smallest 2,000 p-values, log-spaced ranks beyond: a QQ plot of
    # millions of tests looks the same and draws (and computes its band) in a second.
    rank = np.unique(np.concatenate([np.arange(1, min(n, 2000) + 1),
                                     np.geomspace(1, n, 4000).round().astype(np.int64)]))
    expected = -np.log10(rank / (n + 1))
    fig = _figure(4.5, 4.5)
    ax = fig.add_subplot()
    lo = -np.log10(special.betaincinv(rank, n - rank + 1, 0.975))   # = beta.ppf(0.975, …)
    hi = -np.log10(special.betaincinv(rank, n - rank + 1, 0.025))
    ax.fill_between(expected, lo, hi, color="#dddddd", lw=0)
    ax.scatter(expected, -np.log10(np.clip(p[rank - 1], 1e-300, 1)), s=4, color="#4c72b0",
               rasterized=True)
    top = expected.max()
    ax.plot([0, top], [0, top], color="#c44e52", lw=0.8)
    ax.set_xlabel("expected −log10 p")
    ax.set_ylabel("observed −log10 p")
    label = title + (f"  λ_GC = {lambda_gc:.3f}" if lambda_gc is not None else "")
    ax.set_title(label.strip())
    return _save(fig, path)


def score_bar_chart(summary, path: str | Path, *, title: str = "") -> Path:
    """Grouped bars: mean R² (continuous) / AUROC (binary) per phenotype and latent space,
    error bars ± 2 SD over the splits — the layout of the paper's comparison figure."""
    need = {"space", "phenotype", "metric", "mean", "sd"}
    if not need <= set(summary.columns):
        raise ValueError(f"Expected summary columns {sorted(need)}, got {list(summary.columns)}")
    panels = [m for m in ("r2", "auroc") if (summary["metric"] == m).any()]
    spaces = list(dict.fromkeys(summary["space"]))
    n_bars = summary["phenotype"].nunique() * max(1, len(spaces))
    fig = _figure(min(16.0, max(5.0, 0.35 * n_bars + 2)), 3.2 * len(panels))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    width = 0.8 / max(len(spaces), 1)
    colours = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3"]
    for ax, metric in zip(axes, panels):
        part = summary[summary["metric"] == metric]
        phenos = list(dict.fromkeys(part["phenotype"]))
        for i, space in enumerate(spaces):
            rows = part[part["space"] == space].set_index("phenotype").reindex(phenos)
            xs = np.arange(len(phenos)) + (i - (len(spaces) - 1) / 2) * width
            ax.bar(xs, rows["mean"], width, yerr=2 * rows["sd"].fillna(0), capsize=2,
                   label=space, color=colours[i % len(colours)])
        ax.set_xticks(np.arange(len(phenos)), phenos, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("R² (held out)" if metric == "r2" else "AUROC (held out)")
        if metric == "auroc":
            ax.axhline(0.5, color="grey", lw=0.6, ls=":")
        ax.legend(fontsize=7, ncols=min(len(spaces), 4))
    axes[0].set_title(title)
    return _save(fig, path)

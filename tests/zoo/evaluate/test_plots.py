"""Figures are written, non-empty, and reject malformed input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.plots import manhattan_plot, qq_plot, score_bar_chart


def test_figures(tmp_path):
    rng = np.random.default_rng(0)
    variants = pd.DataFrame({"#CHROM": np.repeat(["1", "2", "10", "X"], 50),
                             "POS": np.tile(np.arange(50) * 1000, 4), "ID": [f"v{i}" for i in range(200)]})
    p = rng.uniform(size=200)
    p[7] = 1e-12
    loci = pd.DataFrame({"INDEX": [7]})
    for path in (manhattan_plot(variants, p, tmp_path / "m.png", loci=loci, title="t"),
                 qq_plot(p, tmp_path / "q.png", lambda_gc=1.01)):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000
    summary = pd.DataFrame({"space": ["a", "b", "a", "b"], "phenotype": ["bmi", "bmi", "af", "af"],
                            "metric": ["r2", "r2", "auroc", "auroc"], "mean": [0.3, 0.2, 0.7, 0.6],
                            "sd": [0.01, 0.02, 0.03, np.nan]})
    assert score_bar_chart(summary, tmp_path / "s.png").stat().st_size > 5_000
    with pytest.raises(ValueError, match="summary columns"):
        score_bar_chart(summary.drop(columns="sd"), tmp_path / "x.png")
    with pytest.raises(ValueError, match="p-values"):
        qq_plot([np.nan], tmp_path / "y.png")

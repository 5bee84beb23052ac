"""Render a ``Comparison`` as markdown, JSON and figures in one output directory."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from fastio.safefs import atomic_write_text
from zoo.evaluate.plots import manhattan_plot, qq_plot, score_bar_chart
from zoo.evaluate.tsv import write_tsv

__all__ = ["comparison_markdown", "comparison_json", "write_comparison"]


def _fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{x:.{digits}f}"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def comparison_markdown(comp) -> str:
    """The comparison as a markdown document (tables only; figures are linked)."""
    cv = comp.config.cv
    out = ["# Latent-space comparison", "",
           f"{len(comp.spaces)} latent spaces, {comp.n_samples} samples shared by all; "
           f"{cv.n_splits} random splits at {cv.train_fraction:.0%} train (identical for "
           f"every space); mean ± 2 SD over splits.", "",
           "## Phenotype prediction (held-out R² / AUROC)", ""]
    wide = comp.summary.assign(cell=[f"{m:.3f} ± {2 * s:.3f}" for m, s in
                                     zip(comp.summary["mean"], comp.summary["sd"].fillna(0))])
    phenos = list(pd.unique(wide["phenotype"]))
    rows = []
    for pheno in phenos:
        part = wide[wide["phenotype"] == pheno].set_index("space")
        rows.append([pheno, part["metric"].iloc[0]] + [part.loc[s, "cell"] for s in comp.spaces])
    out += _table(["phenotype", "metric", *comp.spaces], rows)
    means = comp.summary.groupby(["space", "metric"])["mean"].mean().unstack("metric")
    out += _table(["space", *[f"mean {m}" for m in means.columns]],
                  [[s, *[_fmt(means.loc[s, m]) for m in means.columns]] for s in comp.spaces])
    out.append("![scores](scores.png)\n")
    if comp.skipped:
        out += ["Not scored: " + "; ".join(f"{k} ({v})" for k, v in comp.skipped.items()), ""]
    if len(comp.pair_means):
        out += ["## Pairs: mean over phenotypes (A − B ± 2 SD over splits)", ""]
        out += _table(["pair", "metric", "phenotypes", "A", "B", "A − B"],
                      [[r.pair, r.metric, r.n_phenotypes, _fmt(r.mean_a), _fmt(r.mean_b),
                        f"{r.diff:+.3f} ± {2 * (0 if math.isnan(r.diff_sd) else r.diff_sd):.3f}"]
                       for r in comp.pair_means.itertuples()])
    if len(comp.pair_scores):
        out += ["## Pairs: phenotype differences (A − B, paired over splits)", ""]
        rows = [[r.pair, r.phenotype, r.metric, _fmt(r.mean_a), _fmt(r.mean_b),
                 f"{r.diff:+.3f} ± {2 * (0 if math.isnan(r.diff_sd) else r.diff_sd):.3f}"]
                for r in comp.pair_scores.itertuples()]
        out += _table(["pair", "phenotype", "metric", "A", "B", "A − B"], rows)
    if comp.phewas_counts is not None:
        out += ["## PheWAS (score tests, Bonferroni over phenotypes)", ""]
        out += _table(["space", "associated phenotypes", "dimension associations",
                       "α per phenotype", "not tested: null fit failed"],
                      [[r.space, f"{r.n_associated} / {r.n_phenotypes}", r.n_dim_associations,
                        f"{r.bonferroni_alpha:.2g}", r.null_fit_failed or "—"]
                       for r in comp.phewas_counts.itertuples()])
    if comp.gwas is not None:
        out += [f"## Latent GWAS (loci at p < {comp.config.threshold:g}, "
                f"{comp.config.window:,} bp windows; λ_GC and loci over the variants with "
                f"MAF ≥ {comp.config.min_maf:g}; null_rate: the precisions' chance rate, the share "
                "of those variants within a window of a true one)", ""]
        cols = [c for c in ("lambda_gc", "n_variants_counted", "loci_min_p", "loci_manova", "recall_min_p",
                            "precision_min_p", "recall_manova", "precision_manova", "null_rate")
                if c in comp.gwas.columns]
        out += _table(["space", *cols],
                      [[r["space"], *[_fmt(r[c]) for c in cols]] for _, r in comp.gwas.iterrows()])
    if comp.gwas_pairs is not None and len(comp.gwas_pairs):
        out += ["## Pairs: PheWAS and GWAS counts", ""]
        out += _table(["pair", "measure", "A", "B", "A − B", "split-half A − B"],
                      [[r.pair, r.measure, *(_fmt(v if r.measure == "lambda_gc" else int(v))
                                             for v in (r.a, r.b, r.diff)),
                        ", ".join(str(d) for d in r.half_diffs) or "—"]
                       for r in comp.gwas_pairs.itertuples()])
    return "\n".join(out)


def _records(frame):
    if frame is None:
        return None
    return json.loads(frame.to_json(orient="records"))


def comparison_json(comp) -> dict:
    """The comparison as JSON-ready data (every table as a list of records)."""
    loci = {f"{space}/{kind}": _records(frame.drop(columns="INDEX"))
            for (space, kind), frame in comp.loci.items()}
    return {"config": comp.config.to_dict(), "spaces": list(comp.spaces),
            "pairs": [list(p) for p in comp.pairs], "n_samples": comp.n_samples,
            "skipped_phenotypes": comp.skipped,
            "phenotype_summary": _records(comp.summary), "pair_scores": _records(comp.pair_scores),
            "pair_means": _records(comp.pair_means),
            "phewas": _records(comp.phewas), "phewas_counts": _records(comp.phewas_counts),
            "gwas": _records(comp.gwas), "gwas_pairs": _records(comp.gwas_pairs), "loci": loci}


def write_comparison(comp, out_dir: str | Path, *, plots: bool = True) -> dict[str, Path]:
    """``comparison.md``, ``comparison.json``, ``scores.tsv`` and figures in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"markdown": out / "comparison.md", "json": out / "comparison.json"}
    atomic_write_text(files["markdown"], comparison_markdown(comp) + "\n")
    atomic_write_text(files["json"], json.dumps(comparison_json(comp), indent=1))
    files["scores"] = write_tsv(comp.scores, out / "scores.tsv")
    if plots:
        files["scores_png"] = score_bar_chart(comp.summary, out / "scores.png",
                                              title="held-out prediction, mean ± 2 SD")
        for name, result in comp.gwas_results.items():
            safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
            files[f"manhattan_{name}"] = manhattan_plot(
                result.variants, result.min_p(), out / f"manhattan_{safe}.png",
                threshold=comp.config.threshold, loci=comp.loci.get((name, "min_p")),
                title=f"{name}: min p over {len(result.pheno_names)} dims (Bonferroni)")
            files[f"qq_{name}"] = qq_plot(result.p, out / f"qq_{safe}.png", title=name,
                                          lambda_gc=float(comp.gwas.set_index("space")
                                                          .loc[name, "lambda_gc"]))
    return files

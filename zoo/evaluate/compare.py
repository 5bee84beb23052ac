"""The registered-vs-unregistered comparison: every measure for every latent space.

For each latent space (restricted to the samples all spaces share, so every space is
judged on the same people and the same folds): held-out R²/AUROC per phenotype, PheWAS
counts, and — with genotypes — a latent GWAS with λ_GC and loci (per-dimension minimum p
with Bonferroni over K, and MANOVA), recall/precision against ``truth.json``. For each pair
(A, B): per-phenotype differences (paired over splits, mean ± 2 SD), mean R²/AUROC, PheWAS
and loci count differences; loci differences get split-half replicates (the GWAS rerun on
two random halves of the samples, same halves for every space).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from fastio.safefs import output_folder
from zoo.evaluate.defaults import GENOME_WIDE, MIN_MAF, WINDOW
from zoo.evaluate.gwas import GwasConfig, run_gwas
from zoo.evaluate.latents import read_latents, read_phenotypes
from zoo.evaluate.loci import genomic_control, gwas_loci, match_loci, null_rate, read_truth
from zoo.evaluate.phenotypes import (CvConfig, compare_pairs, pair_means, phenotype_kinds, score_latents,
                                     summarise_scores)
from zoo.evaluate.phewas import phewas_counts, phewas_table
from zoo.evaluate.report import write_comparison

__all__ = ["CompareConfig", "Comparison", "build_comparison", "compare", "gwas_measures", "cv_min_class"]

_ID_COLUMNS = {"sample_id", "FID", "IID", "#FID", "#IID"}


@dataclass(frozen=True)
class CompareConfig:
    """Settings of a comparison; ``targets=None`` scores every numeric phenotype column."""

    covar_names: tuple[str, ...] = ()
    targets: tuple[str, ...] | None = None
    cv: CvConfig = field(default_factory=CvConfig)
    gwas: GwasConfig = field(default_factory=lambda: GwasConfig(progress=False))
    threshold: float = GENOME_WIDE
    window: int = WINDOW
    min_maf: float = MIN_MAF
    alpha: float = 0.05
    split_halves: bool = True
    seed: int = 0

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(cv=self.cv.to_dict(), gwas=self.gwas.to_dict(),
                    covar_names=list(self.covar_names),
                    targets=None if self.targets is None else list(self.targets))
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "CompareConfig":
        data = dict(data)
        data["cv"] = CvConfig.from_dict(data.get("cv", {}))
        data["gwas"] = GwasConfig.from_dict(data.get("gwas", {}))
        data["covar_names"] = tuple(data.get("covar_names", ()))
        if data.get("targets") is not None:
            data["targets"] = tuple(data["targets"])
        return cls(**data)


@dataclass(frozen=True, eq=False)
class Comparison:
    """All tables of a comparison; ``report.py`` renders them as markdown, JSON, figures."""

    config: CompareConfig
    spaces: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    n_samples: int
    scores: pd.DataFrame            # per split
    summary: pd.DataFrame           # per space × phenotype: mean, sd, lo, hi
    pair_scores: pd.DataFrame       # per pair × phenotype differences
    pair_means: pd.DataFrame        # per pair × metric: mean R²/AUROC of A and B
    phewas: pd.DataFrame | None     # per space × binary phenotype
    phewas_counts: pd.DataFrame | None
    gwas: pd.DataFrame | None       # per space: λ_GC, loci, recall, precision
    gwas_pairs: pd.DataFrame | None
    gwas_results: dict = field(default_factory=dict, repr=False)   # space -> GwasResult
    loci: dict = field(default_factory=dict, repr=False)           # (space, kind) -> loci
    skipped: dict = field(default_factory=dict)                    # phenotype -> reason


def gwas_measures(result, *, threshold: float, window: int, truth: pd.DataFrame | None,
                  min_maf: float = 0.0) -> tuple[dict, dict]:
    """λ_GC and loci counts (min-p and MANOVA), both over the variants with MAF >=
    ``min_maf``, and, with truth, recall/precision of one GWAS and their chance rate
    (``null_rate``: the share of counted variants within ``window`` bp of a true one)."""
    common = result.common(min_maf)
    loci = gwas_loci(result, threshold=threshold, window=window, min_maf=min_maf)
    # λ_GC on the variants that loci are counted on
    row = {"lambda_gc": genomic_control(result.p[common]), "n_variants_counted": int(common.sum())}
    for kind, frame in loci.items():
        row[f"loci_{kind}"] = int(len(frame))
        if truth is not None:
            score = match_loci(frame, truth, window=window)
            row[f"recall_{kind}"] = score["recall"]
            row[f"precision_{kind}"] = score["precision"]
    if truth is not None:
        row["null_rate"] = null_rate(result.variants, truth, window=window, mask=common)
    return row, loci


def _targets(phenotypes: pd.DataFrame, config: CompareConfig) -> list[str]:
    if config.targets is not None:
        missing = [t for t in config.targets if t not in phenotypes.columns]
        if missing:
            raise ValueError(f"Expected phenotype columns {missing}, got {list(phenotypes.columns)}")
        return list(config.targets)
    return [c for c in phenotypes.columns
            if c not in _ID_COLUMNS and pd.api.types.is_numeric_dtype(phenotypes[c])]


def build_comparison(spaces: dict[str, pd.DataFrame], phenotypes: pd.DataFrame,
                     pairs: list[tuple[str, str]] | None = None, *, bfile: str | None = None,
                     truth: pd.DataFrame | None = None, config: CompareConfig | None = None,
                     progress: bool = True) -> Comparison:
    """Compare latent spaces (name -> table indexed by sample id) on ``phenotypes``."""
    from tqdm.auto import tqdm

    config = config or CompareConfig()
    pairs = [tuple(p) for p in (pairs or [])]
    for a, b in pairs:
        for name in (a, b):
            if name not in spaces:
                raise ValueError(f"pair {a}:{b}: expected latent space {name!r}, got {list(spaces)}")
    missing = [c for c in config.covar_names if c not in phenotypes.columns]
    if missing:
        raise ValueError(f"Expected covariate columns {missing} in the phenotypes, got "
                         f"{list(phenotypes.columns)}")
    common = phenotypes.index
    for frame in spaces.values():
        common = common.intersection(frame.index, sort=False)
    if len(common) < 20:
        raise ValueError(f"Expected at least 20 samples shared by the phenotypes and every "
                         f"latent space, got {len(common)}")
    spaces = {name: frame.loc[common] for name, frame in spaces.items()}
    phenotypes = phenotypes.loc[common]

    targets = _targets(phenotypes, config)
    kinds = phenotype_kinds(phenotypes, targets)
    skipped = {t: "constant or non-numeric" for t in targets if t not in kinds}
    for name, kind in list(kinds.items()):
        values = phenotypes[name].dropna()
        if len(values) < 20:
            skipped[name] = f"{len(values)} samples with a value (need 20)"
        elif kind == "binary" and min((values == 1).sum(), (values == 0).sum()) < cv_min_class(
                config.cv):
            skipped[name] = (f"{int((values == 1).sum())} cases / {int((values == 0).sum())} "
                             f"controls: too few for {config.cv.n_splits} stratified splits")
        if name in skipped:
            del kinds[name]
    if not kinds:
        raise ValueError(f"Expected at least one phenotype to score, got none usable: {skipped}")
    scores = score_latents(spaces, phenotypes, kinds, config.cv, progress=progress)
    summary = summarise_scores(scores)
    pair_scores = compare_pairs(scores, pairs) if pairs else pd.DataFrame()
    means = pair_means(scores, pairs) if pairs else pd.DataFrame()

    covar = phenotypes[list(config.covar_names)].dropna() if config.covar_names else None
    binary = [c for c, k in kinds.items() if k == "binary" and c not in config.covar_names]
    table = counts = None
    if binary:
        table = phewas_table(spaces, phenotypes, binary, covar, alpha=config.alpha)
        counts = phewas_counts(table, config.alpha)

    gwas = gwas_pairs = None
    results, loci = {}, {}
    if bfile is not None:
        rng = np.random.default_rng(config.seed)
        halves = np.array_split(rng.permutation(len(common)), 2) if config.split_halves else []
        rows = []
        for name in tqdm(list(spaces), disable=not progress, desc="latent GWAS"):
            result = run_gwas(bfile, spaces[name], covar, config.gwas)
            row, space_loci = gwas_measures(result, threshold=config.threshold,
                                            window=config.window, truth=truth,
                                            min_maf=config.min_maf)
            for h, half in enumerate(halves):
                part = run_gwas(bfile, spaces[name].iloc[np.sort(half)], covar, config.gwas)
                half_row, _ = gwas_measures(part, threshold=config.threshold,
                                            window=config.window, truth=None,
                                            min_maf=config.min_maf)
                row.update({f"half{h + 1}_{k}": v for k, v in half_row.items()
                            if k.startswith("loci_")})
            rows.append({"space": name, "n_samples": result.n_samples, **row})
            results[name] = result
            loci.update({(name, kind): frame for kind, frame in space_loci.items()})
        gwas = pd.DataFrame(rows)
        gwas_pairs = _gwas_pair_rows(gwas, pairs)
    if pairs and counts is not None:
        by = counts.set_index("space")
        extra = [{"pair": f"{a}:{b}", "measure": measure, "a": int(by.loc[a, measure]),
                  "b": int(by.loc[b, measure]),
                  "diff": int(by.loc[a, measure] - by.loc[b, measure]), "half_diffs": []}
                 for a, b in pairs for measure in ("n_associated", "n_dim_associations")]
        gwas_pairs = pd.concat([gwas_pairs, pd.DataFrame(extra)], ignore_index=True) \
            if gwas_pairs is not None else pd.DataFrame(extra)
    return Comparison(config, tuple(spaces), tuple(pairs), int(len(common)), scores, summary,
                      pair_scores, means, table, counts, gwas, gwas_pairs, results, loci,
                      skipped)


def compare(spaces, phenotypes, pairs=(), *, out=None, bfile=None, truth=None,
            config: CompareConfig | None = None, plots: bool = True,
            progress: bool = False) -> Comparison:
    """Compare latent spaces by held-out prediction, PheWAS and (with genotypes) latent GWAS.

    The Python side of ``zoo compare``: every space is judged on the samples all of them
    and the phenotypes share.

    Args:
        spaces: latent space name -> latent table (a DataFrame indexed by sample id, or the
            path of a ``hidden_*.tsv``/``.parquet`` file).
        phenotypes: a DataFrame indexed by sample id, or a ``phenotypes.csv``/``.tsv`` path.
        pairs: ``(A, B)`` pairs whose differences ``A - B`` are reported, e.g.
            ``("registered", "unregistered")``.
        out: folder for ``comparison.md``, ``comparison.json``, ``scores.tsv`` and figures
            (``None``: write nothing).
        bfile: PLINK fileset prefix; with it, a latent GWAS per space.
        truth: causal variants (``truth.json`` path or :func:`read_truth`'s table) for
            recall and precision of the GWAS loci.
        config: :class:`CompareConfig` (covariates, targets, splits, thresholds).
        plots: write the figures too (with ``out``).
        progress: show progress bars.

    Returns:
        The :class:`Comparison`: per-split ``scores``, per-phenotype ``summary``,
        ``pair_scores`` and, as available, PheWAS and GWAS tables.

    Example:
        >>> import numpy as np, pandas as pd, zoo
        >>> rng = np.random.default_rng(0)
        >>> ids = [f"s{i}" for i in range(200)]
        >>> trait = rng.normal(size=200)
        >>> phenotypes = pd.DataFrame({"trait": trait}, index=ids)
        >>> informative = pd.DataFrame({"latent_0": trait + rng.normal(size=200)}, index=ids)
        >>> noise = pd.DataFrame({"latent_0": rng.normal(size=200)}, index=ids)
        >>> comp = zoo.compare({"informative": informative, "noise": noise}, phenotypes,
        ...                    pairs=[("informative", "noise")])
        >>> r2 = comp.summary.set_index("space")["mean"]
        >>> bool(r2["informative"] > 0.3 > r2["noise"])
        True
    """
    if isinstance(phenotypes, (str, os.PathLike)):
        phenotypes = read_phenotypes(phenotypes)
    spaces = {name: read_latents(t) if isinstance(t, (str, os.PathLike)) else t
              for name, t in spaces.items()}
    if isinstance(truth, (str, os.PathLike)):
        truth = read_truth(truth)
    if out is None:
        return build_comparison(spaces, phenotypes, list(pairs), bfile=bfile, truth=truth,
                                config=config, progress=progress)
    with output_folder(out):   # created and proved writable before the long work
        comp = build_comparison(spaces, phenotypes, list(pairs), bfile=bfile, truth=truth,
                                config=config, progress=progress)
        write_comparison(comp, out, plots=plots)
    return comp


def cv_min_class(cv: CvConfig) -> int:
    """Fewest cases (and controls) a binary phenotype needs: one per test set at least."""
    return max(2, int(np.ceil(1 / (1 - cv.train_fraction))))


def _gwas_pair_rows(gwas: pd.DataFrame, pairs) -> pd.DataFrame:
    by = gwas.set_index("space")
    rows = []
    for a, b in pairs:
        for kind in ("min_p", "manova"):
            col = f"loci_{kind}"
            if col not in by.columns:
                continue
            row = {"pair": f"{a}:{b}", "measure": col, "a": int(by.loc[a, col]),
                   "b": int(by.loc[b, col]), "diff": int(by.loc[a, col] - by.loc[b, col])}
            halves = [int(by.loc[a, f"half{h}_{col}"] - by.loc[b, f"half{h}_{col}"])
                      for h in (1, 2) if f"half{h}_{col}" in by.columns]
            row["half_diffs"] = halves
            rows.append(row)
        rows.append({"pair": f"{a}:{b}", "measure": "lambda_gc",
                     "a": float(by.loc[a, "lambda_gc"]), "b": float(by.loc[b, "lambda_gc"]),
                     "diff": float(by.loc[a, "lambda_gc"] - by.loc[b, "lambda_gc"]),
                     "half_diffs": []})
    return pd.DataFrame(rows)

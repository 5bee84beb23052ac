"""Results of a latent GWAS: the (variants × K) statistic arrays, their variant table, and
the tables written from them (the plink2-style long table, the per-variant MANOVA table).
``run_gwas`` (``gwas.py``) makes them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zoo.evaluate.columns import ColumnTable
from zoo.evaluate.tsv import write_long_table, write_tsv

__all__ = ["GwasResult", "LONG_COLUMNS", "long_values"]

LONG_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "A1", "PHENO", "OBS_CT", "BETA", "SE",
                "T_STAT", "P")


@dataclass(frozen=True, eq=False)
class GwasResult:
    """Results of a latent GWAS: variant table plus (variants × K) statistic arrays.

    ``variants`` is a ``ColumnTable`` from ``run_gwas`` (``variants.to_pandas()`` gives
    the DataFrame; ``variants["ID"]`` a numpy array) or a DataFrame given by a caller."""

    variants: object                # ColumnTable or DataFrame: #CHROM POS ID REF ALT A1
    pheno_names: tuple[str, ...]
    n_samples: int
    stats: dict = field(repr=False)  # beta/se/t/p (m, K); obs, a1_freq, pillai, F, p_manova (m,)
    sample_index: np.ndarray | None = field(default=None, repr=False)   # .fam rows used
    files: dict = field(default_factory=dict, repr=False)   # tables written by run_gwas

    @property
    def p(self) -> np.ndarray:
        return self.stats["p"]

    def common(self, min_maf: float) -> np.ndarray:
        """Per variant: minor-allele frequency at least ``min_maf``. Loci are counted on
        these only: a variant carried by a handful of people gives extreme statistics
        (the MANOVA's most of all) that no small cohort can trust."""
        if not 0.0 <= min_maf < 0.5:
            raise ValueError(f"Expected 0 <= min_maf < 0.5, got {min_maf!r}")
        freq = np.asarray(self.stats["a1_freq"], np.float64)
        with np.errstate(invalid="ignore"):
            return np.minimum(freq, 1.0 - freq) >= min_maf

    def min_p(self) -> np.ndarray:
        """Per variant: smallest per-dimension p, Bonferroni-corrected over K dimensions."""
        # fmin skips NaN; a variant without any test (all NaN) gets p = 1
        smallest = np.fmin.reduce(self.p, axis=1)
        smallest[np.isnan(smallest)] = np.inf
        return np.minimum(smallest * len(self.pheno_names), 1.0)

    def variant_table(self) -> ColumnTable:
        """``variants`` as a ``ColumnTable``."""
        if isinstance(self.variants, ColumnTable):
            return self.variants
        return ColumnTable({c: np.asarray(self.variants[c]) for c in self.variants.columns})

    def long_frame(self):
        """plink2-style long table (a DataFrame): one row per (latent dimension, variant)."""
        import pandas as pd     # here: zoo gwas writes its tables without pandas

        m, k = self.p.shape
        variants = self.variant_table()
        frame = pd.DataFrame({c: np.tile(variants[c], k) for c in variants.columns})
        frame["PHENO"] = np.repeat(np.asarray(self.pheno_names, dtype=object), m)
        frame["OBS_CT"] = np.tile(np.asarray(self.stats["obs"], np.int64), k)
        for col, key in (("BETA", "beta"), ("SE", "se"), ("T_STAT", "t"), ("P", "p")):
            frame[col] = self.stats[key].T.reshape(-1)
        return frame[list(LONG_COLUMNS)]

    def manova_table(self) -> ColumnTable:
        """One row per variant: A1 frequency, missing calls and Pillai's test across K dims."""
        extra = {"A1_FREQ": self.stats["a1_freq"], "MISS_CT": self.n_samples - self.stats["obs"],
                 "OBS_CT": self.stats["obs"], "MIN_P_BONF": self.min_p()}
        if "pillai" in self.stats:
            extra.update({"PILLAI": self.stats["pillai"], "F_STAT": self.stats["F"],
                          "NUM_DF": len(self.pheno_names),
                          "DEN_DF": self.stats["obs"] - self._n_cov - len(self.pheno_names),
                          "P": self.stats["p_manova"]})
        return self.variant_table().assign(**extra)

    def manova_frame(self):
        """``manova_table`` as a DataFrame."""
        return self.manova_table().to_pandas()

    @property
    def _n_cov(self) -> int:
        return int(self.stats.get("n_covariates", 1))

    def write(self, out_dir: str | Path, stem: str = "latent_gwas", *,
              precision: str | None = None) -> dict[str, Path]:
        """``{stem}.glm.linear.tsv`` and ``{stem}.manova.tsv`` in ``out_dir``.

        BETA, SE and T_STAT are written at the scan's precision (``precision`` overrides):
        a float32 scan's values carry ~7 significant digits (plink2 prints 6), and
        formatting them as float32 halves the writing time; P is always written in float64
        so tiny p-values keep their range.
        """
        out_dir = Path(out_dir)
        long = write_long_table(self.variants, list(self.pheno_names), {},
                                long_values(self.stats, precision or self.stats.get("dtype")),
                                out_dir / f"{stem}.glm.linear.tsv")
        return {"long": long,
                "manova": write_tsv(self.manova_table(), out_dir / f"{stem}.manova.tsv")}

    @classmethod
    def concat(cls, parts: list["GwasResult"]) -> "GwasResult":
        """Merge results of consecutive variant blocks (e.g. from Dask jobs), in order."""
        if not parts:
            raise ValueError("Expected at least one GWAS block to merge, got none")
        first = parts[0]
        for part in parts[1:]:
            if part.pheno_names != first.pheno_names or part.n_samples != first.n_samples:
                raise ValueError("Expected GWAS blocks of one model (same latents and samples), "
                                 "got blocks that differ")
        stats = {key: np.concatenate([p.stats[key] for p in parts])
                 for key, val in first.stats.items() if isinstance(val, np.ndarray)}
        stats["n_covariates"] = first.stats.get("n_covariates", 1)
        stats["dtype"] = first.stats.get("dtype", "float64")
        variants = ColumnTable.concat([p.variant_table() for p in parts])
        return cls(variants, first.pheno_names, first.n_samples, stats, first.sample_index)


def long_values(stats: dict, precision: str | None) -> dict[str, np.ndarray]:
    """The (m, K) value columns of the long table, BETA/SE/T_STAT cast to ``precision``."""
    cast = np.dtype(precision or "float64")
    obs = np.asarray(stats["obs"], np.int64)
    return {"OBS_CT": np.broadcast_to(obs[:, None], stats["p"].shape),
            "BETA": stats["beta"].astype(cast), "SE": stats["se"].astype(cast),
            "T_STAT": stats["t"].astype(cast), "P": stats["p"]}

"""A small simulated cohort with planted latent-GWAS effects, for tests and benchmarks.

Not the phantom biobank (``zoo.phantom``): only what a latent GWAS needs — PLINK files,
covariates, latent tables and the causal variants — generated in seconds at any size.
Genotypes are Hardy–Weinberg draws with allele frequencies in [0.05, 0.5]; each causal
variant shifts a few latent dimensions; covariates (age, sex, PCs) shift all of them.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fastio.safefs import atomic_output, atomic_write_text
from zoo.evaluate.bedfile import write_bfile
from zoo.evaluate.latents import write_latents

__all__ = ["SimulatedCohort", "simulate_cohort"]


@dataclass(frozen=True)
class SimulatedCohort:
    """Paths of a simulated cohort and the planted truth."""

    bfile: str
    phenotypes: str
    latents: str
    truth: str
    covar_names: tuple[str, ...]
    causal_ids: tuple[str, ...]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SimulatedCohort":
        return cls(**{**data, "covar_names": tuple(data["covar_names"]),
                      "causal_ids": tuple(data["causal_ids"])})


def _genotypes(rng, n: int, m: int, missing_rate: float, chunk: int = 8192) -> np.ndarray:
    freq = rng.uniform(0.05, 0.5, size=m).astype(np.float32)
    out = np.empty((n, m), dtype=np.int8, order="F")
    for a in range(0, m, chunk):
        b = min(a + chunk, m)
        u1 = rng.random((n, b - a), dtype=np.float32)
        u2 = rng.random((n, b - a), dtype=np.float32)
        out[:, a:b] = (u1 < freq[a:b]).astype(np.int8) + (u2 < freq[a:b]).astype(np.int8)
        if missing_rate > 0:
            out[:, a:b][rng.random((n, b - a), dtype=np.float32) < missing_rate] = -127
    return out


def simulate_cohort(out_dir: str | Path, *, n: int = 500, m: int = 300, k: int = 4,
                    n_causal: int = 3, effect: float = 0.35, n_chrom: int = 2,
                    missing_rate: float = 0.0, n_pcs: int = 3, seed: int = 0,
                    name: str = "latents") -> SimulatedCohort:
    """Write ``cohort.bed/.bim/.fam``, ``phenotypes.csv``, ``hidden_{name}.tsv``, ``truth.json``.

    Causal variants sit in the middle of their chromosomes, spread over chromosomes, each
    shifting the latent dimensions ``j % k`` and ``(j + 1) % k`` by ``effect`` SD per allele.
    """
    if n_causal > m:
        raise ValueError(f"Expected n_causal <= m, got {n_causal} > {m}")
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = np.array([f"s{i:06d}" for i in range(n)])
    geno = _genotypes(rng, n, m, missing_rate)
    per_chrom = -(-m // n_chrom)
    chrom = np.repeat(np.arange(1, n_chrom + 1), per_chrom)[:m]
    pos = np.empty(m, np.int64)
    for c in range(1, n_chrom + 1):
        idx = np.flatnonzero(chrom == c)
        pos[idx] = 10_000 + np.arange(idx.size) * 5_000   # 5 kb spacing
    sid = np.array([f"rs{c}_{p}" for c, p in zip(chrom, pos)])
    bases = np.array(list("ACGT"))
    a1 = bases[rng.integers(0, 4, m)]
    a2 = bases[(np.searchsorted(bases, a1) + rng.integers(1, 4, m)) % 4]
    prefix = out_dir / "cohort"
    write_bfile(prefix, geno, sample_ids=ids, chromosome=chrom, bp_position=pos, variant_id=sid,
                allele_1=a1, allele_2=a2, sex=np.ones(n, np.int32), pheno=np.full(n, "-9"))

    covar = pd.DataFrame({"sample_id": ids, "age": rng.normal(55, 8, n).round(1),
                          "sex": rng.integers(0, 2, n).astype(float)})
    for i in range(1, n_pcs + 1):
        covar[f"PC{i}"] = rng.normal(0, 1, n)
    covar_names = tuple(c for c in covar.columns if c != "sample_id")
    # causal variants: spread over chromosomes, away from chromosome ends
    causal = []
    for j in range(n_causal):
        c = j % n_chrom + 1
        idx = np.flatnonzero(chrom == c)
        causal.append(int(idx[int(len(idx) * (j // n_chrom + 1) / (n_causal // n_chrom + 2))]))
    # mean-imputed dosages of the causal columns only (the full matrix can be gigabytes)
    dosage = np.where(geno[:, causal] == -127, np.nan, geno[:, causal]).astype(np.float64)
    dosage = np.where(np.isnan(dosage), np.nanmean(dosage, axis=0), dosage)
    latent = rng.normal(size=(n, k))
    latent += 0.02 * (covar["age"].to_numpy() - 55)[:, None] + 0.3 * covar[["sex"]].to_numpy()
    for j, v in enumerate(causal):
        g = (dosage[:, j] - dosage[:, j].mean()) / dosage[:, j].std()
        latent[:, j % k] += effect * g
        latent[:, (j + 1) % k] += 0.5 * effect * g
    latents = pd.DataFrame(latent, index=pd.Index(ids, name="sample_id"),
                           columns=[f"latent_{i}" for i in range(k)])
    pheno = covar.copy()
    pheno["bmi"] = 25 + 2 * latent[:, 0] + rng.normal(0, 2, n)
    pheno["hypertension"] = (latent[:, 1] + rng.normal(0, 1, n) > 0.8).astype(int)
    with atomic_output(out_dir / "phenotypes.csv") as tmp:
        pheno.to_csv(tmp, index=False)
    lat_path = write_latents(latents, out_dir / f"hidden_{name}.tsv")
    truth = {"causal_variants": [{"id": str(sid[v]), "chromosome": str(chrom[v]),
                                  "position": int(pos[v])} for v in causal]}
    atomic_write_text(out_dir / "truth.json", json.dumps(truth, indent=1))
    return SimulatedCohort(str(prefix), str(out_dir / "phenotypes.csv"), str(lat_path),
                           str(out_dir / "truth.json"), covar_names,
                           tuple(str(sid[v]) for v in causal))

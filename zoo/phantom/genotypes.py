"""Genotypes with linkage disequilibrium, a realistic frequency spectrum and structure.

Model: every haplotype is a latent stationary Gaussian AR(1) chain along its chromosome,
thresholded per variant at the allele frequency of the haplotype's population. Adjacent
variants share a latent correlation ``exp(-d / L)`` of their (hotspot-stretched) genetic
distance, so r² decays with distance and recombination hotspots cut haplotype blocks.
Ancestral minor-allele frequencies follow the neutral 1/p spectrum above ``maf_min``;
population frequencies drift from them by Balding–Nichols with ``fst``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from scipy.special import ndtri

from zoo.phantom._kernels.haplotypes import markov_genotypes

__all__ = ["GenotypeModel", "Genotypes", "simulate_genotypes", "genetic_pcs", "CHROMOSOME_MB"]

# GRCh37 autosome lengths (Mb): variants are spread over chromosomes in this proportion.
CHROMOSOME_MB = (249, 243, 198, 191, 181, 171, 159, 146, 141, 136, 135, 134, 115, 107, 103, 90, 81, 78, 59, 63, 48, 51)


@dataclass(frozen=True)
class GenotypeModel:
    """Parameters of the haplotype model (see the module docstring)."""

    n_chromosomes: int = 22
    spacing_kb: float = 8.0
    ld_length_kb: float = 40.0
    hotspot_rate: float = 0.03
    hotspot_stretch: float = 40.0
    maf_min: float = 0.01
    fst: float = 0.02
    population_weights: tuple[float, ...] = (0.7, 0.2, 0.1)
    admixture: float = 0.1

    def __post_init__(self) -> None:
        if not 1 <= self.n_chromosomes <= 22:
            raise ValueError(f"Expected 1..22 chromosomes, got {self.n_chromosomes}")
        if not 0 < self.maf_min < 0.5:
            raise ValueError(f"Expected 0 < maf_min < 0.5, got {self.maf_min}")
        if not 0 < self.fst < 1:
            raise ValueError(f"Expected 0 < fst < 1, got {self.fst}")
        if self.spacing_kb <= 0 or self.ld_length_kb <= 0:
            raise ValueError("Expected positive spacing_kb and ld_length_kb")
        w = np.asarray(self.population_weights, dtype=float)
        if w.ndim != 1 or len(w) < 1 or np.any(w < 0) or not w.sum() > 0:
            raise ValueError(f"Expected non-negative population weights, got {self.population_weights}")
        if not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-12):  # normalise once: a round trip is exact
            w = w / w.sum()
        object.__setattr__(self, "population_weights", tuple(float(x) for x in w))

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["population_weights"] = list(self.population_weights)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GenotypeModel":
        data = dict(data)
        if "population_weights" in data:
            data["population_weights"] = tuple(data["population_weights"])
        return cls(**data)


@dataclass(frozen=True, eq=False)
class Genotypes:
    """ALT-allele counts (N, M) int8 with the variant table; ALT is PLINK's allele 1."""

    dosage: np.ndarray
    chrom: np.ndarray
    pos: np.ndarray
    cm: np.ndarray
    variant_id: np.ndarray
    alt: np.ndarray
    ref: np.ndarray
    population: np.ndarray
    pop_freq: np.ndarray

    @property
    def n_samples(self) -> int:
        return self.dosage.shape[0]

    @property
    def n_variants(self) -> int:
        return self.dosage.shape[1]

    def allele_freq(self) -> np.ndarray:
        """Sample ALT frequency per variant."""
        return self.dosage.mean(axis=0, dtype=np.float64) / 2.0


def _positions(n_variants: int, model: GenotypeModel, rng: np.random.Generator):
    lengths = np.asarray(CHROMOSOME_MB[: model.n_chromosomes], dtype=float)
    counts = np.floor(n_variants * lengths / lengths.sum()).astype(int)
    counts[: n_variants - counts.sum()] += 1
    chrom = np.repeat(np.arange(1, model.n_chromosomes + 1), counts)
    gaps = rng.exponential(model.spacing_kb * 1000.0, size=n_variants) + 50.0
    hotspot = rng.random(n_variants) < model.hotspot_rate
    eff_kb = gaps / 1000.0 * np.where(hotspot, model.hotspot_stretch, 1.0)
    rho = np.exp(-eff_kb / model.ld_length_kb)
    pos = np.empty(n_variants, dtype=np.int64)
    cm = np.empty(n_variants)
    start = 0
    for c in counts:
        sl = slice(start, start + c)
        pos[sl] = 1_000_000 + np.cumsum(gaps[sl]).astype(np.int64)
        # 1 cM per Mb of effective (hotspot-stretched) distance
        cm[sl] = np.cumsum(eff_kb[sl]) / 1000.0
        rho[start] = 0.0
        start += c
    return chrom, pos, cm, rho.astype(np.float64), counts


def _frequencies(n_variants: int, model: GenotypeModel, rng: np.random.Generator):
    lo, hi = np.log(model.maf_min), np.log(0.5)
    ancestral = np.exp(rng.uniform(lo, hi, size=n_variants))
    k = len(model.population_weights)
    shape = (1.0 - model.fst) / model.fst
    freq = rng.beta(ancestral * shape, (1.0 - ancestral) * shape, size=(k, n_variants))
    return np.clip(freq, 1e-3, 1.0 - 1e-3)


def simulate_genotypes(
    n: int, n_variants: int, rng: np.random.Generator, model: GenotypeModel | None = None
) -> Genotypes:
    """Simulate ``n`` diploid individuals at ``n_variants`` biallelic variants."""
    model = model or GenotypeModel()
    if n < 2:
        raise ValueError(f"Expected at least 2 individuals, got n={n}")
    if n_variants < model.n_chromosomes:
        raise ValueError(f"Expected at least one variant per chromosome ({model.n_chromosomes}), got {n_variants}")
    chrom, pos, cm, rho, counts = _positions(n_variants, model, rng)
    freq = _frequencies(n_variants, model, rng)
    thresholds = ndtri(freq)
    k = freq.shape[0]
    population = rng.choice(k, size=n, p=model.population_weights)
    hap_pop = np.repeat(population, 2)
    # a fraction of second haplotypes come from another population (recent admixture)
    mixed = rng.random(n) < model.admixture
    hap_pop[1::2][mixed] = rng.choice(k, size=int(mixed.sum()), p=model.population_weights)
    dosage = np.zeros((n, n_variants), dtype=np.int8)
    start = 0
    for c in counts:
        sl = slice(start, start + c)
        noise = rng.standard_normal((2 * n, c), dtype=np.float32)
        block = np.zeros((n, c), dtype=np.int8)
        markov_genotypes(noise, rho[sl], np.ascontiguousarray(thresholds[:, sl]), hap_pop, block)
        dosage[:, sl] = block
        start += c
    bases = np.array(list("ACGT"))
    pair = rng.permuted(np.tile(np.arange(4), (n_variants, 1)), axis=1)[:, :2]
    vid = np.array([f"{c}:{p}" for c, p in zip(chrom, pos)])
    return Genotypes(
        dosage=dosage, chrom=chrom, pos=pos, cm=cm, variant_id=vid,
        alt=bases[pair[:, 0]], ref=bases[pair[:, 1]], population=population, pop_freq=freq,
    )


def genetic_pcs(geno: Genotypes, k: int = 10, seed: int = 0, max_variants: int = 5000) -> np.ndarray:
    """Top ``k`` principal components (N, k) of standardised genotypes, computed from
    common variants thinned evenly along the genome (thinning also weakens LD, which
    would otherwise let single haplotype blocks dominate the leading components)."""
    from sklearn.utils.extmath import randomized_svd

    p = geno.allele_freq()
    common = np.flatnonzero((p > 0.05) & (p < 0.95))
    if len(common) < k + 1:
        raise ValueError(f"Expected at least {k + 1} common variants for {k} PCs, got {len(common)}")
    keep = common[np.linspace(0, len(common) - 1, min(max_variants, len(common))).astype(int)]
    x = geno.dosage[:, keep].astype(np.float32)
    x -= (2.0 * p[keep]).astype(np.float32)
    x /= np.sqrt(2.0 * p[keep] * (1.0 - p[keep])).astype(np.float32)
    k = min(k, min(x.shape) - 1)
    u, s, _ = randomized_svd(x, n_components=k, n_iter=4, random_state=seed)
    return (u * s / np.sqrt(x.shape[1])).astype(np.float64)

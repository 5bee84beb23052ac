"""Latent biological factors with known heritability, covariates and the anatomy they drive.

Each factor is ``g + e``: a genetic value from a few causal variants with variance
``h2`` in the population, plus environment with variance ``1 - h2``. Anatomy (sizes,
densities, intervals) is a fixed function of factors, age and sex; phenotypes are
anatomy plus measurement noise, and images are rendered from the same anatomy.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from zoo.phantom.genotypes import Genotypes

__all__ = ["Factor", "FACTORS", "Biology", "simulate_biology", "anatomy", "choose_causal"]


@dataclass(frozen=True)
class Factor:
    name: str
    h2: float
    n_causal: int
    description: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.h2 < 1.0:
            raise ValueError(f"Factor {self.name}: expected 0 <= h2 < 1, got {self.h2}")
        if self.n_causal < 1:
            raise ValueError(f"Factor {self.name}: expected at least one causal variant, got {self.n_causal}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Factor":
        return cls(**dict(data))


FACTORS = (
    Factor("body_size", 0.60, 12, "skeletal frame and stature"),
    Factor("adiposity", 0.40, 12, "body fat: soft-tissue width and density"),
    Factor("bone_density", 0.50, 10, "bone mineral density"),
    Factor("cardiac_size", 0.45, 10, "left-ventricular size and mass, QRS voltage"),
    Factor("cardiac_function", 0.30, 8, "ejection fraction"),
    Factor("conduction", 0.40, 8, "ventricular conduction: QRS width"),
    Factor("heart_rate", 0.30, 8, "resting heart rate"),
    Factor("brain_volume", 0.55, 10, "brain size"),
    Factor("brain_atrophy", 0.35, 8, "ventricle enlargement, cortical thinning"),
)


@dataclass(frozen=True, eq=False)
class Biology:
    """Per-subject factor values (N, K) and their genetic part, covariates and causal table."""

    factors: tuple[Factor, ...]
    values: np.ndarray
    genetic: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    causal_index: tuple[np.ndarray, ...]
    causal_effect: tuple[np.ndarray, ...]

    def factor(self, name: str) -> np.ndarray:
        names = [f.name for f in self.factors]
        if name not in names:
            raise ValueError(f"Expected a factor in {names}, got {name!r}")
        return self.values[:, names.index(name)]

    def realised_h2(self) -> np.ndarray:
        return self.genetic.var(axis=0) / self.values.var(axis=0)


def choose_causal(geno: Genotypes, counts: list[int], rng: np.random.Generator, maf_min: float = 0.05) -> list[np.ndarray]:
    """Disjoint causal sets, far enough apart that no two are in LD (at least half the
    mean spacing of all loci, capped at 500 kb, beyond the LD length of the model)."""
    p = geno.allele_freq()
    maf = np.minimum(p, 1 - p)
    eligible = rng.permutation(np.flatnonzero(maf >= maf_min))
    total = int(sum(counts))
    span = sum(int(geno.pos[geno.chrom == c].max() - geno.pos[geno.chrom == c].min()) for c in np.unique(geno.chrom))
    min_gap = min(500_000, span // (2 * total))
    chosen: list[int] = []
    for j in eligible:
        same = [i for i in chosen if geno.chrom[i] == geno.chrom[j]]
        if all(abs(int(geno.pos[i]) - int(geno.pos[j])) >= min_gap for i in same):
            chosen.append(int(j))
            if len(chosen) == total:
                break
    if len(chosen) < total:
        raise ValueError(
            f"Expected room for {total} causal variants at least {min_gap} bp apart among "
            f"{len(eligible)} common variants, found {len(chosen)}: use more variants"
        )
    out, start = [], 0
    for c in counts:
        out.append(np.sort(np.asarray(chosen[start : start + c])))
        start += c
    return out


def simulate_biology(geno: Genotypes, rng: np.random.Generator, factors=FACTORS) -> Biology:
    n = geno.n_samples
    factors = tuple(factors)
    sets = choose_causal(geno, [f.n_causal for f in factors], rng)
    # expected (population) variance uses pooled frequencies so realised h2 scatters
    # around the target with sampling error, as it would in a real cohort
    p = geno.pop_freq.T @ np.bincount(geno.population, minlength=geno.pop_freq.shape[0]) / n
    values = np.empty((n, len(factors)))
    genetic = np.empty((n, len(factors)))
    effects = []
    for k, (f, idx) in enumerate(zip(factors, sets)):
        beta = rng.standard_normal(len(idx)) * np.sqrt(rng.exponential(1.0, len(idx)))
        beta *= np.sqrt(f.h2 / np.sum(beta**2 * 2 * p[idx] * (1 - p[idx])))
        g = (geno.dosage[:, idx] - 2 * p[idx]) @ beta
        e = rng.standard_normal(n) * np.sqrt(1.0 - f.h2)
        genetic[:, k], values[:, k] = g, g + e
        effects.append(beta)
    age = np.round(rng.uniform(40.0, 70.0, n), 1)
    sex = (rng.random(n) < 0.5).astype(np.int8)
    return Biology(factors, values, genetic, age, sex, tuple(sets), tuple(effects))


def anatomy(bio: Biology) -> dict[str, np.ndarray]:
    """True (noise-free) anatomy per subject. Renderers and phenotypes both read it."""
    f = bio.factor
    s = bio.sex.astype(float)
    a = (bio.age - 55.0) / 10.0
    hr = 68.0 + 8.0 * f("heart_rate") + 1.5 * a
    return {
        "height_m": 1.64 + 0.13 * s + 0.065 * f("body_size"),
        "bmi": 27.0 + 3.6 * f("adiposity") + 0.4 * a,
        "bone_density": 1.15 + 0.10 * s + 0.09 * f("bone_density") - 0.03 * a,
        "lvedv_ml": 135.0 + 28.0 * s + 20.0 * f("cardiac_size") + 6.0 * f("body_size"),
        "lvef": 0.60 + 0.045 * f("cardiac_function") - 0.012 * f("cardiac_size"),
        "lv_mass_g": 85.0 + 35.0 * s + 14.0 * f("cardiac_size") + 6.0 * f("body_size") + 4.0 * a,
        "qrs_ms": 90.0 + 7.0 * f("conduction") + 4.0 * s,
        "rr_ms": 60000.0 / np.clip(hr, 40.0, 110.0),
        "brain_volume_ml": 1150.0 + 100.0 * s + 55.0 * f("brain_volume") - 25.0 * a,
        "ventricle_scale": np.exp(0.2 * f("brain_atrophy") + 0.2 * a),
        "cortex_mm": 2.6 - 0.12 * f("brain_atrophy") - 0.04 * a,
    }

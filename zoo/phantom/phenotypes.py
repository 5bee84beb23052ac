"""``phenotypes.csv``: covariates, measured continuous traits and liability-threshold diseases."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri

from zoo.phantom.biology import Biology, anatomy

__all__ = ["CONTINUOUS", "BINARY", "make_phenotypes"]

# column -> (anatomy key, scale to the reported unit, measurement-noise SD in that unit)
CONTINUOUS = {
    "height": ("height_m", 100.0, 1.0),
    "bmi": ("bmi", 1.0, 0.8),
    "bone_density": ("bone_density", 1.0, 0.025),
    "lv_mass": ("lv_mass_g", 1.0, 6.0),
    "lvedv": ("lvedv_ml", 1.0, 7.0),
    "lvef": ("lvef", 100.0, 2.5),
    "qrs_duration": ("qrs_ms", 1.0, 3.0),
    "rr_interval": ("rr_ms", 1.0, 25.0),
    "brain_volume": ("brain_volume_ml", 1.0, 20.0),
}

# disease -> (prevalence, liability weights on factors and covariates "sex", "age")
BINARY = {
    "hypertension": (0.30, {"adiposity": 0.45, "age": 0.35, "cardiac_size": 0.25, "sex": 0.2}),
    "type2_diabetes": (0.08, {"adiposity": 0.6, "age": 0.3}),
    "atrial_fibrillation": (0.05, {"age": 0.4, "cardiac_size": 0.35, "conduction": 0.3, "sex": 0.25}),
    "hypercholesterolemia": (0.20, {"adiposity": 0.3, "age": 0.3}),
}


def _liability(bio: Biology, weights: dict[str, float], rng: np.random.Generator) -> np.ndarray:
    sex = bio.sex - 0.5
    age = (bio.age - 55.0) / (30.0 / np.sqrt(12.0))
    total = np.zeros(len(bio.age))
    var = 0.0
    for name, w in weights.items():
        if name == "sex":
            total += w * sex * 2.0
        elif name == "age":
            total += w * age
        else:
            total += w * bio.factor(name)
        var += w * w
    # residual noise fills the liability up to unit variance
    return total + rng.standard_normal(len(total)) * np.sqrt(max(0.2, 1.0 - var))


def _theoretical_sd(weights: dict[str, float]) -> float:
    var = sum(w * w for w in weights.values())
    return float(np.sqrt(var + max(0.2, 1.0 - var)))


def make_phenotypes(sample_ids, bio: Biology, pcs: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    anat = anatomy(bio)
    data = {"sample_id": list(sample_ids), "age": bio.age, "sex": bio.sex.astype(int)}
    for k in range(pcs.shape[1]):
        data[f"PC{k + 1}"] = np.round(pcs[:, k], 6)
    for col, (key, scale, sd) in CONTINUOUS.items():
        data[col] = np.round(anat[key] * scale + rng.standard_normal(len(bio.age)) * sd, 3)
    for col, (prev, weights) in BINARY.items():
        liab = _liability(bio, weights, rng)
        data[col] = (liab > ndtri(1.0 - prev) * _theoretical_sd(weights)).astype(int)
    return pd.DataFrame(data)

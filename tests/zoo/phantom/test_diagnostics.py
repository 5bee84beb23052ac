"""Registration exposes the biology: registered tensors carry more factor signal."""
from __future__ import annotations

import numpy as np
import pytest

from zoo.phantom import diagnostics, generate
from zoo.phantom.diagnostics import factor_r2, read_tensor_matrix

PAIRS = (("t1_slice_80", "t1_mni_slice_80"), ("ecg_rest", "ecg_rest_median_raw_10"))


def test_read_tensor_matrix_shape(cohort):
    x, present = read_tensor_matrix(cohort.root, "ecg_rest", cohort.sample_ids, "quick")
    assert x.shape == (len(present), 1000 * 12)


def _known_truth(n=400, n_factors=5, seed=0):
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n, n_factors))
    truth = {"sample_ids": [f"s{i:03d}" for i in range(n)], "scale": "quick",
             "subjects": {"factors": {f"f{j}": factors[:, j].tolist() for j in range(n_factors)}}}
    return truth, factors, rng


@pytest.mark.parametrize("kind", ["linear", "noise", "half_present"])
def test_factor_r2_known_answers(kind, monkeypatch):
    """Tensors that are exactly linear in the factors score 1; tensors independent of them
    score 0 up to sampling error (adjusted R² is unbiased under the null); with half the
    subjects absent the rows must still line up with their own factors."""
    truth, factors, rng = _known_truth()
    n = len(truth["sample_ids"])
    present = list(range(n)) if kind != "half_present" else list(range(0, n, 2))
    if kind == "noise":
        x = rng.standard_normal((n, 300))
    else:
        x = factors[present] @ rng.standard_normal((factors.shape[1], 300))
    monkeypatch.setattr(diagnostics, "load_truth", lambda root: truth)
    monkeypatch.setattr(diagnostics, "read_tensor_matrix",
                        lambda root, name, ids, scale: (x.astype(np.float32), present))
    score = factor_r2("unused", ["t"], n_components=5)["t"]
    if kind == "noise":
        # 5 components on 5 factors, n = 400: the SD of each adjusted R² is about 0.01
        assert abs(score) < 0.04
    else:
        assert score == pytest.approx(1.0, abs=1e-4)


def test_registration_direction_and_its_negative_control(cohort, tmp_path):
    """The experiment's direction at a non-slow size: on the phantom, the template-space
    slice carries far more of the factors than the native slice; on the same people with
    the nuisance dial at 0 (nothing for registration to remove) the gap vanishes.
    On this cohort (n = 60, seed 11): native 0.05 vs template space 0.33 with the default
    nuisance, 0.30 vs 0.33 without it."""
    names = ["t1_slice_80", "t1_mni_slice_80"]
    with_nuisance = factor_r2(cohort.root, names)
    assert with_nuisance["t1_mni_slice_80"] > with_nuisance["t1_slice_80"] + 0.15, with_nuisance
    control_root = generate(tmp_path, n=60, seed=11, n_variants=2000, progress=False, nuisance=0.0).root
    control = factor_r2(control_root, names)
    assert abs(control["t1_mni_slice_80"] - control["t1_slice_80"]) < 0.08, control
    assert control["t1_slice_80"] > 0.15, control  # the native slice does carry the biology


@pytest.mark.slow
def test_registered_tensors_show_more_biology(tmp_path):
    root = generate(tmp_path, n=250, seed=21, n_variants=2000, progress=False).root
    scores = factor_r2(root, [t for pair in PAIRS for t in pair])
    for raw, registered in PAIRS:
        # measured on 400 subjects: native 0.00 vs MNI 0.18; strip 0.00 vs median 0.21
        assert scores[registered] > scores[raw] + 0.1, scores
        assert scores[raw] < 0.05, scores


def _svd_pc_r2(x, design, k):
    """numpy reference: the top components from a full SVD of the standardised matrix."""
    x = np.asarray(x, np.float64)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    n = len(x)
    full = np.column_stack([np.ones(n), design])
    beta, *_ = np.linalg.lstsq(full, u[:, :k], rcond=None)
    r2 = 1 - (u[:, :k] - full @ beta).var(axis=0) / u[:, :k].var(axis=0)
    adj = 1 - (1 - r2) * (n - 1) / (n - full.shape[1])
    return float(np.sum(s[:k] ** 2 * adj) / np.sum(s[:k] ** 2))


@pytest.mark.parametrize("values", [30, 2000])  # fewer values than subjects (SVD), more (Gram matrix)
def test_pc_r2_matches_the_svd_of_the_whole_matrix(values):
    rng = np.random.default_rng(3)
    design = rng.standard_normal((120, 3))
    x = design @ rng.standard_normal((3, values)) + 2.0 * rng.standard_normal((120, values))
    got = diagnostics.pc_r2(x, design, 10)
    assert got == pytest.approx(_svd_pc_r2(x, design, 10), abs=1e-12)
    assert 0.1 < got < 1.0  # the design explains part of the top components

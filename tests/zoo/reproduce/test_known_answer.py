"""Known-answer data through the reproduce measures and tables: a registered space that
carries more of its own trait wins significantly, the same spaces at nuisance 0 do not
(the negative control passes), and a control that registration does help is flagged."""
import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.phenotypes import CvConfig, phenotype_kinds
from zoo.reproduce.measure import measure_space
from zoo.reproduce.plan import PAIRS, SWEEP_PAIRS
from zoo.reproduce.tables import (negative_control, nuisance_share, pair_rows, pair_test, retained_share,
                                  summary_values, verdicts)

N = 240
TRUTH = {"modalities": {"t1_slice_80": {"factors": ["brain_volume", "brain_atrophy"]},
                        "t1_mni_slice_80": {"factors": ["brain_volume", "brain_atrophy"]}}}
BRAIN = [p for p in PAIRS if p.b == "t1_slice_80"][:1]  # template-registered vs native


def _phenotypes(rng):
    ids = [f"s{i:03d}" for i in range(N)]
    data = {"age": rng.uniform(40, 70, N), "sex": rng.integers(0, 2, N)}
    data.update({f"PC{i}": rng.standard_normal(N) for i in (1, 2)})
    signal = rng.standard_normal(N)
    data["brain_volume"] = 1150 + 55 * signal + 10 * rng.standard_normal(N)
    # one trait and one disease the latents do not carry (a short table keeps the test fast)
    data["height"] = rng.standard_normal(N)
    data["hypertension"] = (rng.random(N) < 0.3).astype(int)
    return pd.DataFrame(data, index=pd.Index(ids, name="sample_id")), signal


def _latents(signal, strength, rng, index):
    x = rng.standard_normal((N, 4))
    x[:, 0] = strength * signal + np.sqrt(1 - strength**2) * x[:, 0]
    return pd.DataFrame(x, index=index, columns=[f"latent_{i}" for i in range(4)])


def _level(strengths, seed):
    """Scores of the template space (A) and the native space (B) over 3 training seeds."""
    rng = np.random.default_rng(seed)
    pheno, signal = _phenotypes(rng)
    kinds = phenotype_kinds(pheno)
    cv = CvConfig(n_splits=4, seed=0)
    records = {}
    for name, strength in strengths.items():
        for s in range(3):
            records[(name, s)] = measure_space(
                name, _latents(signal, strength, rng, pheno.index), pheno, kinds,
                pheno[["age", "sex", "PC1", "PC2"]], cv, bfile="unused",
                truth_variants=pd.DataFrame(), window=100_000, threshold=5e-8, min_maf=0.01, gwas=False)
    scores = pd.concat([pd.DataFrame(r["scores"]).assign(seed=s) for (_, s), r in records.items()])
    return records, scores


def test_the_registered_space_wins_where_it_carries_more_signal():
    records, scores = _level({"t1_slice_80_template": 0.9, "t1_slice_80": 0.45}, seed=1)
    rows = pair_rows(BRAIN, records, scores, TRUTH, n_train=192, n_test=48)
    assert len(rows) == 1
    row = rows[0]
    assert row["own_traits"] == ["brain_volume"]
    # R² of a latent with correlation c to a trait measured with 10/55 noise ≈ c² · 0.97
    assert row["own_r2_mean_a"] == pytest.approx(0.81 * 0.97, abs=0.1)
    assert row["own_r2_mean_b"] == pytest.approx(0.2 * 0.97, abs=0.1)
    assert row["own_r2_diff"] > 0.4 and row["own_r2_lo"] > 0 and row["own_r2_p"] < 0.01
    # traits the latents do not carry: no real difference
    assert abs(row["disease_auroc_diff"]) < 0.1
    assert row["n_associated_a"] is not None  # PheWAS counted per seed
    share = retained_share(pd.DataFrame(rows), BRAIN)[0]["share"]
    assert share == pytest.approx(row["own_r2_mean_b"] / row["own_r2_mean_a"])


def _sweep_row(level, strengths, seed):
    _, scores = _level(strengths, seed)
    test = pair_test(summary_values(scores, "r2", ["brain_volume"]), "t1_slice_80_template", "t1_slice_80",
                     192, 48)
    return {"level": level, "label": "template (brain)", "a": "t1_slice_80_template", "b": "t1_slice_80", **test}


def test_negative_control_passes_when_nothing_is_registered_and_fails_when_it_helps():
    same = {"t1_slice_80_template": 0.7, "t1_slice_80": 0.7}
    sweep = pd.DataFrame([_sweep_row(0.0, same, 2), _sweep_row(1.0, {"t1_slice_80_template": 0.9,
                                                                     "t1_slice_80": 0.2}, 3)])
    control = negative_control(sweep)
    assert len(control) == 1 and control[0]["level"] == 0.0
    assert not control[0]["significant_gain"]
    assert control[0]["lo"] < 0 < control[0]["hi"] or control[0]["p"] >= 0.05
    helped = pd.DataFrame([_sweep_row(0.0, {"t1_slice_80_template": 0.9, "t1_slice_80": 0.3}, 4)])
    assert negative_control(helped)[0]["significant_gain"]


def test_the_sweep_covers_one_registration_per_dialled_modality():
    assert {p.modality for p in SWEEP_PAIRS} == {"brain", "dxa", "ecg", "cine"}
    assert all(not p.oracle for p in SWEEP_PAIRS)


def test_verdicts_name_help_harm_and_no_difference():
    records, scores = _level({"t1_slice_80_template": 0.9, "t1_slice_80": 0.45}, seed=1)
    helped = pd.DataFrame(pair_rows(BRAIN, records, scores, TRUTH, n_train=192, n_test=48))
    assert verdicts(helped)[0]["verdict"] == "helped"
    records, scores = _level({"t1_slice_80_template": 0.3, "t1_slice_80": 0.9}, seed=5)
    hurt = pd.DataFrame(pair_rows(BRAIN, records, scores, TRUTH, n_train=192, n_test=48))
    assert verdicts(hurt)[0]["verdict"] == "hurt"
    records, scores = _level({"t1_slice_80_template": 0.7, "t1_slice_80": 0.7}, seed=6)
    same = pd.DataFrame(pair_rows(BRAIN, records, scores, TRUTH, n_train=192, n_test=48))
    row = verdicts(same)[0]
    assert row["verdict"] == "no significant difference" and row["lo"] < 0 < row["hi"]


def test_the_gain_the_nuisance_explains_is_the_main_gain_minus_the_gain_at_zero():
    zero = _sweep_row(0.0, {"t1_slice_80_template": 0.7, "t1_slice_80": 0.7}, 2)
    main = _sweep_row(0.25, {"t1_slice_80_template": 0.9, "t1_slice_80": 0.3}, 3)
    row = nuisance_share(pd.DataFrame([zero, main]), 0.25)[0]
    assert row["attributable"] == pytest.approx(main["diff"] - zero["diff"])
    assert row["lo"] < row["attributable"] < row["hi"]
    assert row["share_of_gain"] == pytest.approx(row["attributable"] / main["diff"])
    assert row["share_of_gain"] > 0.8  # nothing gained at 0: the nuisance explains the gain
    # a registration that gains as much with nothing to register: the nuisance explains none of it
    again = _sweep_row(0.0, {"t1_slice_80_template": 0.9, "t1_slice_80": 0.3}, 4)
    row = nuisance_share(pd.DataFrame([again, main]), 0.25)[0]
    assert row["lo"] < 0 < row["hi"]
    assert nuisance_share(pd.DataFrame([main]), 0.25) == []  # no level 0: nothing to subtract
    # no significant gain at the main strength: no share of it is printed
    flat = _sweep_row(0.25, {"t1_slice_80_template": 0.7, "t1_slice_80": 0.7}, 5)
    assert flat["p"] >= 0.05
    assert nuisance_share(pd.DataFrame([zero, flat]), 0.25)[0]["share_of_gain"] is None

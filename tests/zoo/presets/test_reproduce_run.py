"""A reproduce run's step results → the metrics a preset records: known numbers in a
hand-made run folder give the means and SDs numpy computes, the Table-2 pair and the
negative control verbatim, and the command line that rebuilds the settings."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from zoo.commands import reproduce as reproduce_cli
from zoo.presets.reproduce_run import ReproduceRun, reproduce_command, space_metrics
from zoo.reproduce.settings import FULL, QUICK

SETTINGS = QUICK.with_(n=60, seeds=2, sweep=(0.0,), splits=3)
TAG = "nuisance0.25"
SPACE, BASE = "t1_slice_80_template", "t1_slice_80"
IDS = [f"s{i:02d}" for i in range(45)]
# own trait of the brain: brain_volume; one more trait (height) and one disease
R2 = {  # (seed, split) -> (brain_volume, height)
    (0, 0): (0.50, 0.10), (0, 1): (0.40, 0.00), (0, 2): (0.60, 0.20),
    (1, 0): (0.30, 0.10), (1, 1): (0.35, 0.05), (1, 2): (0.55, 0.15)}
AUROC = {(0, 0): 0.6, (0, 1): 0.7, (0, 2): 0.65, (1, 0): 0.55, (1, 1): 0.6, (1, 2): 0.7}
GWAS = [{"lambda_gc": 1.02, "n_true": 6, "null_rate": 0.12, "n_tested": 900, "loci_min_p": 2, "true_loci_min_p": 1,
         "recall_min_p": 1 / 6, "precision_min_p": 0.5, "loci_manova": 1, "true_loci_manova": 1,
         "recall_manova": 1 / 6, "precision_manova": 1.0},
        {"lambda_gc": 0.98, "n_true": 6, "null_rate": 0.12, "n_tested": 900, "loci_min_p": 0, "true_loci_min_p": 0,
         "recall_min_p": 0.0, "precision_min_p": None, "loci_manova": 1, "true_loci_manova": 0,
         "recall_manova": 0.0, "precision_manova": 0.0}]


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _scores(seed):
    rows = []
    for split in range(3):
        for pheno, value in zip(("brain_volume", "height"), R2[(seed, split)]):
            rows.append((SPACE, pheno, "continuous", "r2", split, value))
        rows.append((SPACE, "hypertension", "binary", "auroc", split, AUROC[(seed, split)]))
    return pd.DataFrame(rows, columns=["space", "phenotype", "kind", "metric", "split", "value"]).to_dict(orient="list")


@pytest.fixture
def run(tmp_path):
    root = tmp_path / "rp"
    _write(root / "reproduce.json", {"format": "regzoo-reproduce/1", "settings": SETTINGS.to_dict()})
    _write(root / "cohort" / "truth.json", {"modalities": {"t1_slice_80": {"factors": ["brain_volume", "brain_atrophy"]}}})
    steps = root / "steps"
    _write(steps / f"common@{TAG}.json", {"result": {"sample_ids": IDS}})
    _write(steps / f"ld@{TAG}.json", {"result": {"window": 150_000}})
    for seed in range(2):
        _write(steps / f"measure_{SPACE}_seed{seed}@{TAG}.json", {"result": {
            "scores": _scores(seed), "gwas": GWAS[seed],
            "phewas": {"n_associated": seed + 1, "n_phenotypes": 4, "n_dim_associations": 3}}})
    pd.DataFrame([{"a": SPACE, "b": BASE, "method": "template (rigid, ours)", "oracle": False,
                   "own_r2_mean_a": 0.45, "own_r2_mean_b": 0.30, "own_r2_diff": 0.15, "own_r2_lo": 0.01,
                   "own_r2_hi": 0.29, "own_r2_p": 0.04, "own_r2_n": 6}]).to_csv(root / "table2.csv", index=False)
    _write(root / "report.json", {"pending_sweep_levels": [], "negative_control": [
        {"level": 0.0, "label": "template (brain)", "a": SPACE, "b": BASE, "mean_a": 0.5, "mean_b": 0.52,
         "diff": -0.02, "lo": -0.1, "hi": 0.06, "p": 0.6, "n": 6, "significant_gain": False}]})
    return ReproduceRun.open(root)


def test_space_metrics_are_the_step_results_summarised(run):
    m = space_metrics(run, SPACE)
    own = np.array([[R2[(s, k)][0] for k in range(3)] for s in range(2)])  # seeds × splits
    assert m["own_r2"]["mean"] == pytest.approx(own.mean(), abs=1e-6)
    assert m["own_r2"]["sd_over_seeds"] == pytest.approx(own.mean(axis=1).std(ddof=1), abs=1e-6)
    assert m["own_r2"]["sd_over_splits"] == pytest.approx(own.mean(axis=0).std(ddof=1), abs=1e-6)
    assert m["own_r2"]["phenotypes"] == ["brain_volume"] and m["own_r2"]["seeds"] == 2
    both = np.array([[np.mean(R2[(s, k)]) for k in range(3)] for s in range(2)])
    assert m["trait_r2"]["mean"] == pytest.approx(both.mean(), abs=1e-6)
    assert m["trait_r2"]["phenotypes"] == ["height", "brain_volume"]  # the plan's trait order
    assert m["disease_auroc"]["mean"] == pytest.approx(np.mean(list(AUROC.values())), abs=1e-6)
    assert m["phewas_diseases"] == {"mean": 1.5, "sd_over_seeds": pytest.approx(np.std([1, 2], ddof=1)), "of": 4}
    g = m["gwas"]
    assert g["null_rate"] == 0.12 and g["window_kb"] == 150 and g["own_factors"] == ["brain_volume", "brain_atrophy"]
    assert g["loci_min_p"] == {"mean": 1.0, "sd_over_seeds": pytest.approx(np.std([2, 0], ddof=1), abs=1e-6)}
    # a seed without loci has no precision: the mean is over the seeds that have one
    assert g["precision_min_p"] == {"mean": 0.5, "sd_over_seeds": 0.0}
    assert g["precision_manova"]["mean"] == 0.5 and g["lambda_gc"]["mean"] == pytest.approx(1.0)
    assert m["vs_baseline"]["delta_own_r2"] == 0.15 and m["vs_baseline"]["ci95"] == [0.01, 0.29]
    assert m["negative_control"]["verdict"] == "no significant gain" and m["negative_control"]["p"] == 0.6
    assert m["n_samples"] == len(IDS)


def test_a_partial_or_foreign_folder_is_refused(run, tmp_path):
    report = run.root / "report.json"
    report.write_text(json.dumps({"pending_sweep_levels": ["0"], "negative_control": []}))
    with pytest.raises(ValueError, match="partial"):
        ReproduceRun.open(run.root)
    with pytest.raises(ValueError, match="reproduce.json"):
        ReproduceRun.open(tmp_path)
    with pytest.raises(ValueError, match="measure_dxa_2_seed0"):
        space_metrics(run, "dxa_2")


@pytest.mark.parametrize("settings", [FULL, QUICK, QUICK.with_(n=300, seeds=4, nuisance=0.5, sweep=(0.0,),
                                                                  epochs=7, cohort_seed=3)])
def test_the_recorded_command_rebuilds_the_settings(settings, monkeypatch):
    seen = {}

    def fake_run(out, s, *, progress, say, remeasure):
        seen["settings"] = s
        return {"markdown": "m", "html": "h"}

    monkeypatch.setattr("zoo.reproduce.run.run_reproduce", fake_run)
    argv = reproduce_command(settings).split()
    assert argv[:2] == ["zoo", "reproduce"] and argv[-2:] == ["--out", "DIR"]
    assert reproduce_cli.main(argv[2:]) == 0
    assert seen["settings"] == settings


def test_settings_the_command_cannot_spell_are_a_python_call():
    tiny = QUICK.with_(n=50, n_variants=1000, steps=2)
    assert reproduce_command(tiny).startswith("python -c 'import zoo;")
    assert json.dumps(tiny.to_dict()) in reproduce_command(tiny)

"""Card prose: a preset with a reproduce run's metrics explains the chance rate of its locus
precision in words and states its negative control; its front matter is its record."""
from __future__ import annotations

import dataclasses

from zoo.presets.cards import parse_card, render_card

from .presetkit import make_preset

GWAS = {"threshold": 5e-8, "min_maf": 0.01, "window_kb": 150.0, "own_factors": ["brain_volume", "brain_atrophy"],
        "n_true": 6, "n_tested": 900, "lambda_gc": {"mean": 1.0, "sd_over_seeds": 0.02},
        "loci_manova": {"mean": 1.5, "sd_over_seeds": 0.7071},
        "precision_manova": {"mean": 0.5, "sd_over_seeds": 0.7071}, "null_rate": 0.1234}
CONTROL = {"nuisance": 0.0, "baseline": "tiny", "own_r2": 0.5, "own_r2_baseline": 0.52, "delta_own_r2": -0.02,
           "ci95": [-0.1, 0.06], "p": 0.6, "verdict": "no significant gain"}
PAIR = {"baseline": "tiny", "method": "template (rigid, ours)", "oracle": False, "own_r2": 0.45,
        "own_r2_baseline": 0.3, "delta_own_r2": 0.15, "ci95": [0.01, 0.29], "p": 0.04,
        "test": "Nadeau–Bengio corrected resampled t-test, 6 (seed, split) pairs"}


def _card(metrics):
    preset = dataclasses.replace(make_preset({"encoder.keras": b"x"}), metrics=metrics)
    text = render_card(preset)
    front, body = parse_card(text)
    assert front["metrics"] == preset.to_dict()["metrics"]
    return body


def test_the_chance_rate_is_explained_beside_the_precision():
    body = _card({"own_r2": {"mean": 0.45, "sd_over_seeds": 0.05, "sd_over_splits": 0.08, "seeds": 2, "splits": 3,
                             "phenotypes": ["brain_volume"]}, "gwas": GWAS, "vs_baseline": PAIR,
                  "negative_control": CONTROL})
    assert "| own_r2 | 0.45 ± 0.05 (SD over seeds; ± 0.08 over splits), seeds 2, splits 3, phenotypes brain_volume |" \
        in body
    assert "precision_manova 0.5 ± 0.7071 (SD over seeds) (chance 0.1234)" in body
    chance = next(line for line in body.splitlines() if line.startswith("Chance:"))
    assert "150 kb LD window of a causal variant of this tensor's own factors (brain_volume, brain_atrophy)" in chance
    assert "0.1234" in chance and "random variant" in chance and "means nothing" in chance
    assert "own-trait R² 0.45 vs 0.3, Δ +0.15 [95 % CI +0.01, +0.29], p = 0.04" in body
    assert "Negative control (nuisance 0: nothing to register" in body and ": no significant gain." in body


def test_a_space_without_its_own_control_says_why():
    body = _card({"gwas": GWAS, "negative_control": "not applicable: an unregistered baseline"})
    assert "Negative control (nuisance 0, where registration must not help): not applicable: an unregistered" in body
    assert "Against its unregistered baseline" not in body


def test_metrics_without_a_window_render_as_before():
    """Cards published before the reproduce run (no LD window recorded) keep their text."""
    body = _card({"gwas": {"precision_min_p": 1.0, "null_rate": 0.49}})
    assert "precision_min_p 1 (chance 0.49)" in body
    assert "Chance:" not in body and "Negative control" not in body


def test_the_card_says_whether_the_training_converged():
    preset = make_preset({"encoder.keras": b"x"})
    improving = dataclasses.replace(preset, training={
        **preset.training, "epochs_run": 15, "best_epoch": 15, "max_epochs": 15, "convergence": "still improving",
        "val_loss_fall": {"over_epochs": 3, "fall": 0.1793}})
    body = parse_card(render_card(improving))[1]
    assert ("Training: 15 of at most 15 epochs, the best validation loss at epoch 15: still improving (the best "
            "validation loss fell 17.9% over the last 3 epochs); a longer training would give") in body
    stopped = dataclasses.replace(preset, training={**preset.training, "epochs_run": 9, "best_epoch": 6,
                                                    "max_epochs": 15, "convergence": "stopped early"})
    assert "Training: 9 of at most 15 epochs, the best validation loss at epoch 6: stopped early." in \
        parse_card(render_card(stopped))[1]
    # a record published before convergence was recorded renders as it was published
    assert "Training:" not in parse_card(render_card(preset))[1]


def test_publishing_records_convergence_from_the_run_s_curve():
    from zoo.presets.publishing import _convergence

    curve = {"history": {"val_loss": [1.0, 0.8, 0.6, 0.5, 0.4]}}
    assert _convergence({"epochs": 5, "patience": 2, "id": "r"}, curve) == {
        "max_epochs": 5, "convergence": "still improving", "val_loss_fall": {"over_epochs": 2, "fall": 0.3333}}
    assert _convergence({"epochs": 9, "patience": 2, "id": "r"}, curve) == {
        "max_epochs": 9, "convergence": "stopped early"}
    assert _convergence({"epochs": 5, "patience": 2, "id": "r"}, {}) == {}

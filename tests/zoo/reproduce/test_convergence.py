"""Convergence of a run's models, read back from their training summaries."""
import json

import numpy as np
import pytest

from zoo.reproduce import figures
from zoo.reproduce.convergence import Convergence, convergence, read_validation_curve, recent_gain
from zoo.reproduce.report import _budget_note
from zoo.reproduce.settings import FULL


def _write_run(runs, model, seed, val_loss):
    run = runs / f"{model}_seed{seed}"
    run.mkdir(parents=True)
    summary = {"id": run.name, "history": {"loss": list(val_loss), "val_loss": list(val_loss)}}
    (run / f"train_summary_{run.name}.json").write_text(json.dumps(summary))
    return run


def test_recent_gain_is_the_relative_fall_of_the_best_loss_over_the_last_epochs():
    assert recent_gain([1.0, 0.5, 0.4, 0.3, 0.2], 2) == pytest.approx(0.5)       # 0.4 -> 0.2
    assert recent_gain([1.0, 0.5, 0.6, 0.7], 2) == 0.0                             # no better loss since
    assert np.isnan(recent_gain([1.0, 0.5], 2))                                    # too short to tell


def test_status_tells_improving_flat_and_stopped_models_apart():
    improving = Convergence("m", (np.linspace(1, 0.5, 10), np.linspace(1, 0.6, 10)), cap=10, patience=3)
    assert improving.status == "still improving" and improving.still_improving == 2
    flat = Convergence("m", (np.r_[np.linspace(1, 0.5, 7), [0.499, 0.4985, 0.498]],), cap=10, patience=3)
    assert flat.status == "flat at the cap" and flat.gains[0] < 0.01
    stopped = Convergence("m", (np.r_[1.0, 0.5, 0.6, 0.7, 0.8], np.r_[1.0, 0.4, 0.5, 0.5, 0.5, 0.6]),
                          cap=10, patience=3)
    assert stopped.status == "stopped early" and stopped.stopped_early == 2 and stopped.gains == []
    row = stopped.row()
    assert (row["epochs_min"], row["epochs_max"], row["best_epoch_mean"]) == (5, 6, 2.0)
    assert row["best_val_loss_mean"] == pytest.approx(0.45) and row["recent_gain_mean"] is None
    # one seed stopped, one at the cap still falling: the model is still improving
    mixed = Convergence("m", (np.r_[1.0, 0.5, 0.6, 0.7, 0.8], np.linspace(1, 0.5, 10)), cap=10, patience=3)
    assert mixed.status == "still improving"
    np.testing.assert_allclose(mixed.mean_curve()[:2], [1.0, (0.5 + np.linspace(1, 0.5, 10)[1]) / 2])
    assert mixed.mean_curve()[-1] == pytest.approx(0.5)
    # a cap of no more epochs than the patience leaves nothing to compare
    short = Convergence("m", (np.r_[1.0, 0.5],), cap=2, patience=2)
    assert short.status == "too short to tell" and short.gains == [] and short.row()["recent_gain_mean"] is None


def test_curves_are_read_from_each_seed_s_run(tmp_path):
    runs = tmp_path / "runs"
    for seed in range(2):
        _write_run(runs, "ae_x", seed, [1.0, 0.9 - seed / 10, 0.8])
    (found,) = convergence(runs, ["ae_x"], seeds=2, cap=3, patience=1)
    np.testing.assert_array_equal(found.curves[1], [1.0, 0.8, 0.8])
    assert found.epochs == [3, 3]


def test_a_missing_or_damaged_summary_names_the_file(tmp_path):
    with pytest.raises(RuntimeError, match="wrote no train_summary"):
        read_validation_curve(tmp_path)
    run = _write_run(tmp_path, "m", 0, [])
    with pytest.raises(RuntimeError, match=r"train_summary_m_seed0\.json: expected a history"):
        read_validation_curve(run)
    run = _write_run(tmp_path, "n", 0, [1.0, float("nan"), 0.5])
    with pytest.raises(RuntimeError, match=r"not finite at epochs \[2\]"):
        read_validation_curve(run)


def test_the_budget_note_counts_the_models_and_warns_only_when_some_still_improve(tmp_path):
    improving = Convergence("a", (np.linspace(1, 0.5, 15),), cap=15, patience=3)
    stopped = Convergence("b", (np.r_[1.0, 0.5, 0.6, 0.7, 0.8],), cap=15, patience=3)
    note = _budget_note([improving, stopped], FULL)
    assert "1 of 2 models were still improving" in note and "stopped early: 1" in note
    assert "holds at this budget only" in note
    assert "holds at this budget only" not in _budget_note([stopped], FULL)
    png = figures.learning_curves_plot([improving, stopped], {"a": "brain", "b": "ecg"},
                                       tmp_path / "curves.png", cap=15)
    assert png.stat().st_size > 1000

"""A whole (tiny) ``zoo reproduce`` run: every pair of Table 2, every tensor of Table 1,
the sweep with its negative control, the report files, and a rerun that skips every
finished step."""
import json

import pandas as pd
import pytest

from zoo.reproduce.plan import PAIRS, REGISTRATIONS, SWEEP_PAIRS
from zoo.reproduce.run import run_reproduce
from zoo.reproduce.settings import QUICK

TINY = QUICK.with_(n=70, seeds=2, epochs=1, steps=2, sweep=(0.0,), n_variants=1500, reg_epochs=1, reg_steps=2,
                   splits=3)


@pytest.mark.slow  # ~15-30 min on two cores: 50 small trainings and 6 registrations
def test_full_table_shape_and_resume(tmp_path):
    out = tmp_path / "rp"
    lines = []
    report = run_reproduce(out, TINY, say=lines.append)
    table2 = pd.read_csv(out / "table2.csv")
    assert list(table2["label"]) == [p.label for p in PAIRS]
    for key in ("own_r2", "trait_r2", "disease_auroc", "all_r2"):
        assert table2[f"{key}_lo"].le(table2[f"{key}_diff"]).all()
        assert table2[f"{key}_p"].between(0, 1).all()
    assert table2["null_rate_b"].between(0, 1).all()
    table1 = pd.read_csv(out / "table1.csv")
    assert set(table1["tensor"]) >= {r.out for r in REGISTRATIONS} | {r.source for r in REGISTRATIONS}
    sweep = pd.read_csv(out / "sweep.csv")
    assert sorted(sweep["level"].unique()) == [0.0, 0.25]
    assert len(sweep) == 2 * len(SWEEP_PAIRS)
    summary = json.loads((out / "report.json").read_text())
    assert len(summary["negative_control"]) == len(SWEEP_PAIRS)
    text = (out / "report.md").read_text()
    assert "ORACLE" in text and "null rate" in text and "Negative control" in text
    # every model's convergence, one row per model, its status in the verdict table too
    training = pd.read_csv(out / "training.csv")
    assert len(training) == len(summary["training"]) and (training["seeds"] == TINY.seeds).all()
    assert "Training budget: did the models converge?" in text and "training of A / B" in text
    # each registration's error against the known nuisance, per level (every sweep registration)
    assert set(summary["registration_errors"]) == {"0", "0.25"}
    assert {r["out"] for r in summary["registration_errors"]["0.25"]} == {r.out for r in REGISTRATIONS}
    assert "error against the known nuisance, before → after" in text
    for fig in ("table2_forest.png", "nuisance_sweep.png", "ld_decay.png", "learning_curves.png"):
        assert (out / "figures" / fig).stat().st_size > 1000
    assert report["html"].endswith("report.html")
    # a rerun redoes nothing but the report
    again = []
    run_reproduce(out, TINY, say=again.append)
    assert sum("done earlier, skipped" in m for m in again) == sum(" ..." in m for m in lines)
    # --remeasure scores every space again and nothing else; the scoring is seeded, so the
    # tables come out the same
    measures = sum(" ..." in m and "] measure " in m for m in lines)
    redo = []
    run_reproduce(out, TINY, say=redo.append, remeasure=True)
    assert sum(" ..." in m for m in redo) == measures > 0
    assert all("] measure " in m for m in redo if " ..." in m)
    pd.testing.assert_frame_equal(pd.read_csv(out / "table2.csv"), table2)

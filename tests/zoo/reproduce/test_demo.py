"""``zoo demo`` is ``zoo reproduce --quick``: same parser, same checks, quick settings."""
import pytest

from zoo.commands import demo
from zoo.reproduce.settings import FULL
from zoo.commands import reproduce as cli


def test_demo_is_reproduce_quick(capsys, monkeypatch):
    seen = {}

    def fake_run(out, settings, *, progress, say, remeasure):
        seen.update(out=out, settings=settings, remeasure=remeasure)
        return {"markdown": f"{out}/report.md", "html": f"{out}/report.html"}

    monkeypatch.setattr("zoo.reproduce.run.run_reproduce", fake_run)
    assert demo.main(["--out", "somewhere"]) == 0
    assert seen["out"] == "somewhere" and seen["settings"].quick and not seen["remeasure"]
    assert seen["settings"].train_workers == 2  # the quick scale trains in two processes
    assert FULL.train_workers == 2  # and so does the full run, by default
    assert demo.main(["--out", "somewhere", "--remeasure", "--workers", "1"]) == 0
    assert seen["remeasure"] and seen["settings"].train_workers == 1
    assert "[zoo demo] report: somewhere/report.md" in capsys.readouterr().out


def test_demo_rejects_a_cohort_too_small():
    with pytest.raises(ValueError, match="Expected n >= 50"):
        demo.main(["--n", "10", "--out", "unused"])
    with pytest.raises(ValueError, match="Expected n >= 50"):
        cli.main(["--n", "10", "--out", "unused"])


def test_the_training_budget_is_a_dial(monkeypatch):
    seen = {}

    def fake_run(out, settings, *, progress, say, remeasure):
        seen["settings"] = settings
        return {"markdown": "r.md", "html": "r.html"}

    monkeypatch.setattr("zoo.reproduce.run.run_reproduce", fake_run)
    assert cli.main(["--out", "x", "--epochs", "200", "--patience", "5", "--learning-rate", "3e-3"]) == 0
    assert (seen["settings"].epochs, seen["settings"].patience, seen["settings"].learning_rate) == (200, 5, 3e-3)
    assert cli.main(["--out", "x"]) == 0 and seen["settings"] == FULL
    with pytest.raises(ValueError, match="positive learning rate"):
        cli.main(["--out", "x", "--learning-rate", "0"])

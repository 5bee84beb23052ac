"""The end-to-end experiment (``zoo demo``) on a tiny phantom cohort: every step runs and
leaves its outputs, and the comparison covers every latent space and pair."""
import json

import pandas as pd
import pytest

from zoo import demo


def test_demo_rejects_a_cohort_too_small(capsys):
    with pytest.raises(SystemExit) as exc:
        demo.main(["--n", "10", "--out", "unused"])
    assert exc.value.code == 2
    assert "expected --n of at least 50" in capsys.readouterr().err


@pytest.mark.slow  # ~2-4 minutes: five autoencoders and a comparison
def test_demo_runs_end_to_end(tmp_path):
    record = demo.run_demo(tmp_path / "demo", n=60, seed=3, epochs=1, steps=2, batch=8,
                           latent=4, progress=False)
    spaces = {e.unregistered for e in demo.EXPERIMENTS} | {e.registered for e in demo.EXPERIMENTS}
    assert set(record["latents"]) == spaces
    for tensor, path in record["latents"].items():
        table = pd.read_csv(path, sep="\t")
        assert list(table.columns) == ["sample_id"] + [f"latent_{i}" for i in range(4)], tensor
        assert table["sample_id"].is_unique and 0 < len(table) <= 60
    result = json.loads((tmp_path / "demo" / "comparison" / "comparison.json").read_text())
    assert sorted(result["spaces"]) == sorted(spaces)
    assert [tuple(p) for p in result["pairs"]] == [(e.registered, e.unregistered) for e in demo.EXPERIMENTS]
    assert {row["space"] for row in result["gwas"]} == spaces
    assert json.loads((tmp_path / "demo" / "demo.json").read_text())["n"] == 60

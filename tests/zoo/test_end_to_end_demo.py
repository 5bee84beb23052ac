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


def test_headline_table_reads_the_comparison():
    comparison = {
        "pairs": [["reg", "unreg"]],
        "pair_means": [
            {"pair": "reg:unreg", "metric": "r2", "mean_a": 0.4, "mean_b": 0.1, "diff": 0.3, "diff_sd": 0.05},
        ],
        "gwas": [{"space": "reg", "loci_min_p": 3, "loci_manova": 5},
                 {"space": "unreg", "loci_min_p": 0, "loci_manova": 1}],
        "phewas_counts": [{"space": "reg", "n_associated": 2}, {"space": "unreg", "n_associated": 0}],
    }
    lines = demo.headline_table(comparison).splitlines()
    assert len(lines) == 3
    assert lines[2] == ("| reg vs unreg | 0.400 vs 0.100 (Δ +0.300 ± 0.100) | — | 2 vs 0 | 3 vs 0 | 5 vs 1 |")

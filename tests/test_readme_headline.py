"""The README's headlines are verbatim copies of the committed reproduce reports' headlines
(the fixed-budget default run and the ``--converge`` run), so the figures a reader sees first
come from committed runs."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


@pytest.mark.parametrize("run", ["reproduce", "reproduce-converge"])
def test_readme_headline_is_the_committed_reports(run):
    headline = (RESULTS / run / "headline.md").read_text(encoding="utf-8").strip()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert headline.startswith("`zoo reproduce")
    assert headline in readme
    report = (RESULTS / f"{run}.md").read_text(encoding="utf-8")
    # every row of the headline's pair table is a row the report's verdict table summarises
    for line in headline.splitlines():
        if line.startswith("| ") and " vs " in line and ": " in line:
            pair = line.split(": ", 1)[1].split(" | ")[0]
            assert pair in report, pair

"""The README's headline is a verbatim copy of the committed full reproduce report's
headline, so the figures a reader sees first come from a committed run."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_headline_is_the_committed_reports():
    headline = (ROOT / "benchmarks" / "results" / "reproduce" / "headline.md").read_text(encoding="utf-8").strip()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert headline.startswith("`zoo reproduce")
    assert headline in readme
    report = (ROOT / "benchmarks" / "results" / "reproduce.md").read_text(encoding="utf-8")
    # every row of the headline's pair table is a row the report's verdict table summarises
    for line in headline.splitlines():
        if line.startswith("| ") and " vs " in line and ": " in line:
            pair = line.split(": ", 1)[1].split(" | ")[0]
            assert pair in report, pair

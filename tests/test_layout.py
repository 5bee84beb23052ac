"""Repository conventions the test runner relies on."""
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_test_module_names_are_unique():
    # pytest's default import mode puts each test folder on sys.path, so two test
    # modules with one basename (tests/.../test_x.py and benchmarks/test_x.py) collide.
    names = Counter(p.name for folder in ("tests", "benchmarks")
                    for p in (ROOT / folder).rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []


def _quick_start_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Quick start", 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines()[1:] if line.strip()]


def test_readme_quick_start_is_two_command_lines():
    lines = _quick_start_lines()
    assert len(lines) == 2
    assert "pytest" in lines[1] and "zoo demo" in lines[0]


def test_ci_runs_the_readme_test_line_verbatim():
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _quick_start_lines()[1] in ci_lines

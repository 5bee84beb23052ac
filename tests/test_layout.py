"""Repository conventions the test runner relies on."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_test_folders_mirror_the_packages():
    # tests/<path>/test_<module>.py tests <path>/<module>.py. pytest imports test modules by
    # their path (--import-mode=importlib) as packages (each folder has an __init__.py, so a
    # helper beside them is imported relatively), so a basename may repeat across folders.
    tests = ROOT / "tests"
    folders = {p.parent.relative_to(tests) for p in tests.rglob("test_*.py")}
    assert sorted(str(f) for f in folders if f.parts and not (ROOT / f).is_dir()) == []
    assert sorted(str(f) for f in folders if not (tests / f / "__init__.py").is_file()) == []


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

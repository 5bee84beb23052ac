"""The root conftest's CI policy: an unexpected skip fails the run; hardware skips and
runs outside CI are left alone."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SKIPPING_TESTS = '''
import pytest

def test_runs():
    assert True

def test_tool_missing():
    pytest.skip("plink2 is not installed")

@pytest.fixture
def tool():
    pytest.skip("no such tool")

def test_fixture_skips(tool):
    pass

def test_gpu():
    pytest.skip("hardware: needs a GPU")
'''

SKIPPED_MODULE = '''
import pytest

pytest.importorskip("a_module_that_is_not_installed")

def test_never_collected():
    pass
'''


def _run(tmp_path: Path, ci: str | None, tests: str = SKIPPING_TESTS) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_skips.py").write_text(tests)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci", ["1", "true"])
def test_unexpected_skips_fail_under_ci(tmp_path, ci):
    result = _run(tmp_path, ci)
    assert result.returncode == 1, result.stdout
    tail = result.stdout.strip().splitlines()[-1]
    # test_tool_missing fails, test_fixture_skips errors in setup; the GPU skip stays a skip
    assert "1 passed" in tail and "1 skipped" in tail and "1 failed" in tail and "1 error" in tail, tail
    assert "plink2 is not installed" in result.stdout and "no such tool" in result.stdout


def test_a_module_skipped_at_import_fails_under_ci(tmp_path):
    result = _run(tmp_path, "1", SKIPPED_MODULE)
    assert result.returncode != 0 and "a_module_that_is_not_installed" in result.stdout, result.stdout
    assert _run(tmp_path, None, SKIPPED_MODULE).returncode == 5  # outside CI: nothing ran, nothing failed


@pytest.mark.parametrize("ci", [None, "0", "false"])
def test_skips_stay_skips_outside_ci(tmp_path, ci):
    result = _run(tmp_path, ci)
    assert result.returncode == 0, result.stdout
    tail = result.stdout.strip().splitlines()[-1]
    assert "1 passed" in tail and "3 skipped" in tail and "failed" not in tail, tail

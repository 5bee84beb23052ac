"""Test-run policy for tests/ and benchmarks/: under CI, a skip is a failure.

A skip turns a missing tool or an import regression into a green run, so when the ``CI``
environment variable is set (``.ci/run`` exports ``CI=1``; hosted CI sets ``CI=true``)
every skipped test or module fails the run, unless its reason is on the allow-list:
only hardware the CI machine cannot have (a GPU, several accelerators), spelled
``pytest.skip("hardware: …")``.
"""
from __future__ import annotations

import os
import re

import pytest

ALLOWED_SKIP_REASONS = (re.compile(r"^hardware: "),)


def ci_forbids_skips() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_reason(report) -> str:
    """The reason pytest recorded for a skipped report ('Skipped: ' removed)."""
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return text.removeprefix("Skipped: ")


def _fail_unexpected_skip(report) -> None:
    if not report.skipped or hasattr(report, "wasxfail") or not ci_forbids_skips():
        return
    reason = skip_reason(report)
    if any(pattern.search(reason) for pattern in ALLOWED_SKIP_REASONS):
        return
    report.outcome = "failed"
    report.longrepr = (f"skipped under CI, which expects every test to run: {reason!r} "
                       f"(allowed only: reasons matching {[p.pattern for p in ALLOWED_SKIP_REASONS]})")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_unexpected_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_unexpected_skip(outcome.get_result())

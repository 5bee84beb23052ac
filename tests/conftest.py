"""Fixtures shared by every test folder."""
import shutil

import pytest


@pytest.fixture(scope="session")
def plink2():
    """Path of the plink2 binary (the correctness oracle); skips where it is not installed."""
    path = shutil.which("plink2")
    if path is None:
        pytest.skip("plink2 is not installed")
    return path

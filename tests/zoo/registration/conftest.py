"""Shared fixtures for the registration tests: small smooth synthetic images."""
from __future__ import annotations

import pytest

from .regsynth import blob_image, write_store


@pytest.fixture
def blobs():
    return blob_image


@pytest.fixture
def make_store():
    return write_store

"""Fixtures of the preset tests: a mirror served on the loopback, a clean environment."""
from __future__ import annotations

import pytest

from .presetkit import FaultServer, make_preset, write_mirror, write_registry

PAYLOAD = {"encoder.keras": bytes(range(256)) * 64, "template.npy": b"\x93NUMPY" + b"\x01" * 4000}


@pytest.fixture(autouse=True)
def _zoo_env(monkeypatch, tmp_path):
    """No test reads the user's cache or a mirror from the environment."""
    for var in ("ZOO_BASE_URL", "ZOO_OFFLINE", "ZOO_REGISTRY", "ZOO_TIMEOUT", "ZOO_RETRIES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def mirror(tmp_path):
    """(server, preset, registry path, payload): the preset's files served, none bundled."""
    preset = make_preset(PAYLOAD)
    write_mirror(tmp_path / "www", preset, PAYLOAD)
    with FaultServer(tmp_path / "www") as server:
        preset = make_preset(PAYLOAD, urls=(server.url,))
        registry = write_registry(tmp_path / "reg" / "registry.json", [preset])
        yield server, preset, registry, PAYLOAD

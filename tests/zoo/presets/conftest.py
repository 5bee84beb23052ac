"""Fixtures of the preset tests: a mirror served on the loopback, a clean environment."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from zoo.reproduce.run import MANIFEST, run_reproduce
from zoo.reproduce.settings import QUICK, Settings

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


# A tiny `zoo reproduce` run (every model, 2 seeds, the nuisance-0 control level): minutes
# of training, shared by the slow tests that publish from it. Three pooled blocks, as in the
# full run: with the quick network's two, a 128×128 DXA encoder's flattened bottleneck is
# over the 1 MB a preset file may hold. REGZOO_REPRODUCE_RUN names a finished run with these
# settings to reuse instead (it is read, never written).
TINY_REPRODUCE = dict(n=50, seeds=2, sweep=(0.0,), n_variants=1000, epochs=1, steps=2, batch=8, patience=1,
                      reg_epochs=1, reg_steps=2, splits=2, dense_blocks=(8, 16, 16))


@pytest.fixture(scope="session")
def reproduce_run(tmp_path_factory):
    settings = QUICK.with_(**TINY_REPRODUCE)
    given = os.environ.get("REGZOO_REPRODUCE_RUN")
    out = Path(given) if given else tmp_path_factory.mktemp("reproduce") / "run"
    if not given:
        run_reproduce(out, settings, say=lambda line: None)
    recorded = Settings.from_dict(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["settings"])
    assert recorded == settings, f"{out}: a run of other settings ({recorded})"
    return out

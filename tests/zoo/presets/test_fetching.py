"""Downloads over real HTTP on the loopback, with faults: the right outcome, and never a
bad file left in the cache."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .presetkit import FaultServer, make_preset, write_mirror, write_raw_registry, write_registry
from zoo.presets.fetching import FetchError, fetch, verify
from zoo.presets.registry import Registry

FAST = {"timeout": 2.0, "retries": 2}


def _cache(tmp_path) -> Path:
    return tmp_path / "cache"


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _path(server, preset, name):
    return f"/files/{preset.ref}/{name}"


def test_download_verifies_and_then_hits_the_cache(mirror, tmp_path):
    server, preset, registry, payload = mirror
    paths = fetch(preset.ref, registry=Registry([registry]), **FAST)
    for name, data in payload.items():
        assert paths[name] == _cache(tmp_path) / preset.ref / name
        assert paths[name].read_bytes() == data
    hits = dict(server.hits)
    again = fetch(preset.name, registry=Registry([registry]), **FAST)  # newest version = the same
    assert again == paths and server.hits == hits  # a verified cache hit makes no request
    assert _listing(_cache(tmp_path)) == sorted(f"{preset.ref}/{n}" for n in payload)


@pytest.mark.parametrize("fault", ["corrupt", "truncate", "404"])
def test_persistent_fault_is_an_error_and_leaves_nothing(mirror, tmp_path, fault):
    server, preset, registry, _ = mirror
    server.faults[_path(server, preset, "encoder.keras")] = [fault] * 10
    with pytest.raises(FetchError) as err:
        fetch(preset.ref, registry=Registry([registry]), timeout=2.0, retries=1)
    assert preset.ref in str(err.value) and "encoder.keras" in str(err.value)
    if fault == "404":
        assert "404" in str(err.value)
    assert server.hits[_path(server, preset, "encoder.keras")] == 2  # 1 try + 1 retry, bounded
    assert not (_cache(tmp_path) / preset.ref / "encoder.keras").exists()
    assert [n for n in _listing(_cache(tmp_path)) if "encoder" in n or "tmp" in n] == []


@pytest.mark.parametrize("fault", ["500", "corrupt", "truncate"])
def test_one_transient_fault_then_success(mirror, tmp_path, fault):
    server, preset, registry, payload = mirror
    key = _path(server, preset, "encoder.keras")
    server.faults[key] = [fault]
    paths = fetch(preset.ref, registry=Registry([registry]), **FAST)
    assert paths["encoder.keras"].read_bytes() == payload["encoder.keras"]
    assert server.hits[key] == 2
    assert _listing(_cache(tmp_path)) == sorted(f"{preset.ref}/{n}" for n in payload)


def test_stalled_response_times_out_within_the_bound(tmp_path):
    payload = {"encoder.keras": b"x" * 5000}
    preset = make_preset(payload)
    write_mirror(tmp_path / "www", preset, payload)
    with FaultServer(tmp_path / "www", stall_seconds=20) as server:
        server.faults[_path(server, preset, "encoder.keras")] = ["stall"] * 5
        registry = Registry([write_registry(tmp_path / "reg" / "registry.json", [make_preset(payload, urls=(server.url,))])])
        t0 = time.monotonic()
        with pytest.raises(FetchError, match="could not download"):
            fetch(preset.ref, registry=registry, timeout=1.0, retries=0)
        assert time.monotonic() - t0 < 20  # the client gave up; it did not wait for the server
    assert _listing(_cache(tmp_path)) == []


def test_offline_uses_the_cache_and_never_the_network(mirror, tmp_path):
    server, preset, registry, payload = mirror
    with pytest.raises(FetchError) as err:
        fetch(preset.ref, registry=Registry([registry]), offline=True, **FAST)
    assert "ZOO_OFFLINE" in str(err.value) and f"zoo presets fetch {preset.ref}" in str(err.value)
    assert server.hits == {}
    fetch(preset.ref, registry=Registry([registry]), **FAST)
    hits = dict(server.hits)
    os.environ["ZOO_OFFLINE"] = "1"  # the environment switch, as a user sets it (conftest resets it)
    try:
        paths = fetch(preset.ref, registry=Registry([registry]), **FAST)
    finally:
        del os.environ["ZOO_OFFLINE"]
    assert paths["encoder.keras"].read_bytes() == payload["encoder.keras"] and server.hits == hits


def test_tampered_cache_file_is_replaced_or_removed(mirror, tmp_path):
    server, preset, registry, payload = mirror
    paths = fetch(preset.ref, registry=Registry([registry]), **FAST)
    target = paths["encoder.keras"]
    target.write_bytes(b"tampered" + payload["encoder.keras"][8:])
    again = fetch(preset.ref, registry=Registry([registry]), **FAST)
    assert again["encoder.keras"].read_bytes() == payload["encoder.keras"]
    assert server.hits[_path(server, preset, "encoder.keras")] == 2
    target.write_bytes(b"tampered")
    with pytest.raises(FetchError, match="was removed"):
        fetch(preset.ref, registry=Registry([registry]), offline=True)
    assert not target.exists()  # a bad copy is never left under the good name


def test_verify_reports_cached_and_bundled_files(mirror, tmp_path):
    server, preset, registry, payload = mirror
    rows = verify(Registry([registry]), cache=_cache(tmp_path))
    assert {r["status"] for r in rows} == {"missing"}
    fetch(preset.ref, registry=Registry([registry]), **FAST)
    (_cache(tmp_path) / preset.ref / "template.npy").write_bytes(b"bad")
    rows = {r["file"]: r for r in verify(Registry([registry]), cache=_cache(tmp_path))}
    assert rows["encoder.keras"]["status"] == "ok" and rows["template.npy"]["status"] == "mismatch"


def test_bundled_copy_is_used_and_checked(tmp_path):
    payload = {"encoder.keras": b"model bytes" * 100}
    preset = make_preset(payload)
    write_mirror(tmp_path / "pkg", preset, payload)  # files beside the registry = bundled
    registry = Registry([write_registry(tmp_path / "pkg" / "registry.json", [preset])])
    paths = fetch(preset.ref, registry=registry, offline=True)
    assert paths["encoder.keras"] == tmp_path / "pkg" / "files" / preset.ref / "encoder.keras"
    copied = fetch(preset.ref, registry=registry, offline=True, cache=tmp_path / "dest", copy_bundled=True)
    assert copied["encoder.keras"].read_bytes() == payload["encoder.keras"]
    paths["encoder.keras"].write_bytes(b"damaged")
    with pytest.raises(FetchError, match="installation is damaged"):
        fetch(preset.ref, registry=registry, offline=True, cache=tmp_path / "empty")


@pytest.mark.parametrize("bad", ["../evil.keras", "/tmp/evil.keras", "a/../../evil", "..", "sub/encoder.keras"])
def test_traversal_names_are_refused(tmp_path, bad):
    entry = make_preset({"encoder.keras": b"x"}).to_dict()
    entry["files"][0]["name"] = bad
    path = write_raw_registry(tmp_path / "reg" / "registry.json", [entry])
    with pytest.raises(ValueError, match="plain file name"):
        Registry([path])
    assert _listing(_cache(tmp_path)) == []


def test_duplicate_version_is_an_error(tmp_path):
    preset = make_preset({"encoder.keras": b"x"})
    with pytest.raises(ValueError, match="already registered"):
        Registry([write_registry(tmp_path / "a" / "registry.json", [preset]),
                  write_registry(tmp_path / "b" / "registry.json", [preset])])


_CHILD = """
import sys
from zoo.presets.fetching import fetch
from zoo.presets.registry import Registry
paths = fetch(sys.argv[1], registry=Registry([sys.argv[2]]), timeout=10.0, retries=2)
print(paths["encoder.keras"])
"""


def test_four_processes_fetching_at_once_end_with_one_good_copy(tmp_path):
    payload = {"encoder.keras": os.urandom(200_000)}
    preset = make_preset(payload)
    write_mirror(tmp_path / "www", preset, payload)
    # each body trickles out in 8 pieces, so the four downloads overlap
    with FaultServer(tmp_path / "www", chunk_delay=0.1) as server:
        registry = write_registry(tmp_path / "reg" / "registry.json", [make_preset(payload, urls=(server.url,))])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        procs = [subprocess.Popen([sys.executable, "-c", _CHILD, preset.ref, str(registry)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
        results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [r[1][-500:] for r in results]
    target = _cache(tmp_path) / preset.ref / "encoder.keras"
    assert {r[0].strip() for r in results} == {str(target)}
    assert hashlib.sha256(target.read_bytes()).hexdigest() == preset.files[0].sha256
    assert _listing(_cache(tmp_path)) == [f"{preset.ref}/encoder.keras"]  # no temp file left behind

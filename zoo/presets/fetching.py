"""Where a preset's files come from, verified: cache → bundled copy → download (pooch).

Every path checks sha256, cache hits included. A damaged file in the cache is removed
(it is ours: the cache holds only what this module wrote) and fetched again. Downloads go
through :mod:`pooch`: a temp file in the cache folder, hashed, then renamed — so a crash
or a bad transfer never leaves a file under the final name, and processes fetching the
same file at once each rename a verified copy over the same name (no lock needed).

Environment: ``ZOO_CACHE_DIR`` (default: the platform cache, ``pooch.os_cache``),
``ZOO_BASE_URL`` (a mirror laid out like ``zoo presets publish --out``), ``ZOO_OFFLINE=1``
(never touch the network), ``ZOO_TIMEOUT`` (seconds per connect/read, default 30) and
``ZOO_RETRIES`` (extra attempts per URL, default 2).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote

from fastio.safefs import atomic_output, is_within
from zoo.presets.record import FileEntry, check_file_name
from zoo.presets.registry import Entry, Registry, load_registry

__all__ = ["FetchError", "cache_dir", "fetch", "is_offline", "resolve_file", "sha256_of", "file_url",
           "verify"]


class FetchError(ValueError):
    """A preset file that could not be found or verified; the message says which and why."""


def cache_dir() -> Path:
    env = os.environ.get("ZOO_CACHE_DIR")
    if env:
        return Path(env)
    import pooch

    return Path(pooch.os_cache("regzoo"))


def is_offline() -> bool:
    return os.environ.get("ZOO_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def _env_number(name: str, default, kind):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"Expected {name} to be a number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"Expected {name} >= 0, got {raw!r}")
    return value


def sha256_of(path: str | os.PathLike) -> str:
    import pooch

    return pooch.file_hash(str(path), alg="sha256")


def file_url(base: str, ref: str, name: str) -> str:
    """A mirror serves ``files/<name>@<version>/<file>`` under its base URL."""
    return f"{base.rstrip('/')}/files/{quote(ref)}/{quote(name)}"


def _cache_target(root: Path, ref: str, file: FileEntry) -> Path:
    check_file_name(file.name)
    target = root / ref / file.name
    if not is_within(target, root):
        raise FetchError(f"Preset {ref}: file name {file.name!r} would leave the cache {root}; refused")
    return target


def _download(url: str, target: Path, file: FileEntry, timeout: float, retries: int) -> None:
    import pooch

    target.parent.mkdir(parents=True, exist_ok=True)
    fetcher = pooch.create(path=target.parent, base_url="", registry={file.name: f"sha256:{file.sha256}"},
                           urls={file.name: url}, retry_if_failed=retries)
    # (connect, read) timeouts: a stalled server fails the attempt instead of hanging.
    downloader = pooch.HTTPDownloader(timeout=(timeout, timeout), progressbar=False)
    fetcher.fetch(file.name, downloader=downloader)


def resolve_file(entry: Entry, file: FileEntry, *, cache: str | os.PathLike | None = None,
                 offline: bool | None = None, base_url: str | None = None,
                 timeout: float | None = None, retries: int | None = None,
                 copy_bundled: bool = False) -> Path:
    """A verified local path of ``file``. ``copy_bundled`` puts a bundled file into the
    cache too (for ``zoo presets fetch --dest``: a folder to carry to an offline machine)."""
    preset = entry.preset
    root = Path(cache) if cache is not None else cache_dir()
    offline = is_offline() if offline is None else offline
    timeout = _env_number("ZOO_TIMEOUT", 30.0, float) if timeout is None else timeout
    retries = _env_number("ZOO_RETRIES", 2, int) if retries is None else retries
    target = _cache_target(root, preset.ref, file)
    note = ""
    if target.is_file():
        actual = sha256_of(target)
        if actual == file.sha256:
            return target
        target.unlink()  # never serve, never keep a copy that fails its hash
        note = f" (a cached copy with sha256 {actual} was removed)"
    bundled = entry.bundled(file.name)
    if bundled.is_file():
        actual = sha256_of(bundled)
        if actual != file.sha256:
            raise FetchError(f"{bundled}: bundled file of preset {preset.ref} has sha256 {actual}, expected "
                             f"{file.sha256}; the installation is damaged (reinstall regzoo)")
        if not copy_bundled:
            return bundled
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(target) as tmp:
            shutil.copyfile(bundled, tmp)
            if sha256_of(tmp) != file.sha256:
                raise FetchError(f"{target}: copy of {bundled} does not match sha256 {file.sha256}")
        return target
    base = base_url if base_url is not None else os.environ.get("ZOO_BASE_URL", "")
    urls = [file_url(b, preset.ref, file.name) for b in ([base] if base else preset.urls)]
    if offline:
        raise FetchError(f"Preset {preset.ref}: file {file.name} is not in the cache ({root}){note} and "
                         f"ZOO_OFFLINE=1 forbids downloading it. Prefetch it where there is network with "
                         f"`zoo presets fetch {preset.ref} --dest DIR` and point ZOO_CACHE_DIR at DIR.")
    if not urls:
        raise FetchError(f"Preset {preset.ref}: file {file.name} is neither cached ({root}) nor bundled{note}, "
                         "and the registry gives no URL; set ZOO_BASE_URL to a mirror")
    errors = []
    for url in urls:
        try:
            _download(url, target, file, timeout, retries)
        except Exception as exc:  # requests/pooch raise many types; each is reported below
            errors.append(f"{url}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        if target.is_file() and sha256_of(target) == file.sha256:
            return target
        errors.append(f"{url}: the downloaded file did not verify")
    raise FetchError(f"Preset {preset.ref}: could not download {file.name} ({retries} retries, "
                     f"{timeout:g} s timeout){note}:\n  " + "\n  ".join(errors))


def fetch(ref, *, registry: Registry | None = None, **options) -> dict[str, Path]:
    """Verified local paths of every file of a preset, by file name."""
    entry = (registry or load_registry()).entry(ref)
    return {f.name: resolve_file(entry, f, **options) for f in entry.preset.files}


def verify(registry: Registry | None = None, *, cache: str | os.PathLike | None = None) -> list[dict]:
    """Check every file of every preset where it is available locally (cache and bundled
    copy), without any network: one row per file with ``status`` ok / mismatch / missing."""
    registry = registry or load_registry()
    root = Path(cache) if cache is not None else cache_dir()
    rows = []
    for key in sorted(registry.entries):
        entry = registry.entries[key]
        for file in entry.preset.files:
            places = [("cache", _cache_target(root, entry.preset.ref, file)), ("bundled", entry.bundled(file.name))]
            found = [(where, p) for where, p in places if p.is_file()]
            if not found:
                rows.append({"preset": entry.preset.ref, "file": file.name, "where": "-", "status": "missing",
                             "detail": "not cached, not bundled"})
            for where, path in found:
                actual = sha256_of(path)
                ok = actual == file.sha256 and path.stat().st_size == file.size
                rows.append({"preset": entry.preset.ref, "file": file.name, "where": where,
                             "status": "ok" if ok else "mismatch",
                             "detail": str(path) if ok else f"{path}: sha256 {actual}, expected {file.sha256}"})
    return rows

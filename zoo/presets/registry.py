"""The registry: which presets exist, read from data files (never code).

The package ships ``zoo/presets/registry.json`` with its files under
``zoo/presets/files/<name>@<version>/``. A mirror (what ``zoo presets publish --out``
writes) has the same layout; ``ZOO_REGISTRY`` names extra registry files (``os.pathsep``
separated) whose entries join the shipped ones. ``name@version`` is unique: two entries
for one version are an error, whatever their content.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from zoo.presets.record import Preset, parse_ref

__all__ = ["Entry", "Registry", "PACKAGE_REGISTRY", "load_registry", "read_registry_file",
           "registry_json", "FORMAT"]

PACKAGE_REGISTRY = Path(__file__).with_name("registry.json")
FORMAT = 1


@dataclass(frozen=True)
class Entry:
    """A preset and the folder its registry file lives in (its ``files/`` are the bundled
    copies)."""

    preset: Preset
    root: Path

    def bundled(self, file_name: str) -> Path:
        return self.root / "files" / self.preset.ref / file_name


def read_registry_file(path: str | os.PathLike) -> list[Preset]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: registry file not found") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: expected a JSON registry, got invalid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("presets"), list):
        raise ValueError(f"{path}: expected {{'format': {FORMAT}, 'presets': [...]}}, got "
                         f"{type(data).__name__} with keys {sorted(data) if isinstance(data, dict) else '-'}")
    presets = []
    for i, item in enumerate(data["presets"]):
        try:
            presets.append(Preset.from_dict(item))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: preset entry {i} ({item.get('name', '?') if isinstance(item, dict) else item!r}): "
                             f"{exc}") from None
    return presets


def registry_json(presets) -> str:
    """The registry file's text: presets sorted by name and version, stable formatting."""
    items = sorted(presets, key=lambda p: (p.name, p.version))
    return json.dumps({"format": FORMAT, "presets": [p.to_dict() for p in items]}, indent=1) + "\n"


class Registry:
    """Presets by ``name@version``, each with the folder it came from."""

    def __init__(self, files=()):
        self.entries: dict[tuple[str, int], Entry] = {}
        self.sources: list[Path] = []
        for path in files:
            self.add_file(path)

    def add_file(self, path: str | os.PathLike) -> None:
        path = Path(path)
        if any(path.resolve() == seen.resolve() for seen in self.sources):
            return  # the same file named twice (e.g. ZOO_REGISTRY naming the shipped one)
        for preset in read_registry_file(path):
            key = (preset.name, preset.version)
            if key in self.entries:
                raise ValueError(f"{path}: preset {preset.ref} is already registered by "
                                 f"{self.entries[key].root}; a version is published once")
            self.entries[key] = Entry(preset, path.parent)
        self.sources.append(path)

    def versions(self, name: str) -> list[int]:
        return sorted(v for n, v in self.entries if n == name)

    def entry(self, ref: str | Preset) -> Entry:
        """The entry of ``name@N``, or of the newest version of ``name``."""
        if isinstance(ref, Preset):
            ref = ref.ref
        name, version = parse_ref(ref)
        versions = self.versions(name)
        if not versions:
            known = sorted({n for n, _ in self.entries})
            raise ValueError(f"Unknown preset {name!r}; expected one of: {', '.join(known) or '(none)'} "
                             "(`zoo presets list`)")
        if version is None:
            version = versions[-1]
        if version not in versions:
            raise ValueError(f"Preset {name}: no version {version}; published versions are {versions}")
        return self.entries[(name, version)]

    def get(self, ref: str | Preset) -> Preset:
        return self.entry(ref).preset

    def presets(self) -> list[Preset]:
        return [self.entries[k].preset for k in sorted(self.entries)]


def load_registry(extra=None) -> Registry:
    """The shipped registry plus ``ZOO_REGISTRY`` files plus ``extra`` (paths)."""
    files = [PACKAGE_REGISTRY] if PACKAGE_REGISTRY.is_file() else []
    env = os.environ.get("ZOO_REGISTRY", "")
    files += [Path(p) for p in env.split(os.pathsep) if p]
    if extra is not None:
        files += [Path(p) for p in ([extra] if isinstance(extra, (str, os.PathLike)) else extra)]
    return Registry(files)

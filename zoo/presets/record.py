"""The preset vocabulary: one frozen record per published set of weights.

A preset is named ``<tensor>.<registration>.<objective>`` (``ecg_rest.median_beat.ae``,
``dxa_2.none.dropfuse_dxa_5``) and pinned by ``@<version>``; a version's bytes never
change. The record is plain data: the registry file holds its ``to_dict`` and the card's
YAML front matter is the same dictionary.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from fastio.spec import TensorSpec

__all__ = ["FileEntry", "Preset", "parse_ref", "check_file_name", "check_preset_name", "ROLES"]

_PART = r"[a-z0-9][a-z0-9_]*"
_NAME = re.compile(rf"{_PART}\.{_PART}\.{_PART}")
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# what a shipped file is for: the encoder, or state the registration step reloads
ROLES = ("encoder", "registration")


def check_preset_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"Expected a preset name <tensor>.<registration>.<objective> of lower-case "
                         f"letters, digits and '_' (e.g. 'ecg_rest.median_beat.ae'), got {name!r}")
    return name


def check_file_name(name: str) -> str:
    """A file name that stays inside the folder it is joined to: no separators, no
    ``..``, not absolute (a registry entry must never write outside the cache)."""
    if not isinstance(name, str) or not _FILE.fullmatch(name) or ".." in name:
        raise ValueError(f"Expected a plain file name (letters, digits, '.', '_', '-'; no '/', no '..'), "
                         f"got {name!r}")
    return name


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``name@N`` -> (name, N); ``name`` -> (name, None) meaning the newest version."""
    if not isinstance(ref, str):
        raise ValueError(f"Expected a preset name such as 'dxa_12.homography.ae@1', got {ref!r}")
    name, sep, version = ref.partition("@")
    check_preset_name(name)
    if not sep:
        return name, None
    if not version.isdigit() or int(version) < 1:
        raise ValueError(f"Expected a positive integer version after '@' in {ref!r}")
    return name, int(version)


@dataclass(frozen=True)
class FileEntry:
    """One file of a preset: its plain name, sha256, size in bytes and role."""

    name: str
    sha256: str
    size: int
    role: str = "encoder"

    def __post_init__(self) -> None:
        check_file_name(self.name)
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"File {self.name}: expected a sha256 of 64 lower-case hex digits, got {self.sha256!r}")
        if isinstance(self.size, bool) or int(self.size) < 0:
            raise ValueError(f"File {self.name}: expected a size >= 0 bytes, got {self.size!r}")
        object.__setattr__(self, "size", int(self.size))
        if self.role not in ROLES:
            raise ValueError(f"File {self.name}: expected role in {ROLES}, got {self.role!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FileEntry":
        return cls(**dict(data))


def _plain(value):
    """Tuples to lists, recursively, so a record's dict equals its JSON/YAML round trip."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Preset:
    """A versioned pretrained encoder and everything needed to use it.

    ``source`` is the tensor as ml4h stores it (what :func:`zoo.embed` takes); ``input``
    is what the encoder reads: ``source`` after ``registration`` (method, its parameters,
    and the state files it reloads), with the normalisation resolved to fixed numbers.
    """

    name: str
    version: int
    source: TensorSpec
    input: TensorSpec
    registration: Mapping[str, Any]
    objective: str
    embedding_dim: int
    files: tuple[FileEntry, ...]
    architecture: Mapping[str, Any] = field(default_factory=dict)
    license: str = "Apache-2.0"
    urls: tuple[str, ...] = ()
    training: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        check_preset_name(self.name)
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError(f"Preset {self.name}: expected a positive integer version, got {self.version!r}")
        for key in ("source", "input"):
            value = getattr(self, key)
            if isinstance(value, Mapping):
                object.__setattr__(self, key, TensorSpec.from_dict(value))
            elif not isinstance(value, TensorSpec):
                raise ValueError(f"Preset {self.name}: expected {key} to be a TensorSpec, got {value!r}")
        tensor, method, objective = self.name.split(".")
        if tensor != self.source.name:
            raise ValueError(f"Preset {self.name}: expected the name to start with the source tensor "
                             f"{self.source.name!r}")
        if self.registration.get("method") != method:
            raise ValueError(f"Preset {self.name}: expected registration method {method!r} (from the name), "
                             f"got {self.registration.get('method')!r}")
        if objective != self.objective:
            raise ValueError(f"Preset {self.name}: expected objective {objective!r} (from the name), "
                             f"got {self.objective!r}")
        if self.input.normalization.kind == "dataset_zscore":
            raise ValueError(f"Preset {self.name}: expected the input normalisation resolved to fixed "
                             "numbers (standardize), got dataset_zscore")
        if isinstance(self.embedding_dim, bool) or int(self.embedding_dim) < 1:
            raise ValueError(f"Preset {self.name}: expected a positive embedding_dim, got {self.embedding_dim!r}")
        files = tuple(f if isinstance(f, FileEntry) else FileEntry.from_dict(f) for f in self.files)
        names = [f.name for f in files]
        if len(set(names)) != len(names):
            raise ValueError(f"Preset {self.name}: duplicate file names {names}")
        if [f.role for f in files].count("encoder") != 1:
            raise ValueError(f"Preset {self.name}: expected exactly one file with role 'encoder', got {names}")
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "urls", tuple(str(u) for u in self.urls))
        for key in ("registration", "architecture", "training", "metrics"):
            object.__setattr__(self, key, _plain(getattr(self, key)))

    @property
    def ref(self) -> str:
        """``name@version``: what a card file and a cache folder are called."""
        return f"{self.name}@{self.version}"

    @property
    def tensor(self) -> str:
        return self.source.name

    @property
    def method(self) -> str:
        return self.registration["method"]

    @property
    def encoder_file(self) -> FileEntry:
        return next(f for f in self.files if f.role == "encoder")

    @property
    def card_path(self) -> str:
        return f"model_cards/{self.ref}.md"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "description": self.description,
            "source": self.source.to_dict(), "input": self.input.to_dict(),
            "registration": _plain(self.registration), "objective": self.objective,
            "embedding_dim": int(self.embedding_dim), "architecture": _plain(self.architecture),
            "files": [f.to_dict() for f in self.files], "license": self.license,
            "urls": list(self.urls), "training": _plain(self.training), "metrics": _plain(self.metrics),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Preset":
        data = dict(data)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Unknown preset fields {sorted(unknown)} in {data.get('name', '?')!r}; "
                             f"expected {sorted(known)}")
        data["files"] = tuple(FileEntry.from_dict(f) for f in data.get("files", ()))
        data["urls"] = tuple(data.get("urls", ()))
        return cls(**data)

"""The source inventory: which ``{sample_id}.hd5`` files a conversion reads.

The inventory fixes the store's row order (sample ids sorted in string order) and its
digest is what a rerun, a part and a merge compare to know they describe the same input.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from fastio.hdf5 import HDF5_SUFFIX, is_sample_file, sample_id_of

__all__ = ["Inventory", "scan_sources"]


@dataclass(frozen=True)
class Inventory:
    """Files under ``root`` grouped by sample id. ``files[i]`` lists every file (relative
    path, sorted) that claims ``sample_ids[i]``; more than one is a duplicate id."""

    root: str
    sample_ids: tuple[str, ...]
    files: tuple[tuple[str, ...], ...]
    sizes: tuple[tuple[int, ...], ...]

    @property
    def n_files(self) -> int:
        return sum(len(f) for f in self.files)

    @property
    def duplicates(self) -> dict[str, tuple[str, ...]]:
        return {s: f for s, f in zip(self.sample_ids, self.files) if len(f) > 1}

    @property
    def source_files(self) -> list[str]:
        """One file per sample id for the store's ``source_file`` array (first of duplicates)."""
        return [f[0] for f in self.files]

    def digest(self) -> str:
        """sha256 over (relative path, size) of every file: stable under copying the tree
        to another machine, different when files are added, removed or rewritten."""
        h = hashlib.sha256()
        for files, sizes in zip(self.files, self.sizes):
            for f, s in zip(files, sizes):
                h.update(f"{f}\0{s}\n".encode())
        return h.hexdigest()

    def to_dict(self) -> dict:
        return {"root": self.root, "sample_ids": list(self.sample_ids),
                "files": [list(f) for f in self.files], "sizes": [list(s) for s in self.sizes]}

    @classmethod
    def from_dict(cls, data: dict) -> "Inventory":
        return cls(root=data["root"], sample_ids=tuple(data["sample_ids"]),
                   files=tuple(tuple(f) for f in data["files"]),
                   sizes=tuple(tuple(int(x) for x in s) for s in data["sizes"]))


def scan_sources(src_dir: str | os.PathLike) -> Inventory:
    """Every ``*.hd5`` (any case; ``.h5``/``.hdf5`` too) under ``src_dir`` (recursively),
    grouped by sample id. A folder without any is an error, not an empty store."""
    root = Path(src_dir)
    if not root.is_dir():
        raise ValueError(f"{root}: expected a folder of ml4h {HDF5_SUFFIX} sample files")
    by_id: dict[str, list[tuple[str, int]]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            if not is_sample_file(name):
                continue
            full = Path(dirpath) / name
            rel = full.relative_to(root).as_posix()
            by_id.setdefault(sample_id_of(name), []).append((rel, full.stat().st_size))
    if not by_id:
        raise ValueError(f"{root}: no ml4h {HDF5_SUFFIX} sample files found (searched recursively); "
                         "expected a folder of {sample_id}.hd5 files")
    ids = sorted(by_id)
    entries = [sorted(by_id[s]) for s in ids]
    return Inventory(
        root=str(root.resolve()),
        sample_ids=tuple(ids),
        files=tuple(tuple(f for f, _ in e) for e in entries),
        sizes=tuple(tuple(s for _, s in e) for e in entries),
    )

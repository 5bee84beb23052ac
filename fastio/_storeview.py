"""What the loader needs from a store, whether it got a path or a fastio ``Store``.

A path is read straight from the on-disk contract (zarr v3 group, ``attrs["regzoo"]``,
``sample_id``, ``present/<name>``, per-array ``attrs["stats"]``), so the loader depends
on the format, not on the writer's Python API. An object with the ``Store`` methods
(``spec``, ``present``, ``array_path``, ``sample_ids``, ``stats``) is used as is.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from fastio import integrity
from fastio.spec import TensorSpec
from fastio.store import RECONVERT, STORE_FORMAT

__all__ = ["StoreView", "open_view"]


class StoreView:
    def __init__(self, path: str | os.PathLike, allow_incomplete: bool = False):
        self.path = Path(path)
        self.allow_incomplete = bool(allow_incomplete)
        meta_file = self.path / "zarr.json"
        if not meta_file.is_file():
            raise ValueError(f"{self.path}: expected a regzoo zarr store (a zarr v3 group), found no zarr.json")
        meta = integrity.read_json(meta_file, "store metadata")
        if meta.get("node_type") != "group":
            raise ValueError(f"{self.path}: expected a zarr v3 group, got node_type {meta.get('node_type')!r}")
        regzoo = (meta.get("attributes") or {}).get("regzoo")
        if not isinstance(regzoo, dict) or "specs" not in regzoo:
            raise ValueError(f"{self.path}: expected attrs['regzoo']['specs'] (a store written by fastio convert)")
        if regzoo.get("format", STORE_FORMAT) != STORE_FORMAT:
            raise ValueError(f"{self.path}: written by store format {regzoo.get('format')}, expected "
                             f"{STORE_FORMAT}; {RECONVERT}")
        self._meta = regzoo
        self._specs = {name: TensorSpec.from_dict(d) for name, d in regzoo["specs"].items()}
        self._ids: list[str] | None = None

    @property
    def tensors(self) -> list[str]:
        return sorted(self._specs)

    @property
    def sample_ids(self) -> list[str]:
        if self._ids is None:
            import zarr

            try:
                ids = zarr.open_array(str(self.path / "sample_id"), mode="r")[:]
            except Exception as exc:  # zarr raises several kinds for a missing array
                raise ValueError(f"{self.path}: cannot read the sample_id array: {exc}") from exc
            ids = [str(s) for s in ids]
            integrity.check_ids(self.path, self._meta, ids)
            self._ids = ids
        return self._ids

    def spec(self, name: str) -> TensorSpec:
        if name not in self._specs:
            raise ValueError(f"{self.path}: no tensor {name!r}; the store holds {self.tensors}")
        return self._specs[name]

    def array_path(self, name: str) -> Path:
        self.spec(name)
        return self.path / name

    def present(self, name: str) -> np.ndarray:
        import zarr

        self.spec(name)
        try:
            mask = zarr.open_array(str(self.path / "present" / name), mode="r")[:]
        except Exception as exc:
            raise ValueError(f"{self.path}: cannot read the presence mask present/{name}: {exc}") from exc
        mask = np.asarray(mask, dtype=bool)
        # The same block check as Store.present: damaged or unwritten blocks are an error,
        # or (allow_incomplete) absent rows with a warning; never fill values read as data.
        damage = integrity.tensor_damage(self.path, self._meta, name, mask.size)
        if damage:
            mask[integrity.hidden_rows(self.path, name, damage, int(self._meta["shard_size"]), mask.size,
                                       self.allow_incomplete)] = False
        return mask

    def stats(self, name: str) -> dict[str, Any]:
        meta = integrity.read_json(self.array_path(name) / "zarr.json", f"metadata of tensor {name}")
        return dict((meta.get("attributes") or {}).get("stats") or {})


def open_view(store: Any, allow_incomplete: bool = False):
    """A path → :class:`StoreView`; a Store-like object → itself (it checks its own blocks)."""
    if isinstance(store, (str, os.PathLike)):
        return StoreView(store, allow_incomplete=allow_incomplete)
    needed = ("spec", "present", "array_path", "sample_ids", "stats")
    missing = [n for n in needed if not hasattr(store, n)]
    if missing:
        raise ValueError(f"Expected a store path or a fastio Store, got {type(store).__name__} "
                         f"(missing {missing})")
    return store

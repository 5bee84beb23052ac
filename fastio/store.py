"""The zarr v3 store: one array per tensor, presence masks, stats, failures (STORE.md).

Conversion and derived tensors (``zoo register``) write through the same few methods:
``create_tensor`` → ``write_block`` per shard → ``finalize_tensor``. Every write is a whole
shard, so a killed writer never leaves a half-updated shard behind and ``written`` tells a
rerun what is left to do.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from fastio import integrity
from fastio._failures import FAILURE_COLUMNS, FailureTable, string_array
from fastio.compression import codec_chain
from fastio.integrity import is_fastio_store
from fastio.moments import MOMENT_FIELDS, block_moments, combine_moments
from fastio.safefs import remove_owned
from fastio.spec import TensorSpec

__all__ = ["Store", "open_store", "create_store", "FAILURE_COLUMNS", "STORE_FORMAT", "codec_chain"]

STORE_FORMAT = 2  # 2: per-block checksums + sample-id digest (STORE.md)
RECONVERT = "reconvert with `fastio convert SRC STORE --tensors … --overwrite`"


class Store(FailureTable):
    """An open store. Use :func:`open_store` or :func:`create_store` to get one."""

    def __init__(self, path: str | os.PathLike, mode: str = "r", allow_incomplete: bool = False) -> None:
        import zarr

        if mode not in ("r", "r+"):
            raise ValueError(f"Expected mode 'r' or 'r+', got {mode!r}")
        self.path = Path(path)
        self.mode = mode
        self.allow_incomplete = bool(allow_incomplete)
        if not (self.path / "zarr.json").is_file():
            raise ValueError(f"{self.path}: not a zarr v3 store (expected {self.path / 'zarr.json'})")
        meta = integrity.store_meta(self.path)  # names the file when it is empty or garbled
        if meta is None or not isinstance(meta.get("format"), int):
            raise ValueError(f"{self.path}: expected a regzoo store (attrs['regzoo']['format'] == "
                             f"{STORE_FORMAT} in zarr.json), got {None if meta is None else meta.get('format')!r}")
        if meta["format"] != STORE_FORMAT:
            raise ValueError(f"{self.path}: written by store format {meta['format']}, expected "
                             f"{STORE_FORMAT}; {RECONVERT}")
        self._group = zarr.open_group(str(self.path), mode=mode)
        self._sample_ids: list[str] | None = None
        # Metadata is read once per open (a zarr metadata read costs ~ms); this process's
        # own changes go through _set_meta, which keeps the copy current.
        self._meta = dict(meta)
        self._n = int(self._group["sample_id"].shape[0])
        self._arrays: dict[str, Any] = {}
        self._hidden: dict[str, np.ndarray] = {}  # tensor -> rows of damaged blocks (checked)

    def _array(self, key: str):
        """A member array, looked up once (each zarr lookup reads its metadata)."""
        if key not in self._arrays:
            if (self.path / key).is_dir():  # name the file, not zarr's bare JSON error
                integrity.read_json(self.path / key / "zarr.json", f"metadata of {key}")
            self._arrays[key] = self._group[key]
        return self._arrays[key]

    # ---- metadata -------------------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        return dict(self._meta)

    def _set_meta(self, **changes: Any) -> None:
        # Several processes may add tensors to one store at once (``zoo reproduce`` runs a
        # level's registrations side by side): under the store's lock, start from what is
        # on disk now, not this handle's copy from open time, so no one's tensor is lost.
        with _locked(self.path):
            meta = {**self._meta, **(integrity.store_meta(self.path) or {})}
            if "specs" in changes:  # tensors are only ever added: merge, never drop
                changes = {**changes, "specs": {**meta.get("specs", {}), **changes["specs"]}}
            meta.update(changes)
            self._group.attrs["regzoo"] = meta
        self._meta = meta

    @property
    def group(self):
        """The underlying ``zarr.Group``."""
        return self._group

    @property
    def n(self) -> int:
        return self._n

    def __len__(self) -> int:
        return self.n

    @property
    def sample_ids(self) -> list[str]:
        if self._sample_ids is None:
            ids = [str(s) for s in self._array("sample_id")[:]] if self.n else []
            integrity.check_ids(self.path, self._meta, ids)
            self._sample_ids = ids
        return list(self._sample_ids)

    @property
    def source_files(self) -> list[str]:
        return [str(s) for s in self._group["source_file"][:]] if self.n else []

    @property
    def tensors(self) -> list[str]:
        return list(self.meta.get("specs", {}))

    @property
    def complete(self) -> bool:
        # Stores written by other tools carry no flag: nothing says they are unfinished.
        return bool(self.meta.get("complete", True))

    @property
    def provenance(self) -> dict[str, Any]:
        return dict(self.meta.get("provenance", {}))

    def _check(self, name: str) -> None:
        if name not in self.meta.get("specs", {}):
            raise KeyError(f"{self.path}: no tensor {name!r}; tensors are {self.tensors}")

    def spec(self, name: str) -> TensorSpec:
        self._check(name)
        return TensorSpec.from_dict(self.meta["specs"][name])

    def __getitem__(self, name: str):
        """The tensor's zarr array, once its blocks are checked (see :meth:`damage`). A
        writer (``r+``) gets its own half-written tensors unchecked; ``present`` checks."""
        if self.mode == "r":
            self._verified(name)
        else:
            self._check(name)
        return integrity.NamedArray(self._array(name), self.path, self._meta, name, self.n)

    def __contains__(self, name: str) -> bool:
        return name in self.meta.get("specs", {})

    def present(self, name: str) -> np.ndarray:
        """Presence of each sample; the rows of damaged blocks are absent (allow_incomplete)."""
        hidden = self._verified(name)
        mask = self._present(name)
        mask[hidden] = False
        return mask

    def _present(self, name: str) -> np.ndarray:
        self._check(name)
        if not self.n:
            return np.zeros(0, dtype=np.bool_)
        return np.asarray(self._array(f"present/{name}")[:], dtype=np.bool_)

    def damage(self, name: str, full: bool = False) -> list[integrity.Damage]:
        """Blocks of ``name`` that are unwritten or whose files differ from their record
        (sizes; every byte's crc32 with ``full``). An unfinished conversion counts too."""
        self._check(name)
        # A writer (r+) reads while its own conversion is unfinished; its blocks still count.
        return integrity.tensor_damage(self.path, self._meta, name, self.n, full=full,
                                       finished=self.mode == "r")

    def _verified(self, name: str) -> np.ndarray:
        """Rows to hide for ``name``; raises on damage unless allow_incomplete."""
        if name not in self._hidden:
            self._hidden[name] = integrity.hidden_rows(self.path, name, self.damage(name), self.shard_size(),
                                                       self.n, self.allow_incomplete)
        return self._hidden[name]

    def rewrite_ids(self, sample_ids: list[str], source_files: list[str]) -> None:
        """Rewrite a damaged sample_id/source_file array from the source (repair); the ids
        must be the ones the store's digest records."""
        self._writable()
        ids = [str(s) for s in sample_ids]
        if integrity.ids_digest(ids) != self._meta.get("sample_id_sha256"):
            raise ValueError(f"{self.path}: expected the sample ids the store recorded, got other ones")
        for key, values in (("sample_id", ids), ("source_file", list(source_files))):
            self._arrays.pop(key, None)
            string_array(self._group, key, values, "sample")
        self._sample_ids = None

    def invalidate_damaged(self, name: str, blocks: Iterable[int] | None = None) -> list[int]:
        """Check every byte of ``name``'s written blocks (those in ``blocks``, default all)
        and :meth:`invalidate` the damaged ones, so the writer's rerun rewrites them. Returns
        them (a writer's repair step: ``fastio convert``; ``zoo register`` may call it too)."""
        wanted = None if blocks is None else {int(b) for b in blocks}
        bad = sorted({d.block for d in self.damage(name, full=True) if d.block >= 0
                      and d.problem != integrity.NOT_WRITTEN and (wanted is None or d.block in wanted)})
        if bad:
            self.invalidate(name, bad)
        return bad

    def invalidate(self, name: str, blocks: Iterable[int]) -> None:
        """Mark blocks unwritten and drop their shard and presence files, so the writer's
        rerun rewrites them whole (zarr would read a damaged shard to update part of it)."""
        self._writable()
        ndim = len(self.spec(name).shape)
        for b in blocks:
            self._array(f"blocks/written/{name}")[int(b)] = False
            for key in (integrity.shard_key(name, int(b), ndim), integrity.presence_key(name, int(b))):
                (self.path / key).unlink(missing_ok=True)
        self._hidden.pop(name, None)

    def stats(self, name: str) -> dict[str, float]:
        self._check(name)
        return dict(self._array(name).attrs.get("stats", {}))

    def array_path(self, name: str) -> Path:
        """Directory of the tensor's array (zarr.json + c/ shard files) for direct reads."""
        self._check(name)
        return self.path / name

    def shard_size(self, name: str | None = None) -> int:
        if name is not None:
            self._check(name)
        return int(self.meta["shard_size"])

    def n_blocks(self) -> int:
        s = self.shard_size()
        return (self.n + s - 1) // s

    def block_range(self, block: int) -> tuple[int, int]:
        s = self.shard_size()
        if not 0 <= block < self.n_blocks():
            raise ValueError(f"{self.path}: expected a block in [0, {self.n_blocks()}), got {block}")
        return block * s, min(self.n, (block + 1) * s)

    def nbytes_on_disk(self, name: str | None = None) -> int:
        root = self.path if name is None else self.array_path(name)
        return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())

    # ---- writing --------------------------------------------------------------------
    def _writable(self) -> None:
        if self.mode != "r+":
            raise ValueError(f"{self.path}: store opened read-only; use open_store(path, mode='r+')")

    def create_tensor(self, spec: TensorSpec, attrs: Mapping[str, Any] | None = None,
                      overwrite: bool = False):
        """Add an empty tensor (presence all False, no block written)."""
        self._writable()
        if not isinstance(spec, TensorSpec):
            raise ValueError(f"Expected a TensorSpec, got {type(spec).__name__}")
        if spec.name in self and not overwrite:
            raise ValueError(f"{self.path}: tensor {spec.name!r} exists (pass overwrite=True)")
        if spec.name in ("sample_id", "source_file", "present", "failures", "blocks"):
            raise ValueError(f"{self.path}: {spec.name!r} is a reserved name in the store")
        n, s = self.n, self.shard_size()
        for key in (spec.name, f"present/{spec.name}", f"blocks/written/{spec.name}",
                    f"blocks/moments/{spec.name}", f"blocks/checksums/{spec.name}"):
            self._arrays.pop(key, None)
        self._hidden.pop(spec.name, None)
        shape = tuple(spec.shape)
        # Other processes may add their tensors at the same moment (``zoo reproduce`` runs a
        # level's registrations side by side): zarr's check-then-create of a shared group
        # races, so the structure is created under the store's lock.
        with _locked(self.path):
            # zarr refuses zero-length shards; an empty cohort still gets a well-formed array.
            arr = self._group.create_array(
                spec.name, shape=(n, *shape), dtype=spec.dtype, chunks=(1, *shape),
                shards=(s, *shape), compressors=codec_chain(spec.codec), fill_value=0,
                dimension_names=["sample", *[f"{spec.name}_{i}" for i in range(len(shape))]],
                overwrite=True,
            )
            arr.attrs.update({"spec": spec.to_dict(), **dict(attrs or {})})
            self._group.require_group("present").create_array(
                spec.name, shape=(n,), dtype=bool, chunks=(s,), fill_value=False,
                dimension_names=["sample"], overwrite=True,
            )
            self._group.require_group("blocks").require_group("written").create_array(
                spec.name, shape=(self.n_blocks(),), dtype=bool, chunks=(1,), fill_value=False,
                dimension_names=["block"], overwrite=True,
            )
            self._group.require_group("blocks").require_group("moments").create_array(
                spec.name, shape=(self.n_blocks(), len(MOMENT_FIELDS)), dtype="float64",
                chunks=(1, len(MOMENT_FIELDS)), fill_value=0.0, dimension_names=["block", "moment"],
                overwrite=True,
            )
            self._group.require_group("blocks").require_group("checksums").create_array(
                spec.name, shape=(self.n_blocks(), len(integrity.RECORD_FIELDS)), dtype="uint64",
                chunks=(1, len(integrity.RECORD_FIELDS)), fill_value=0, dimension_names=["block", "record"],
                overwrite=True,
            )
        specs = dict(self.meta.get("specs", {}))
        specs[spec.name] = spec.to_dict()
        # "complete" describes the conversion; a derived tensor's progress is written().
        self._set_meta(specs=specs)
        return arr

    def write_block(self, name: str, start: int, values: np.ndarray, present: Iterable[bool]) -> None:
        """Write rows ``start:start+len(values)`` (one whole shard) and mark it written.
        Absent rows are stored as zeros whatever ``values`` holds there."""
        self._writable()
        spec = self.spec(name)
        s = self.shard_size()
        if start % s or start < 0:
            raise ValueError(f"{self.path}: tensor {name}: expected a block start that is a multiple of {s}, got {start}")
        end = min(self.n, start + s)
        values = np.asarray(values)
        mask = np.asarray(present, dtype=np.bool_)
        expected = (end - start, *spec.shape)
        if values.shape != expected or mask.shape != (end - start,):
            raise ValueError(
                f"{self.path}: tensor {name}: block at {start} expects values {expected} and "
                f"present ({end - start},), got {values.shape} and {mask.shape}"
            )
        values = np.array(values, dtype=spec.dtype, copy=True)
        values[~mask] = 0
        block = start // s
        self._array(name)[start:end] = values
        self._array(f"present/{name}")[start:end] = mask
        if self._has(f"blocks/moments/{name}"):
            self._array(f"blocks/moments/{name}")[block] = block_moments(values[mask])
        # What the two files hold now, read back from disk: readers compare against it.
        self._array(f"blocks/checksums/{name}")[block] = integrity.block_record(
            self.path, name, block, len(spec.shape))
        self._hidden.pop(name, None)
        # The marker goes last: it is what a rerun trusts.
        self._array(f"blocks/written/{name}")[block] = True

    def written(self, name: str) -> np.ndarray:
        self._check(name)
        if not self.n_blocks():
            return np.zeros(0, dtype=np.bool_)
        return np.asarray(self._array(f"blocks/written/{name}")[:], dtype=np.bool_)

    def finalize_tensor(self, name: str) -> dict[str, float]:
        """Stats over present samples from the per-block moments write_block recorded
        (float64, merged in block order: the same numbers however the blocks were
        written). Stores without moments are read back block by block instead."""
        self._writable()
        mask = self._present(name)
        if self._has(f"blocks/moments/{name}"):
            rows = np.asarray(self._array(f"blocks/moments/{name}")[:])
        else:
            arr = self._array(name)
            rows = []
            for block in range(self.n_blocks()):
                a, b = self.block_range(block)
                rows.append(block_moments(np.asarray(arr[a:b])[mask[a:b]]))
        stats = combine_moments(np.asarray(rows), int(mask.sum()))
        self._array(name).attrs["stats"] = stats
        return stats

    def _has(self, key: str) -> bool:
        if key in self._arrays:
            return True
        try:
            self._array(key)
        except KeyError:
            return False
        return True

    def mark_complete(self, complete: bool = True) -> None:
        self._writable()
        self._set_meta(complete=bool(complete))


def create_store(path: str | os.PathLike, sample_ids: list[str], *, shard_size: int = 64,
                 source_files: list[str] | None = None, provenance: Mapping[str, Any] | None = None,
                 overwrite: bool = False) -> Store:
    """Create an empty store for ``sample_ids`` (no tensors yet) and open it ``r+``."""
    import zarr

    path = Path(path)
    ids = [str(s) for s in sample_ids]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: expected unique sample ids, got duplicates")
    if ids != sorted(ids):
        raise ValueError(f"{path}: expected sample ids sorted in string order")
    if int(shard_size) < 1:
        raise ValueError(f"{path}: expected shard_size >= 1, got {shard_size}")
    if source_files is not None and len(source_files) != len(ids):
        raise ValueError(f"{path}: expected one source file per sample id")
    if path.exists() and any(path.iterdir()):
        if not overwrite:
            raise ValueError(f"{path}: exists and is not empty (pass overwrite=True)")
        remove_owned(path, marker="zarr.json", what="fastio store", owned=is_fastio_store)
    # The marker goes in with the group's first metadata write: a creation killed at any
    # point leaves a folder that --overwrite can prove is ours.
    meta = {"format": STORE_FORMAT, "shard_size": int(shard_size), "specs": {},
            "provenance": dict(provenance or {}), "complete": False,
            "sample_id_sha256": integrity.ids_digest(ids)}
    group = zarr.open_group(str(path), mode="w", zarr_format=3, attributes={"regzoo": meta})
    n = len(ids)
    n_blocks = (n + int(shard_size) - 1) // int(shard_size)
    string_array(group, "sample_id", ids, "sample")
    string_array(group, "source_file", list(source_files or [""] * n), "sample")
    # Every shared group exists from the start: writers adding tensors side by side then
    # only ever create their own arrays.
    group.require_group("present")
    blocks = group.require_group("blocks")
    for kind in ("written", "moments", "checksums"):
        blocks.require_group(kind)
    blocks.create_array("failures", shape=(n_blocks,), dtype=str, chunks=(1,),
                        dimension_names=["block"], overwrite=True)
    fail = group.require_group("failures")
    for c in FAILURE_COLUMNS:
        string_array(fail, c, [], "failure")
    return Store(path, mode="r+")


@contextmanager
def _locked(path: Path):
    """An exclusive advisory lock on the store folder (POSIX ``flock``; elsewhere none)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: one writer at a time is the caller's business there
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def open_store(path: str | os.PathLike, mode: str = "r", allow_incomplete: bool = False) -> Store:
    """Open a store written by ``fastio convert`` (``mode='r+'`` to add tensors).

    Reading a tensor (``store[name]``, ``present(name)``) first checks its blocks: an
    unwritten (interrupted) or damaged one is an error saying how to repair it;
    ``allow_incomplete=True`` reads the rest instead, with those rows absent and a warning."""
    return Store(path, mode=mode, allow_incomplete=allow_incomplete)

"""What a store says about itself, and whether its files still say the same.

A store proves it is ours by its own metadata (``attrs["regzoo"]["format"]`` in the
group's ``zarr.json``), not by the file's existence: that is what ``--overwrite`` checks
before removing anything. Each written block records the size and crc32 of its shard and
presence files, and the group records a digest of the sample ids, so a deleted,
truncated or garbled file is found and named instead of read as fill values (STORE.md).
Readers check existence and sizes (a stat per file); ``fastio inspect --verify`` and a
``fastio convert`` rerun check every byte.
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["read_json", "store_meta", "is_fastio_store", "Damage", "RECORD_FIELDS", "block_record",
           "tensor_damage", "ids_digest", "check_ids", "format_damage", "shard_key", "presence_key",
           "expected_blocks", "NOT_WRITTEN", "hidden_rows", "NamedArray"]


def read_json(file: str | os.PathLike, what: str) -> dict[str, Any]:
    """Parse a zarr metadata file; an empty, truncated or missing one is an error naming it."""
    file = Path(file)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{file}: missing; expected the {what} (zarr.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file}: damaged {what} (expected JSON zarr metadata, {exc}); "
                         "the store cannot be read — reconvert it") from None
    if not isinstance(data, dict):
        raise ValueError(f"{file}: damaged {what} (expected a JSON object, got {type(data).__name__})")
    return data


def store_meta(path: str | os.PathLike) -> dict[str, Any] | None:
    """``attrs["regzoo"]`` of the group at ``path``; None when it carries none."""
    meta = read_json(Path(path) / "zarr.json", "store metadata")
    regzoo = (meta.get("attributes") or {}).get("regzoo")
    return regzoo if isinstance(regzoo, dict) else None


def is_fastio_store(path: str | os.PathLike) -> bool:
    """True only when ``path`` is a folder whose ``zarr.json`` a fastio writer wrote (any
    format version: an older store of ours is still ours to replace)."""
    path = Path(path)
    if path.is_symlink() or not (path / "zarr.json").is_file():
        return False
    try:
        meta = store_meta(path)
    except ValueError:
        return False
    return meta is not None and isinstance(meta.get("format"), int) and "shard_size" in meta


# ---- per-block records -----------------------------------------------------------------
# blocks/checksums/<name>[k] = (shard bytes, shard crc32, presence bytes, presence crc32) of
# block k's two files as write_block left them; (0, 0) = no file (zarr writes none for a
# chunk that is all fill value), so a deleted file can never pass for an absent one.
RECORD_FIELDS = ("shard_bytes", "shard_crc32", "present_bytes", "present_crc32")
NOT_WRITTEN = "not written (conversion or registration interrupted)"


@dataclass(frozen=True)
class Damage:
    """One block of one tensor that does not hold what the store recorded."""

    tensor: str
    block: int
    file: str      # relative to the store folder
    problem: str   # "missing", "not written", "crc32 …", …

    def __str__(self) -> str:
        return f"tensor {self.tensor} block {self.block}: {self.file}: {self.problem}"


def shard_key(name: str, block: int, ndim: int) -> str:
    """The shard file of block ``block`` (zarr v3 default key encoding)."""
    return f"{name}/c/{block}" + "/0" * ndim


def presence_key(name: str, block: int) -> str:
    return f"present/{name}/c/{block}"


def file_record(file: str | os.PathLike) -> tuple[int, int]:
    """(size, crc32) of a file; (0, 0) when there is none."""
    try:
        with open(file, "rb") as fh:
            crc, size = 0, 0
            while chunk := fh.read(1 << 20):
                crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    except FileNotFoundError:
        return 0, 0
    return size, crc


def block_record(root: str | os.PathLike, name: str, block: int, ndim: int) -> np.ndarray:
    root = Path(root)
    return np.array([*file_record(root / shard_key(name, block, ndim)),
                     *file_record(root / presence_key(name, block))], dtype=np.uint64)


def check_block(root: Path, name: str, block: int, ndim: int, record: np.ndarray,
                full: bool) -> list[Damage]:
    """Compare block ``block``'s files with its record: existence and size always, the
    crc32 of every byte when ``full``."""
    out = []
    for key, size, crc in ((shard_key(name, block, ndim), record[0], record[1]),
                           (presence_key(name, block), record[2], record[3])):
        file = root / key
        actual = file.stat().st_size if file.is_file() else 0
        if int(size) == 0 and actual:
            out.append(Damage(name, block, key, f"{actual} bytes where the store recorded no file"))
        elif int(size) and not file.is_file():
            out.append(Damage(name, block, key, f"missing (the store recorded {int(size)} bytes)"))
        elif actual != int(size):
            out.append(Damage(name, block, key, f"{actual} bytes, expected {int(size)} (truncated or overwritten)"))
        elif full and int(size) and file_record(file)[1] != int(crc):
            out.append(Damage(name, block, key, "crc32 does not match what was written (garbled)"))
    return out


def _read_array(root: Path, key: str) -> np.ndarray | None:
    """A bookkeeping array, None when the store has none (a store another tool wrote)."""
    import zarr

    if not (root / key / "zarr.json").is_file():
        return None
    read_json(root / key / "zarr.json", f"array {key}")
    try:
        return np.asarray(zarr.open_array(str(root / key), mode="r")[:])
    except Exception as exc:  # zarr/numcodecs raise many kinds for a garbled chunk
        raise ValueError(f"{root / key}: damaged bookkeeping array ({exc}); reconvert with "
                         "fastio convert SRC STORE --tensors … --overwrite") from None


def expected_blocks(meta: dict[str, Any], n: int) -> list[int]:
    """The blocks a store (or a part store: its own run of blocks) must hold."""
    s = int(meta["shard_size"])
    n_blocks = (n + s - 1) // s
    part = (meta.get("provenance") or {}).get("part")
    if not part:
        return list(range(n_blocks))
    return [int(b) for b in np.array_split(np.arange(n_blocks), int(part[1]))[int(part[0])]]


def tensor_damage(root: str | os.PathLike, meta: dict[str, Any], name: str, n: int,
                  full: bool = False, finished: bool = True) -> list[Damage]:
    """Every expected block of tensor ``name`` that is unwritten or whose files differ from
    their record; with ``finished``, a conversion tensor of a store whose conversion never
    set ``complete`` too. A store without bookkeeping (another writer) makes no claims."""
    root = Path(root)
    written = _read_array(root, f"blocks/written/{name}")
    if written is None or "shard_size" not in meta:
        return []
    records = _read_array(root, f"blocks/checksums/{name}")
    ndim = len(meta["specs"][name]["shape"])
    out = []
    for b in expected_blocks(meta, n):
        if not written[b]:
            out.append(Damage(name, b, shard_key(name, b, ndim), NOT_WRITTEN))
        elif records is not None:
            out.extend(check_block(root, name, b, ndim, records[b], full))
    conversion = {t["name"] for t in (meta.get("provenance") or {}).get("conversion", {}).get("tensors", [])}
    if finished and not out and not meta.get("complete", True) and name in conversion:
        out.append(Damage(name, -1, "zarr.json", "conversion not finished (no stats, no failures table)"))
    return out


def ids_digest(ids: list[str]) -> str:
    """sha256 of the sample ids in row order (what the store records as sample_id_sha256)."""
    h = hashlib.sha256()
    for s in ids:
        h.update(s.encode("utf-8") + b"\0")
    return h.hexdigest()


def check_ids(root: str | os.PathLike, meta: dict[str, Any], ids: list[str]) -> None:
    """Raise naming the sample_id file when the ids read differ from the recorded digest
    (a deleted chunk reads as blank ids)."""
    expected = meta.get("sample_id_sha256")
    if expected is None or ids_digest(ids) == expected:
        return
    chunk = Path(root) / "sample_id" / "c" / "0"
    what = "missing" if not chunk.is_file() else "damaged"
    raise ValueError(f"{chunk}: {what}; the sample ids read do not match the store's digest. "
                     f"Repair: rerun the fastio convert command that wrote {root}")


def hidden_rows(root: str | os.PathLike, name: str, damage: list[Damage], shard_size: int, n: int,
                allow_incomplete: bool) -> np.ndarray:
    """The rows of ``name``'s damaged blocks, which a reader must treat as absent; an
    error saying how to repair them unless ``allow_incomplete`` (then a warning)."""
    if damage and not allow_incomplete:
        raise ValueError(format_damage(root, damage))
    blocks = sorted({d.block for d in damage if d.block >= 0})
    rows = [np.arange(b * shard_size, min(n, (b + 1) * shard_size)) for b in blocks]
    hidden = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    if damage:
        warnings.warn(f"{root}: reading tensor {name} without {len(blocks)} incomplete or damaged "
                      f"block(s) ({hidden.size} samples, read as absent): allow_incomplete=True",
                      stacklevel=4)
    return hidden


class NamedArray:
    """A tensor's zarr array whose read errors name the tensor and the damaged files (a
    full check of the tensor runs when zarr fails: ``blosc decompression: -1`` alone
    says neither). Everything else is the zarr array's."""

    def __init__(self, array, root: str | os.PathLike, meta: dict[str, Any], name: str, n: int):
        self._array, self._where = array, (Path(root), meta, name, n)

    def __getitem__(self, key):
        try:
            return self._array[key]
        except (IndexError, TypeError, KeyError):
            raise
        except Exception as exc:  # zarr/numcodecs raise RuntimeError/ValueError variants
            root, meta, name, n = self._where
            damage = tensor_damage(root, meta, name, n, full=True)
            found = format_damage(root, damage) if damage else f"{root}: tensor {name}: no damaged file found"
            raise ValueError(f"{root}: tensor {name}: cannot read rows {key!r} ({type(exc).__name__}: "
                             f"{exc}). {found}") from exc

    def __setitem__(self, key, value) -> None:
        self._array[key] = value

    def __getattr__(self, attr: str):
        return getattr(self._array, attr)

    def __len__(self) -> int:
        return len(self._array)

    def __array__(self, dtype=None, copy=None):
        values = self[...]
        return values if dtype is None else values.astype(dtype)


def format_damage(root: str | os.PathLike, damage: list[Damage], limit: int = 5) -> str:
    """One message for a refused tensor: what is wrong and how to repair it."""
    tensors = sorted({d.tensor for d in damage})
    blocks = len({(d.tensor, d.block) for d in damage})
    head = "; ".join(str(d) for d in damage[:limit]) + (f"; … {len(damage) - limit} more" if len(damage) > limit else "")
    return (f"{root}: tensor {', '.join(tensors)} has {blocks} incomplete or damaged block(s): {head}. "
            "Repair: rerun the fastio convert (or zoo register) command that wrote it — it rewrites "
            "those blocks from the source; `fastio inspect --verify` lists every damaged file; "
            "pass allow_incomplete=True to read the rest")

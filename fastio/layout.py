"""How a one-sample-per-chunk zarr v3 array is stored, read from its ``zarr.json``: what the
direct reader (:mod:`fastio.reader`) needs, or why it does not apply."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ArrayLayout", "UnsupportedLayout", "parse_layout"]

_COMPRESSORS = ("blosc", "zstd", "gzip")


@dataclass(frozen=True)
class ArrayLayout:
    """What the direct reader needs to know about an array's storage."""

    shape: tuple[int, ...]
    dtype: str
    fill_value: float
    key_prefix: str          # "c/" for the default key encoding, "" for v2
    separator: str
    shard_samples: int       # samples per storage object (1 when unsharded)
    sharded: bool
    index_at_end: bool
    index_crc: bool
    compressor: str | None   # None, "blosc", "zstd" or "gzip"
    compressor_config: dict
    chunk_crc: bool = False  # each stored chunk ends in its crc32c (zarr's crc32c codec)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return self.shape[1:]

    @property
    def sample_nbytes(self) -> int:
        return int(np.prod(self.sample_shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize

    def key(self, block: int) -> str:
        parts = [str(block)] + ["0"] * (len(self.shape) - 1)
        return self.key_prefix + self.separator.join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ArrayLayout":
        data = dict(data)
        data["shape"] = tuple(data["shape"])
        return cls(**data)


class UnsupportedLayout(ValueError):
    """The array is valid zarr, but not a layout the direct reader handles."""


def _inner_codecs(codecs: list[dict], where: str) -> tuple[str | None, dict, bool]:
    """(compressor, its configuration, whether a crc32c follows) of a chunk's codecs."""
    if not codecs or codecs[0].get("name") != "bytes":
        raise UnsupportedLayout(f"{where}: expected a leading 'bytes' codec, got {codecs[:1]}")
    endian = (codecs[0].get("configuration") or {}).get("endian", "little")
    if endian != "little" and sys.byteorder == "little":
        raise UnsupportedLayout(f"{where}: big-endian data")
    rest = codecs[1:]
    crc = bool(rest) and rest[-1].get("name") == "crc32c"
    rest = rest[:-1] if crc else rest
    if not rest:
        return None, {}, crc
    if len(rest) > 1 or rest[0].get("name") not in _COMPRESSORS:
        raise UnsupportedLayout(f"{where}: codecs {[c.get('name') for c in codecs[1:]]}")
    return rest[0]["name"], dict(rest[0].get("configuration") or {}), crc


def parse_layout(meta: dict, where: str = "array") -> ArrayLayout:
    """Read an array's ``zarr.json`` into an :class:`ArrayLayout` or raise
    :class:`UnsupportedLayout` saying why the direct path does not apply."""
    if meta.get("zarr_format") != 3 or meta.get("node_type") != "array":
        raise UnsupportedLayout(f"{where}: not a zarr v3 array")
    shape = tuple(int(s) for s in meta["shape"])
    dtype = meta["data_type"]
    try:
        np_dtype = np.dtype(dtype)
    except TypeError as exc:
        raise UnsupportedLayout(f"{where}: data type {dtype!r}") from exc
    if np_dtype.kind not in "fiub" or len(shape) < 1:
        raise UnsupportedLayout(f"{where}: data type {dtype!r} / shape {shape}")
    grid = meta["chunk_grid"]
    if grid.get("name") != "regular":
        raise UnsupportedLayout(f"{where}: chunk grid {grid.get('name')!r}")
    outer = tuple(int(s) for s in grid["configuration"]["chunk_shape"])
    if outer[1:] != shape[1:]:
        raise UnsupportedLayout(f"{where}: chunks {outer} split the sample axes of {shape}")
    enc = meta.get("chunk_key_encoding", {"name": "default"})
    sep = (enc.get("configuration") or {}).get("separator")
    if enc.get("name") == "default":
        prefix, sep = "c/", sep or "/"
    elif enc.get("name") == "v2":
        prefix, sep = "", sep or "."
    else:
        raise UnsupportedLayout(f"{where}: chunk key encoding {enc.get('name')!r}")
    if meta.get("storage_transformers"):
        raise UnsupportedLayout(f"{where}: storage transformers")
    codecs = meta["codecs"]
    fill = meta.get("fill_value", 0)
    if not isinstance(fill, (int, float)) or isinstance(fill, bool):
        fill = float(np.array(fill, dtype=np_dtype)) if not isinstance(fill, str) else None
        if fill is None:
            raise UnsupportedLayout(f"{where}: fill value {meta.get('fill_value')!r}")
    if len(codecs) == 1 and codecs[0].get("name") == "sharding_indexed":
        cfg = codecs[0]["configuration"]
        inner = tuple(int(s) for s in cfg["chunk_shape"])
        if inner != (1, *shape[1:]):
            raise UnsupportedLayout(f"{where}: inner chunks {inner}, expected one sample")
        index_codecs = [c.get("name") for c in cfg.get("index_codecs", [])]
        if index_codecs not in (["bytes"], ["bytes", "crc32c"]):
            raise UnsupportedLayout(f"{where}: index codecs {index_codecs}")
        name, conf, crc = _inner_codecs(cfg["codecs"], where)
        return ArrayLayout(shape, np_dtype.str, float(fill), prefix, sep, outer[0], True,
                           cfg.get("index_location", "end") == "end", "crc32c" in index_codecs,
                           name, conf, crc)
    if outer[0] != 1:
        raise UnsupportedLayout(f"{where}: unsharded chunks of {outer[0]} samples")
    name, conf, crc = _inner_codecs(codecs, where)
    return ArrayLayout(shape, np_dtype.str, float(fill), prefix, sep, 1, False, True, False, name, conf, crc)

"""The zarr compressors behind a TensorSpec's codec name (parameters fixed, so the same
values give the same bytes: STORE.md), and the user's choice of codec at conversion
(``fastio convert --codec``)."""
from __future__ import annotations

from typing import Sequence

from fastio.catalogue import short_name
from fastio.spec import CODECS, TensorSpec

__all__ = ["codec_chain", "parse_codec_choices", "with_codecs"]


def codec_chain(codec: str) -> list:
    """The zarr compressors for a spec's codec name (parameters fixed: STORE.md)."""
    from zarr.codecs import BloscCodec, Crc32cCodec, GzipCodec, ZstdCodec

    if codec == "none":
        # No compressor, but a crc32c after each sample: a garbled compressed chunk fails to
        # decode, a garbled raw one would read as values.
        return [Crc32cCodec()]
    if codec == "blosc-lz4":
        return [BloscCodec(cname="lz4", clevel=5, shuffle="shuffle", typesize=4, blocksize=0)]
    if codec == "blosc-lz4hc":
        return [BloscCodec(cname="lz4hc", clevel=5, shuffle="shuffle", typesize=4, blocksize=0)]
    if codec == "blosc-zstd":
        return [BloscCodec(cname="zstd", clevel=3, shuffle="shuffle", typesize=4, blocksize=0)]
    if codec == "zstd":
        return [ZstdCodec(level=3)]
    if codec == "gzip":
        return [GzipCodec(level=5)]
    raise ValueError(f"Expected codec in none|blosc-lz4|blosc-lz4hc|blosc-zstd|zstd|gzip, got {codec!r}")


def parse_codec_choices(values: Sequence[str]) -> dict[str | None, str]:
    """``--codec`` values → {tensor name (None: every tensor): codec}. Each value is
    ``CODEC`` (every tensor converted) or ``NAME=CODEC`` (that tensor; wins over a plain
    ``CODEC``)."""
    choices: dict[str | None, str] = {}
    for value in values:
        name, _, codec = value.rpartition("=")
        key = short_name(name) if name else None
        if codec not in CODECS:
            raise ValueError(f"--codec {value}: expected CODEC or NAME=CODEC with CODEC in "
                             f"{', '.join(CODECS)}, got {codec!r}")
        if key in choices and choices[key] != codec:
            raise ValueError(f"--codec: expected one codec for {key or 'every tensor'}, "
                             f"got {choices[key]!r} and {codec!r}")
        choices[key] = codec
    return choices


def with_codecs(specs: Sequence[TensorSpec], choices: dict[str | None, str]) -> list[TensorSpec]:
    """``specs`` with the codecs of :func:`parse_codec_choices` (a tensor not named keeps
    the plain ``CODEC`` if given, else its own)."""
    names = {s.name for s in specs}
    unknown = sorted(k for k in choices if k is not None and k not in names)
    if unknown:
        raise ValueError(f"--codec: expected names of the tensors converted ({', '.join(sorted(names))}), "
                         f"got {', '.join(unknown)}")
    return [s.replace(codec=choices.get(s.name, choices.get(None, s.codec))) for s in specs]

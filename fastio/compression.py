"""The zarr compressors behind a TensorSpec's codec name (parameters fixed, so the same
values give the same bytes: STORE.md)."""
from __future__ import annotations

__all__ = ["codec_chain"]


def codec_chain(codec: str) -> list:
    """The zarr compressors for a spec's codec name (parameters fixed: STORE.md)."""
    from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

    if codec == "none":
        return []
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

"""Shared fixtures for the loader tests: stores written directly with zarr-python in the
layout of the store contract (fastio/STORE.md), so these tests depend on the format only."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fastio.spec import Normalization, TensorSpec
from fastio.store import STORE_FORMAT


def zarr_compressors(codec: str):
    from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

    return {
        "none": None,
        "blosc-lz4": [BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")],
        "blosc-lz4hc": [BloscCodec(cname="lz4hc", clevel=5, shuffle="shuffle")],
        "blosc-zstd": [BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")],
        "zstd": [ZstdCodec(level=3)],
        "gzip": [GzipCodec(level=5)],
    }[codec]


def write_store(path, ids, tensors, shard: int | None = 4):
    """tensors: {name: (spec, values (n, *shape) float32, present (n,) bool)}.
    Absent samples are left unwritten (fill 0), like conversion does."""
    import zarr

    path = Path(path)
    root = zarr.open_group(str(path), mode="w", zarr_format=3)
    root.attrs["regzoo"] = {"format": STORE_FORMAT, "specs": {n: s.to_dict() for n, (s, _, _) in tensors.items()},
                            "provenance": {"writer": "tests"}}
    sid = root.create_array("sample_id", shape=(len(ids),), dtype=str)
    sid[:] = np.array(ids)
    pres_group = root.create_group("present")
    for name, (spec, values, present) in tensors.items():
        n = len(ids)
        shape = tuple(spec.shape)
        arr = root.create_array(
            name, shape=(n, *shape), dtype="float32", chunks=(1, *shape),
            shards=(shard, *shape) if shard else None, compressors=zarr_compressors(spec.codec),
            fill_value=0.0, dimension_names=["sample"] + [f"{name}_{i}" for i in range(len(shape))],
        )
        rows = np.flatnonzero(present)
        stored = np.where(np.asarray(present).reshape(-1, *[1] * len(shape)), values, 0).astype(np.float32)
        arr[:] = stored
        vals = values[rows].astype(np.float64)
        arr.attrs["stats"] = {"mean": float(vals.mean()), "std": float(vals.std()),
                              "min": float(vals.min()), "max": float(vals.max()), "count": int(rows.size)}
        p = pres_group.create_array(name, shape=(n,), dtype="bool")
        p[:] = np.asarray(present, dtype=bool)
    return path


def small_spec(name="img", shape=(16, 12, 2), norm="zscore", codec="blosc-lz4", **kw) -> TensorSpec:
    if isinstance(norm, str):
        norm = Normalization(norm)
    return TensorSpec(name=name, group="test", path_prefix="t", dataset=name, shape=shape,
                      normalization=norm, codec=codec, **kw)


@pytest.fixture(scope="session")
def store_writer():
    """``write_store(path, ids, tensors, shard)`` and ``small_spec(...)`` for tests that
    build their own stores (fixtures rather than imports: several test folders have a
    conftest.py, so ``import conftest`` would be ambiguous)."""
    return write_store, small_spec


@pytest.fixture(scope="session")
def toy_store(tmp_path_factory):
    """24 samples: an image tensor (all present), a (40, 3) signal (3 absent), and a
    standardised image; values random but reproducible."""
    rng = np.random.default_rng(1)
    n = 24
    ids = [f"s{i:03d}" for i in range(n)]
    img = rng.normal(5.0, 2.0, size=(n, 16, 12, 2)).astype(np.float32)
    sig = rng.normal(0.0, 100.0, size=(n, 40, 3)).astype(np.float32)
    std = rng.uniform(0, 255, size=(n, 8, 8, 1)).astype(np.float32)
    sig_present = np.ones(n, dtype=bool)
    sig_present[[2, 7, 11]] = False
    tensors = {
        "img": (small_spec("img"), img, np.ones(n, dtype=bool)),
        "sig": (small_spec("sig", (40, 3), Normalization("standardize", 0.0, 100.0), "zstd"), sig, sig_present),
        "std": (small_spec("std", (8, 8, 1), "dataset_zscore", "none"), std, np.ones(n, dtype=bool)),
    }
    path = write_store(tmp_path_factory.mktemp("toy") / "toy.zarr", ids, tensors, shard=5)
    return {"path": path, "ids": ids, "img": img, "sig": sig, "std": std, "sig_present": sig_present}

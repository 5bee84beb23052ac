"""Shared fixtures for the registration tests: small smooth synthetic images."""
from __future__ import annotations

import pytest

from fastio.store import create_store
from regsynth import blob_image


@pytest.fixture
def blobs():
    return blob_image


def write_store(path, tensors, shard_size=4):
    """A small store holding ``tensors``: {name: (TensorSpec, values (n, ...), present (n,))}."""
    n = len(next(iter(tensors.values()))[1])
    store = create_store(path, [f"s{i:03d}" for i in range(n)], shard_size=shard_size)
    for spec, values, present in tensors.values():
        store.create_tensor(spec)
        for block in range(store.n_blocks()):
            a, b = store.block_range(block)
            store.write_block(spec.name, a, values[a:b], present[a:b])
        store.finalize_tensor(spec.name)
    store.mark_complete(True)
    return path


@pytest.fixture
def make_store():
    return write_store

"""A small two-view store (dxa_2, dxa_5 at 32×32) and tiny recipe command lines."""
from __future__ import annotations

import numpy as np
import pytest

N_SAMPLES = 40
SIZE = 32
# the ml4h command lines' architecture flags, shrunk so a run takes seconds on CPU
TINY_ARCH = ["--activation", "mish", "--conv_layers", "4", "--dense_blocks", "4", "4",
             "--dense_layers", "16", "--block_size", "2"]
TINY_FIT = ["--batch_size", "4", "--epochs", "3", "--training_steps", "4", "--validation_steps", "2",
            "--learning_rate", "2e-3", "--valid_ratio", "0.2", "--test_ratio", "0.1", "--random_seed", "3",
            "--verbose", "0"]


def write_views(src, n=N_SAMPLES, size=SIZE, seed=0):
    """ml4h-layout files: a Gaussian blob whose place and size vary per sample; dxa_5 is
    the transposed, rescaled blob, so the two views share one latent structure."""
    import h5py

    src.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    for i in range(n):
        cy, cx = rng.uniform(8, size - 8, 2)
        r = rng.uniform(3, 7)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
        with h5py.File(src / f"{100 + i}.hd5", "w") as f:
            f.create_dataset("ukb_dxa/dxa_1_2/instance_0",
                             data=(1000 * blob + rng.normal(0, 20, blob.shape)).astype("float32"))
            f.create_dataset("ukb_dxa/dxa_1_5/instance_0",
                             data=(800 * blob.T + rng.normal(0, 20, blob.shape)).astype("float32"))
    return src


@pytest.fixture(scope="session")
def hd5_dir(tmp_path_factory):
    return write_views(tmp_path_factory.mktemp("recipes") / "hd5")


@pytest.fixture(scope="session")
def store(hd5_dir):
    from fastio import convert
    from fastio.catalogue import get_spec

    specs = [get_spec(n).replace(shape=(SIZE, SIZE, 1)) for n in ("dxa_2", "dxa_5")]
    path = hd5_dir.parent / "store.zarr"
    convert(hd5_dir, path, specs, workers=1, executor="thread", progress=False)
    return path


@pytest.fixture(scope="session")
def tiny():
    return {"arch": list(TINY_ARCH), "fit": list(TINY_FIT)}

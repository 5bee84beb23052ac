"""Training throughput per model family on CPU, and the share of step time spent
waiting for the fastio Loader.

Each family trains on a store of its catalogue tensors at the ``quick`` scale with the
architecture of the ml4h command lines (conv 32, dense blocks 32 32 32, block size 3,
latent 256). A step is timed in two parts, serially: ``loader[i]`` (read + normalise)
and ``model.train_on_batch`` — so the wait share is what a loop without prefetching
would lose to the loader. With ``--benchmark-disable`` (CI) each family runs one eager
step of a tiny model instead: the code path, not the speed.

Run: .venv/bin/python -m pytest benchmarks/test_models.py --benchmark-enable -s
"""
from __future__ import annotations

import time

import numpy as np
import pytest

N_SAMPLES = 48
ML4H_ARCH = dict(conv_layers=(32,), dense_blocks=(32, 32, 32), dense_layers=(256,), block_size=3,
                 activation="mish")
TINY_ARCH = dict(conv_layers=(4,), dense_blocks=(4, 4, 4), dense_layers=(8,), block_size=1)

# family -> (input tensors, output tensors, pairs, batch size)
FAMILIES = {
    "ae_2d_dxa_128": (["dxa_2"], ["dxa_2"], [], 8),
    "ae_1d_ecg_1000x12": (["ecg_rest"], ["ecg_rest"], [], 8),
    "ae_cine_48x48x16": (["lax_4ch_heart_center"], ["lax_4ch_heart_center"], [], 8),
    "dropfuse_dxa_2_dxa_5": (["dxa_2", "dxa_5"], ["dxa_2", "dxa_5"], [("dxa_2", "dxa_5")], 8),
}


def _write_sources(src, specs, n, seed=0):
    """One ml4h-layout file per sample holding every spec (per-lead datasets for ECGs):
    smooth random fields so normalisation sees realistic value ranges."""
    import h5py

    src.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        with h5py.File(src / f"{1000 + i}.hd5", "w") as f:
            for spec in specs:
                if spec.per_channel:
                    t = np.linspace(0, 20 * np.pi, spec.shape[0])
                    for c, group in enumerate(spec.hdf5_groups()):
                        f.create_dataset(f"{group}/instance_0",
                                         data=(500 * np.sin(t * (1 + 0.1 * c) + rng.uniform(0, 6))).astype("f4"))
                else:
                    data = np.cumsum(np.cumsum(rng.standard_normal(spec.shape), 0), 1).astype("f4")
                    f.create_dataset(f"{spec.hdf5_groups()[0]}/instance_0", data=data)
                if spec.crop_dataset:  # the cine's segmentation: a heart label everywhere, no crop
                    f.create_dataset(f"/{spec.path_prefix}/{spec.crop_dataset}/instance_0",
                                     data=np.full(spec.shape[:2], spec.crop_labels[0], np.uint8))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from fastio.catalogue import get_spec
    from fastio.conversion import convert

    names = sorted({t for ins, outs, _, _ in FAMILIES.values() for t in ins + outs})
    specs = [get_spec(n, "quick") for n in names]
    root = tmp_path_factory.mktemp("bench_models")
    _write_sources(root / "hd5", specs, N_SAMPLES)
    convert(root / "hd5", root / "store.zarr", specs, workers=2, executor="thread", progress=False)
    return root / "store.zarr"


def _setup(store, family, tiny: bool):
    import keras

    from fastio import Loader, open_store
    from zoo.models import Arch, build_model, parse_pairs

    ins, outs, pairs, batch_size = FAMILIES[family]
    st = open_store(store)
    inputs = [st.spec(n) for n in ins]
    outputs = [st.spec(n) for n in outs]
    keras.utils.set_random_seed(0)
    model = build_model(inputs, outputs, arch=Arch(**(TINY_ARCH if tiny else ML4H_ARCH)),
                        pairs=parse_pairs(pairs, "contrastive", 0.1), seed=0, name=family)
    model.compile(optimizer=keras.optimizers.Adam(5e-5), loss={s.output_name: "mse" for s in outputs},
                  run_eagerly=tiny)
    loader = Loader(store, inputs=ins, outputs=outs, batch_size=batch_size, split="all", shuffle=True, seed=0)
    return model, loader, batch_size


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_training_throughput(benchmark, store, family):
    tiny = benchmark.disabled
    model, loader, batch_size = _setup(store, family, tiny)
    steps = 1 if tiny else 12
    x, y = loader[0]
    model.train_on_batch(x, y)  # warm-up: tracing is not throughput

    def run():
        wait = total = 0.0
        losses = []
        for i in range(steps):
            t0 = time.perf_counter()
            x, y = loader[i % len(loader)]
            t1 = time.perf_counter()
            losses.append(float(model.train_on_batch(x, y, return_dict=True)["loss"]))
            t2 = time.perf_counter()
            wait += t1 - t0
            total += t2 - t0
        return wait, total, losses

    wait, total, losses = benchmark.pedantic(run, rounds=1, iterations=1)
    assert all(np.isfinite(losses))
    samples_per_s = steps * batch_size / total
    benchmark.extra_info.update(samples_per_second=round(samples_per_s, 1),
                                loader_wait_share=round(wait / total, 4), steps=steps,
                                batch_size=batch_size, params=int(model.count_params()))
    print(f"\n{family}: {samples_per_s:.1f} samples/s, loader wait {100 * wait / total:.2f}% "
          f"of step time, {model.count_params()} parameters")
    loader.close()

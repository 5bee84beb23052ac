"""Loader throughput: fastio.Loader vs an ml4h-style baseline, zarr-python's
own indexing and the physical bound; each augmentation kernel vs its numpy reference.

Size from ``REGZOO_LOADER_BENCH`` = ``ecg_samples,dxa_samples`` (default ``64,8``: CI's
single untimed run stays small). The table in ``benchmarks/results/loader.md`` was
measured with ``REGZOO_LOADER_BENCH=1024,96`` and timing enabled (command in that file).
Every round is one epoch in a fresh random order; samples/s = samples / fastest round.

- loader: ``fastio.loader.LoaderCore`` (``fastio.Loader`` is the same class plus the Keras
  ``PyDataset`` base; leaving Keras out keeps TensorFlow out of the timing), 2 threads;
  each tensor stored once per codec of ``BENCH_CODECS``, the catalogue's default (what a
  user gets) under the tensor's own name and labelled ``default``.
- baseline: what ml4h's generator does per sample: open ``{id}.hd5`` with h5py, read the
  gzip datasets (ECG: one per lead), normalise and augment with numpy/scipy
  (``scipy.ndimage.affine_transform`` order 1 for the image warp, ``Generator.normal`` for
  noise), stack the batch; 2 worker processes, batches pickled back as ml4h's queues do.
- zarr: ``zarr.Array.oindex[sorted batch rows]`` on the same store, raw values only.
- bound: ``np.take`` of the batch rows from a page-cached ``np.memmap`` of raw float32
  into a reused buffer: the cost of touching the bytes once, nothing else.
- paired: the loader against the bound with rounds interleaved (one epoch of each, back
  to back), so a shared machine's load falls on both alike; the first pair (statistics
  and checksums not yet memoised) is reported on its own.
"""
from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from fastio._kernels.api import ZSCORE_EPS
from fastio.augment import Augment, noise_table
from fastio.catalogue import ECG_LEADS, get_spec
from fastio.loader import LoaderCore

ECG_AUG = Augment(time_shift=0.1, amplitude=0.1, intensity_scale=0.1, noise=0.05)
DXA_AUG = Augment(translate=0.05, flip_lr=True, rotate=10, zoom=0.1, intensity_scale=0.1,
                  intensity_shift=0.1, noise=0.05)
CASES = {  # name -> (catalogue tensor, batch size, augmentation)
    "ecg": ("ecg_rest", 64, ECG_AUG),
    "dxa": ("dxa_2", 8, DXA_AUG),
}
# Each tensor is stored once per codec; the catalogue's own codec (the default a user gets)
# under the tensor's name, the others as ``{tensor}_{codec}``.
BENCH_CODECS = ("blosc-lz4", "blosc-lz4hc", "none")


def _stored_name(tensor: str, codec: str) -> str:
    return tensor if codec == get_spec(tensor).codec else f"{tensor}_{codec.replace('-', '_')}"


def _sizes() -> dict[str, int]:
    text = os.environ.get("REGZOO_LOADER_BENCH", "64,8")
    try:
        ecg, dxa = (int(v) for v in text.split(","))
    except ValueError as err:
        raise ValueError(f"REGZOO_LOADER_BENCH: expected 'ecg_samples,dxa_samples', got {text!r}") from err
    return {"ecg": ecg, "dxa": dxa}


def _rounds() -> int:
    return int(os.environ.get("REGZOO_LOADER_BENCH_ROUNDS", "3"))


# --- synthetic data (integer-valued like real ECG µV and DXA grey levels) -----------------

def _ecg_values(rng, n):
    t = np.arange(5000) / 500.0
    rate = rng.uniform(0.8, 1.6, size=(n, 1, 1))
    phase = rng.uniform(0, 1, size=(n, 1, 1))
    beat = ((t[None, :, None] * rate + phase) % 1.0)
    qrs = np.exp(-((beat - 0.3) / 0.015) ** 2) * rng.uniform(500, 1500, size=(n, 1, 12))
    twave = np.exp(-((beat - 0.6) / 0.06) ** 2) * rng.uniform(100, 300, size=(n, 1, 12))
    wander = 50 * np.sin(2 * np.pi * 0.2 * t)[None, :, None]
    return np.round(qrs + twave + wander + rng.normal(0, 10, size=(n, 5000, 12))).astype(np.float32)


def _dxa_values(rng, n):
    yy, xx = np.mgrid[:768, :768] / 768.0
    out = np.empty((n, 768, 768, 1), np.float32)
    for i in range(n):
        cx, w = rng.uniform(0.4, 0.6), rng.uniform(0.15, 0.25)
        body = np.exp(-(((xx - cx) / w) ** 2)) * (yy > rng.uniform(0.05, 0.15))
        img = 200 * body + 40 * np.sin(yy * 30) * body + rng.normal(0, 4, size=body.shape)
        out[i, :, :, 0] = np.clip(np.round(img), 0, 255)
    return out


def _write_hdf5(path: Path, case: str, values: np.ndarray) -> None:
    import h5py

    with h5py.File(path, "w") as f:
        if case == "ecg":
            for c, lead in enumerate(ECG_LEADS):
                f.create_dataset(f"ukb_ecg_rest/strip_{lead}/instance_0", data=values[:, c], compression="gzip")
        else:
            f.create_dataset("ukb_dxa/dxa_1_2/instance_0", data=values[:, :, 0], compression="gzip")


@pytest.fixture(scope="session")
def loader_data(tmp_path_factory):
    from fastio.store import create_store

    root = tmp_path_factory.mktemp("loader_bench")
    sizes = _sizes()
    rng = np.random.default_rng(0)
    data = {}
    for case, (tensor, _, _) in CASES.items():
        n = sizes[case]
        ids = [f"{1000000 + i}" for i in range(n)]
        spec = get_spec(tensor)
        specs = [spec.replace(name=_stored_name(tensor, c), codec=c) for c in BENCH_CODECS]
        store = create_store(root / f"{case}.zarr", ids, shard_size=64)
        for s in specs:
            store.create_tensor(s)
        h5dir = root / f"{case}_hd5"
        h5dir.mkdir()
        raw = np.lib.format.open_memmap(root / f"{case}.npy", mode="w+", dtype=np.float32,
                                        shape=(n, *spec.shape))
        for start in range(0, n, 64):  # one shard at a time keeps memory small at full size
            block = _ecg_values(rng, min(64, n - start)) if case == "ecg" else _dxa_values(rng, min(64, n - start))
            for s in specs:
                store.write_block(s.name, start, block, np.ones(len(block), bool))
            for sid, v in zip(ids[start:start + 64], block):
                _write_hdf5(h5dir / f"{sid}.hd5", case, v)
            raw[start:start + len(block)] = block
        for s in specs:
            store.finalize_tensor(s.name)
        raw.flush()
        del raw
        data[case] = {"store": root / f"{case}.zarr", "hd5": [str(h5dir / f"{s}.hd5") for s in ids],
                      "npy": root / f"{case}.npy", "n": n, "tensor": tensor}
    return data


def _codec_label(tensor: str, codec: str) -> str:
    return f"{codec}, default" if codec == get_spec(tensor).codec else codec


def _epoch_batches(n: int, batch: int, epoch: int) -> list[np.ndarray]:
    order = np.random.default_rng([99, epoch]).permutation(n)
    return [order[i:i + batch] for i in range(0, n - batch + 1, batch)]


def _run(benchmark, fn, n_samples: int, **info):
    """One epoch per round. Besides wall time, record CPU seconds per round: this
    process's (all its threads) plus whatever ``fn`` returns (the baseline's workers),
    a measure of work that other jobs on a shared machine do not distort."""
    import time

    state = {"epoch": 0}
    cpu: list[float] = []

    def one_epoch():
        state["epoch"] += 1
        start = time.process_time()
        extra = fn(state["epoch"]) or 0.0
        cpu.append(time.process_time() - start + extra)

    benchmark.extra_info.update({"samples_per_round": n_samples, "cpu_s": cpu, **info})
    benchmark.pedantic(one_epoch, rounds=_rounds(), iterations=1, warmup_rounds=1)


# --- the loader ---------------------------------------------------------------------------

@pytest.mark.parametrize("codec", BENCH_CODECS)
@pytest.mark.parametrize("augmented", [True, False], ids=["augment", "normalise"])
@pytest.mark.parametrize("case", list(CASES))
def test_fastio_loader(benchmark, loader_data, case, augmented, codec):
    d = loader_data[case]
    tensor, batch, aug = CASES[case]
    loader = LoaderCore(d["store"], inputs=[_stored_name(tensor, codec)], batch_size=batch, split="all",
                        augment=aug if augmented else None, workers=2)
    benchmark.group = f"loader-{case}"

    def epoch(e):
        loader.set_epoch(e)
        for b in range(len(loader)):
            loader[b]

    _run(benchmark, epoch, len(loader) * batch, method="fastio", augmented=augmented,
         codec=_codec_label(tensor, codec))
    loader.close()


# --- ml4h-style baseline ------------------------------------------------------------------

def _baseline_sample(path: str, case: str, aug: Augment, rng) -> np.ndarray:
    import h5py
    from scipy import ndimage

    with h5py.File(path, "r") as f:
        if case == "ecg":
            x = np.stack([f[f"ukb_ecg_rest/strip_{lead}/instance_0"][()] for lead in ECG_LEADS], axis=-1)
        else:
            x = f["ukb_dxa/dxa_1_2/instance_0"][()][..., None]
    x = x.astype(np.float32)
    x = (x - x.mean()) / (x.std() + 1e-6)
    if case == "ecg":
        x = np.roll(x, int(rng.integers(-500, 501)), axis=0)
        x = x * rng.uniform(1 - aug.amplitude, 1 + aug.amplitude, size=12).astype(np.float32)
    else:
        theta = np.deg2rad(rng.uniform(-aug.rotate, aug.rotate))
        zoom = rng.uniform(1 - aug.zoom, 1 + aug.zoom)
        flip = -1.0 if rng.random() < 0.5 else 1.0
        a = np.array([[np.cos(theta), np.sin(theta)], [-flip * np.sin(theta), flip * np.cos(theta)]]) / zoom
        centre = np.array([383.5, 383.5])
        shift = rng.uniform(-aug.translate, aug.translate, size=2) * 768
        offset = centre - a @ (centre + shift)
        x[..., 0] = ndimage.affine_transform(x[..., 0], a, offset=offset, order=1, mode="constant", cval=0.0)
    x = x * rng.uniform(1 - aug.intensity_scale, 1 + aug.intensity_scale) + rng.uniform(-aug.intensity_shift, aug.intensity_shift + 1e-12)
    x += aug.noise * rng.standard_normal(x.shape, dtype=np.float32)
    return x.astype(np.float32)


def _baseline_batch(args) -> tuple[np.ndarray, float]:
    import time

    start = time.process_time()
    paths, case, aug, seed = args
    rng = np.random.default_rng(seed)
    batch = np.stack([_baseline_sample(p, case, aug, rng) for p in paths])
    return batch, time.process_time() - start


@pytest.fixture(scope="module")
def baseline_pool():
    # spawn: the parent may hold TF/numba threads that a fork would copy half-locked.
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        yield pool


@pytest.mark.parametrize("case", list(CASES))
def test_ml4h_style_baseline(benchmark, loader_data, baseline_pool, case):
    d = loader_data[case]
    _, batch, aug = CASES[case]
    paths = np.array(d["hd5"])
    benchmark.group = f"loader-{case}"

    def epoch(e):
        jobs = [(list(paths[rows]), case, aug, e * 100003 + k) for k, rows in enumerate(_epoch_batches(d["n"], batch, e))]
        worker_cpu = 0.0
        for out, seconds in baseline_pool.imap(_baseline_batch, jobs):
            assert out.shape[0] == batch
            worker_cpu += seconds
        return worker_cpu

    _run(benchmark, epoch, len(_epoch_batches(d["n"], batch, 0)) * batch, method="ml4h-style", augmented=True)


# --- zarr-python and the physical bound -----------------------------------------------------

@pytest.mark.parametrize("case", list(CASES))
def test_zarr_python_indexing(benchmark, loader_data, case):
    import zarr

    d = loader_data[case]
    tensor, batch, _ = CASES[case]
    arr = zarr.open_array(str(d["store"] / tensor), mode="r")
    benchmark.group = f"loader-{case}"

    def epoch(e):
        for rows in _epoch_batches(d["n"], batch, e):
            arr.oindex[np.sort(rows)]

    _run(benchmark, epoch, len(_epoch_batches(d["n"], batch, 0)) * batch, method="zarr-python", augmented=False)


@pytest.mark.parametrize("case", list(CASES))
def test_memmap_bound(benchmark, loader_data, case):
    d = loader_data[case]
    _, batch, _ = CASES[case]
    mm = np.load(d["npy"], mmap_mode="r")
    buf = np.empty((batch, *mm.shape[1:]), np.float32)
    benchmark.group = f"loader-{case}"

    def epoch(e):
        for rows in _epoch_batches(d["n"], batch, e):
            # mode="clip": with the default mode numpy buffers ``out`` (an extra copy).
            np.take(mm, rows, axis=0, out=buf, mode="clip")

    _run(benchmark, epoch, len(_epoch_batches(d["n"], batch, 0)) * batch, method="memmap-bound", augmented=False)


def _machine_cpu() -> float:
    """CPU seconds every process on the machine has used so far (Linux ``/proc/stat``;
    NaN elsewhere)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return float("nan")
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait


def _timed(fn, arg) -> tuple[float, float, float]:
    """(CPU seconds of this process, wall seconds, other processes' CPU seconds) of one call."""
    import time

    machine, cpu, wall = _machine_cpu(), time.process_time(), time.perf_counter()
    fn(arg)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu, wall, _machine_cpu() - machine - cpu


@pytest.mark.parametrize("codec", ["blosc-lz4", "none"])
@pytest.mark.parametrize("case", list(CASES))
def test_loader_vs_bound_paired(benchmark, loader_data, case, codec):
    """Side by side: every round is one epoch of the memmap bound and, straight after, one
    epoch of the loader (read/normalise only), so both halves of a pair see the same
    load. Per round: CPU and wall time of each and the CPU other processes used meanwhile;
    the table reports both ratios and that competing load."""
    d = loader_data[case]
    tensor, batch, _ = CASES[case]
    loader = LoaderCore(d["store"], inputs=[_stored_name(tensor, codec)], batch_size=batch, split="all",
                        workers=2)
    mm = np.load(d["npy"], mmap_mode="r")
    buf = np.empty((batch, *mm.shape[1:]), np.float32)
    n_bound = len(_epoch_batches(d["n"], batch, 0)) * batch
    n_loader = len(loader) * batch

    def bound(e):
        for rows in _epoch_batches(d["n"], batch, e):
            np.take(mm, rows, axis=0, out=buf, mode="clip")

    def load(e):
        loader.set_epoch(e)
        for b in range(len(loader)):
            loader[b]

    pairs, others = [], []
    for e in range(_rounds() + 1):  # the first pair warms caches and kernels up
        cpu_b, wall_b, other_b = _timed(bound, e)
        cpu_l, wall_l, other_l = _timed(load, e)
        pairs.append((cpu_b, wall_b, cpu_l, wall_l))
        # cores busy with other jobs while the pair ran (ticks of 10 ms: coarse for short rounds)
        others.append(max(other_b + other_l, 0.0) / (wall_b + wall_l))
    # The first epoch also takes each sample's statistics and checks each chunk's crc32c
    # (memoised from then on): reported on its own, left out of the per-round ratios.
    first, pairs, others = pairs[0], pairs[1:], others[1:]
    benchmark.group = f"paired-{case}"
    benchmark.extra_info.update({"method": "fastio", "codec": _codec_label(tensor, codec),
                                 "samples_bound": n_bound,
                                 "samples_loader": n_loader, "pairs": pairs, "first_pair": first,
                                 "other_cores": others})
    benchmark.pedantic(load, args=(0,), rounds=1, iterations=1)
    loader.close()


# --- kernels vs numpy ------------------------------------------------------------------------

def _kernel_cases():
    """kernel -> {impl: call}: ``numba`` (the wrapped kernel), ``numpy``
    (``numpy_ref``, the correctness reference) and, for the ECG kernels, ``numpy-prealloc``
    (the same arithmetic with no avoidable work: ``_numpy_prealloc``)."""
    from ._numpy_prealloc import Prealloc

    from fastio._kernels import api, numpy_ref

    rng = np.random.default_rng(1)
    ecg = _ecg_values(rng, 1)[0]
    dxa = _dxa_values(rng, 1)[0]
    table = noise_table(0)
    out_e, out_d = np.empty_like(ecg), np.empty_like(dxa)
    amp = rng.uniform(0.9, 1.1, 12)
    mat = np.array([[0.98, 0.17, -40.0], [-0.17, 0.98, 60.0]])
    mu, sd = numpy_ref.sample_stats(ecg)
    dmu, dsd = numpy_ref.sample_stats(dxa)
    pre = Prealloc(ecg.shape)
    pw = (mu, 1 / sd, 1.05, 0.1, 0.05, table, 123)
    sh = (250, amp, mu, 1 / sd, 1.05, 0.1, 0.05, table, 123)
    return {
        "zscore_stats": {"numba": lambda: api.normalise_params(ecg, 2, 0, 1),
                         "numpy": lambda: numpy_ref.sample_stats(ecg)},
        "pointwise_noise": {"numba": lambda: api.pointwise(ecg, out_e, *pw),
                            "numpy": lambda: numpy_ref.pointwise(ecg, *pw),
                            "numpy-prealloc": lambda: pre.pointwise(ecg, *pw)},
        "ecg_shift_amplitude_noise": {"numba": lambda: api.shift1d(ecg, out_e, *sh),
                                      "numpy": lambda: numpy_ref.shift1d(ecg, *sh),
                                      "numpy-prealloc": lambda: pre.shift1d(ecg, *sh)},
        "dxa_warp_noise": {
            "numba": lambda: api.warp2d(dxa, out_d, mat, dmu, 1 / dsd, 1.05, 0.1, 0.05, table, 123),
            "numpy": lambda: numpy_ref.warp2d(dxa, mat, dmu, 1 / dsd, 1.05, 0.1, 0.05, table, 123)},
    }


KERNEL_IMPLS = [(k, i) for k, impls in [("zscore_stats", 2), ("pointwise_noise", 3),
                                        ("ecg_shift_amplitude_noise", 3), ("dxa_warp_noise", 2)]
                for i in ("numba", "numpy", "numpy-prealloc")[:impls]]


@pytest.mark.parametrize("kernel,impl", KERNEL_IMPLS)
def test_augment_kernel(benchmark, kernel, impl):
    impls = _kernel_cases()[kernel]
    fn = impls[impl]
    # Every implementation timed gives the reference's values (the kernels' own tolerance).
    got = fn()
    if kernel == "zscore_stats" and impl == "numba":  # (mu, 1/(sd + eps)) -> (mu, sd)
        got = (got[0], 1.0 / got[1] - ZSCORE_EPS)
    np.testing.assert_allclose(np.asarray(got), np.asarray(impls["numpy"]()), rtol=2e-6, atol=2e-5)
    benchmark.group = f"kernel-{kernel}"
    benchmark.extra_info.update({"method": impl})
    benchmark.pedantic(fn, rounds=max(3, _rounds() * 5), iterations=1)


# --- the results table: python benchmarks/test_loader.py BENCH.json ----------------------------

# The machine these run on is shared: the fastest round is the best estimate of what the
# code itself costs (other jobs only ever add time), so the table reports it.
STAT = "min"


def _first_epoch(info: dict, p: np.ndarray) -> str:
    """The untimed first epoch's loader CPU per sample, against the fastest bound round."""
    if "first_pair" not in info:  # results of an earlier version of this file
        return "—"
    cpu = info["first_pair"][2] / info["samples_loader"]
    return f"{cpu * 1e6:,.0f}, {2 * (p[:, 0].min() / info['samples_bound']) / cpu:.2f}"


def _one_core(p: np.ndarray, nb: int, nl: int) -> str:
    """The loader's two threads sharing one core (another job holds the other: with
    ``sched_autogroup`` each session gets an equal share) run at 1/CPU, like the bound."""
    r = (p[:, 0] / nb) / (p[:, 2] / nl)
    return f"{np.median(r):.2f} ({r.min():.2f}–{r.max():.2f})"


def _others(info: dict) -> str:
    if "other_cores" not in info:  # results of an earlier version of this file
        return "—"
    o = np.array(info["other_cores"])
    return f"{np.median(o):.2f}, {o.max():.2f}"


def _table(path: str) -> str:
    import json

    benches = json.loads(Path(path).read_text())["benchmarks"]
    lines = []
    for case in CASES:
        rows = [b for b in benches if b["group"] == f"loader-{case}"]
        if not rows:  # a kernels-only run (``-k augment_kernel``)
            continue
        rate, cpu_us = {}, {}
        for b in rows:
            info = b["extra_info"]
            label = info["method"] + (f" ({info['codec']})" if "codec" in info else "")
            label += ", augment" if info["augmented"] else ", read/normalise only"
            rate[label] = info["samples_per_round"] / b["stats"][STAT]
            cpu_us[label] = min(info["cpu_s"]) / info["samples_per_round"] * 1e6
        # The baseline may be left out of a run (``-k "fastio_loader or memmap_bound"``):
        # its columns are then blank.
        base = next((v for k, v in rate.items() if k.startswith("ml4h-style")), float("nan"))
        bound = next(v for k, v in rate.items() if k.startswith("memmap-bound"))
        tensor, batch, _ = CASES[case]
        base_cpu = next((v for k, v in cpu_us.items() if k.startswith("ml4h-style")),
                        float("nan"))
        bound_cpu = next(v for k, v in cpu_us.items() if k.startswith("memmap-bound"))
        lines += [f"\n### {tensor} (batch {batch})\n",
                  "| method | samples/s | × baseline | × bound | CPU µs/sample | × baseline, from CPU | × bound, from CPU |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for label, r in sorted(rate.items(), key=lambda kv: -kv[1]):
            c = cpu_us[label]
            # On two idle cores the 2-thread loader and the 2-process baseline each run at
            # 2/cpu samples/s; the single-threaded bound at 1/cpu.
            par = 1 if label.startswith(("memmap", "zarr")) else 2
            quiet = par / c
            vs_base = "—" if base != base else f"{r / base:.1f}"        # NaN: no baseline
            vs_base_cpu = "—" if base != base else f"{quiet / (2 / base_cpu):.1f}"
            lines.append(f"| {label} | {r:,.0f} | {vs_base} | {r / bound:.2f} | {c:,.0f} | "
                         f"{vs_base_cpu} | {quiet / (1 / bound_cpu):.2f} |")
    paired = [b for b in benches if b["group"].startswith("paired-")]
    if paired:
        lines += ["\n### loader vs memmap bound, paired rounds (read/normalise only)\n",
                  "| tensor | codec | CPU µs/sample bound / loader (fastest) | × bound, from CPU | "
                  "per-round from CPU (median, range) | per-round wall (median, range) | "
                  "first epoch: loader CPU µs/sample, × bound from CPU | one core, from CPU (median, range) | "
                  "other jobs' cores per round (median, max) |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for b in paired:
        info = b["extra_info"]
        p = np.array(info["pairs"])  # cpu_bound, wall_bound, cpu_loader, wall_loader per round
        nb, nl = info["samples_bound"], info["samples_loader"]
        # 2-thread loader at 2/CPU against the single-threaded bound at 1/CPU (as above)
        cpu_ratio = 2 * (p[:, 0] / nb) / (p[:, 2] / nl)
        wall_ratio = (nl / p[:, 3]) / (nb / p[:, 1])
        best = 2 * (p[:, 0].min() / nb) / (p[:, 2].min() / nl)
        lines.append(f"| {CASES[b['group'][7:]][0]} | {info['codec']} | {p[:, 0].min() / nb * 1e6:,.0f} / "
                     f"{p[:, 2].min() / nl * 1e6:,.0f} | {best:.2f} | {np.median(cpu_ratio):.2f} "
                     f"({cpu_ratio.min():.2f}–{cpu_ratio.max():.2f}) | {np.median(wall_ratio):.2f} "
                     f"({wall_ratio.min():.2f}–{wall_ratio.max():.2f}) | {_first_epoch(info, p)} | "
                     f"{_one_core(p, nb, nl)} | {_others(info)} |")
    if paired:  # every round, so a reader sees which ones another job slowed
        lines += ["\n### paired rounds one by one (× bound; other jobs' cores)\n",
                  "| tensor | codec | from CPU | wall clock | other jobs, cores |", "|---|---|---|---|---|"]
    for b in paired:
        info = b["extra_info"]
        p = np.array(info["pairs"])
        nb, nl = info["samples_bound"], info["samples_loader"]
        per_round = [", ".join(f"{v:.2f}" for v in values) for values in (
            2 * (p[:, 0] / nb) / (p[:, 2] / nl), (nl / p[:, 3]) / (nb / p[:, 1]), info.get("other_cores", []))]
        lines.append(f"| {CASES[b['group'][7:]][0]} | {info['codec']} | {' | '.join(per_round)} |")
    kernels = {}
    for b in benches:
        if b["group"].startswith("kernel-"):
            kernels.setdefault(b["group"][7:], {})[b["extra_info"]["method"]] = b["stats"][STAT] * 1e6
    if kernels:
        lines += ["\n### augmentation kernels (one sample; fastest round)\n",
                  "| kernel | numba µs | numpy µs | speed-up | numpy-prealloc µs | speed-up vs prealloc |",
                  "|---|---:|---:|---:|---:|---:|"]
    for name, t in kernels.items():
        pre = t.get("numpy-prealloc")
        tail = f"{pre:,.0f} | {pre / t['numba']:.1f}×" if pre else "— | —"
        lines.append(f"| {name} | {t['numba']:,.0f} | {t['numpy']:,.0f} | {t['numpy'] / t['numba']:.1f}× | {tail} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(_table(sys.argv[1]))

"""Registration throughput on CPU: ``align()`` (ECC pyramid), ``median_beat`` and
VoxelMorph inference.

Size from ``REGZOO_REG_BENCH`` = images per timed call (default 2: the single CI run stays
small; ``benchmarks/results/registration.md`` uses 32) and ``REGZOO_REG_BENCH_ROUNDS``
(default 1). Every benchmark records ``extra_info["items"]``; items/s = items / mean time.

    REGZOO_REG_BENCH=32 REGZOO_REG_BENCH_ROUNDS=3 \\
      .venv/bin/python -m pytest -q benchmarks/test_registration.py --benchmark-json=reg.json
    .venv/bin/python benchmarks/test_registration.py reg.json   # prints the table
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest


def _n() -> int:
    return int(os.environ.get("REGZOO_REG_BENCH", "2"))


def _rounds() -> int:
    return int(os.environ.get("REGZOO_REG_BENCH_ROUNDS", "1"))


def _image(shape, seed):
    """Smooth asymmetric test image (blobs), as in the unit tests."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros(shape)
    for _ in range(8):
        cy, cx = rng.uniform(0.25, 0.75) * h, rng.uniform(0.25, 0.75) * w
        s = rng.uniform(0.05, 0.12) * min(h, w)
        img += rng.uniform(0.5, 1.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    return img.astype(np.float32)


def _posed(shape, n, seed, scaled=True):
    """``n`` copies of a test image posed by rotation, shift and gain, and by up to 5 %
    scaling unless ``scaled`` is False (a rigid pose, as the phantom brain's)."""
    from zoo.registration.alignment import warp_image

    rng = np.random.default_rng(seed)
    fixed = _image(shape, seed)
    c = (np.array(shape) - 1) / 2
    out = []
    for _ in range(n):
        t = np.deg2rad(rng.uniform(-8, 8))
        r = (rng.uniform(0.95, 1.05) if scaled else 1.0) * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        m = np.eye(3)
        m[:2, :2] = r
        m[:2, 2] = c - r @ c + rng.uniform(-0.05, 0.05, 2) * np.array(shape)
        out.append(warp_image(fixed, m) * rng.uniform(0.8, 1.2))
    return fixed, np.stack(out)


def _run(benchmark, fn, items, **info):
    benchmark.extra_info.update({"items": items, **info})
    return benchmark.pedantic(fn, rounds=_rounds(), iterations=1, warmup_rounds=0)


@pytest.mark.parametrize("shape", [(64, 64), (256, 256)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("transform", ["translation", "rigid", "affine", "homography"])
def test_align(benchmark, transform, shape):
    from zoo.registration.alignment import align

    fixed, moving = _posed(shape, _n(), 1, scaled=transform != "rigid")
    scores = []

    def run():
        scores[:] = [align(m, fixed, transform, return_score=True)[2] for m in moving]

    _run(benchmark, run, len(moving), unit="images", what=f"align {transform} {shape[0]}x{shape[1]}")
    # a rate is only worth quoting for alignments that converged
    assert np.isfinite(scores).all(), f"ECC did not converge for {transform}: {scores}"


@pytest.mark.parametrize("threads", [1, 2])
def test_align_batch(benchmark, threads):
    from zoo.registration.alignment import align_batch

    fixed, moving = _posed((256, 256), max(2, _n()), 2)
    _run(benchmark, lambda: align_batch(moving, fixed, "affine", threads=threads), len(moving),
         unit="images", what=f"align_batch affine 256x256, {threads} threads")


@pytest.mark.parametrize("fs", [500.0])
def test_median_beat(benchmark, fs):
    from zoo.registration.ecg import median_beat

    rng = np.random.default_rng(3)
    t = np.arange(int(10 * fs)) / fs
    strips = []
    for _ in range(_n()):
        rr = rng.uniform(0.8, 1.1)
        phase = np.mod(t - rng.uniform(0, rr), rr) - rr / 3
        beat = np.exp(-0.5 * (phase / 0.012) ** 2) + 0.3 * np.exp(-0.5 * ((phase - 0.3) / 0.05) ** 2)
        strips.append(beat[:, None] * rng.uniform(0.5, 1.5, 12) + rng.normal(0, 0.02, (len(t), 12)))

    def run():
        for s in strips:
            median_beat(s, fs)

    _run(benchmark, run, len(strips), unit="strips", what="median_beat 5000x12 @ 500 Hz")


@pytest.mark.parametrize("shape", [(128, 128, 1), (96, 96, 50)], ids=lambda s: "x".join(map(str, s)))
def test_voxelmorph_inference(benchmark, shape):
    from zoo.registration.voxelmorph import VoxelMorph

    rng = np.random.default_rng(4)
    n = max(2, _n())
    images = rng.normal(size=(n, *shape)).astype(np.float32)
    vm = VoxelMorph(shape)
    vm.flows(images[:2], images[0])  # build the predict function before timing
    _run(benchmark, lambda: vm.register(images, images[0]), n, unit="images",
         what=f"VoxelMorph register (flow + warp) {'x'.join(map(str, shape))}, batch 16")


def _table(path: str) -> str:
    data = json.loads(open(path, encoding="utf-8").read())
    # the minimum too: on a shared machine a round only ever gains time from other jobs
    lines = ["| benchmark | items/s (mean) | mean s per call | min s per call | items per call |",
             "|---|---:|---:|---:|---:|"]
    for b in data["benchmarks"]:
        info = b["extra_info"]
        mean, low = b["stats"]["mean"], b["stats"]["min"]
        lines.append(f"| {info['what']} | {info['items'] / mean:,.1f} {info['unit']}/s | {mean:.3f} | {low:.3f} "
                     f"| {info['items']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(_table(sys.argv[1]))

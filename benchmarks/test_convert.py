"""Conversion throughput, and the codec choice (decode speed against size).

Size from ``REGZOO_CONVERT_BENCH`` = number of full-scale samples (default 8: the single
CI run stays small; ``benchmarks/results/convert.md`` uses 64 and
``REGZOO_CONVERT_BENCH_ROUNDS=3``). Samples are synthetic ml4h files
(:mod:`fastio.synthetic`: ECG in integer µV, DXA 16-bit pixels, gzip like the exports).

- ``test_convert``: ``fastio.convert`` of one tensor, 1 worker in-process vs 2 spawn
  workers, against ``test_read_only``: reading the same tensors from the .hd5 files
  without writing anything (the cost conversion cannot go below with one worker).
- ``test_codec_decode``: decode of one-sample chunks per codec, the hot path of the
  loader; ``extra_info`` holds the compression ratio and the encode CPU time per sample.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from fastio.catalogue import get_spec
from fastio.conversion import convert
from fastio.hdf5 import read_tensor
from fastio.synthetic import dxa_image, ecg_strip, make_cohort

TENSORS = ("ecg_rest", "dxa_2")


def _n() -> int:
    return int(os.environ.get("REGZOO_CONVERT_BENCH", "8"))


def _rounds() -> int:
    return int(os.environ.get("REGZOO_CONVERT_BENCH_ROUNDS", "1"))


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("convert_bench")
    cohort = make_cohort(root / "hd5", n=_n(), scale="full", seed=11, bad=False)
    return root, cohort


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("tensor", TENSORS)
def test_convert(benchmark, source, tensor, workers):
    root, cohort = source
    out = root / f"{tensor}-{workers}.zarr"

    def fresh():
        shutil.rmtree(out, ignore_errors=True)

    summary = benchmark.pedantic(
        convert, args=(cohort.root, out, [tensor]),
        kwargs=dict(shard_size=8, workers=workers, executor="process", progress=False),
        setup=fresh, rounds=_rounds(), iterations=1,
    )
    assert summary.complete and summary.tensors[tensor]["present"] == len(cohort.good)
    if benchmark.stats:
        # Best round as well as the mean: on a shared machine the best round is the one
        # least disturbed by other jobs.
        st = benchmark.stats.stats
        benchmark.extra_info.update(samples_per_s=len(cohort.good) / st.mean,
                                    samples_per_s_best=len(cohort.good) / st.min,
                                    compression_ratio=summary.compression_ratio)


@pytest.mark.parametrize("tensor", TENSORS)
def test_read_only(benchmark, source, tensor):
    _, cohort = source
    spec = get_spec(tensor)
    files = [Path(cohort.root) / f"{sid}.hd5" for sid in cohort.good]

    def read_all():
        return sum(float(read_tensor(f, spec)[0].sum()) for f in files)

    benchmark.pedantic(read_all, rounds=_rounds(), iterations=1)
    if benchmark.stats:
        st = benchmark.stats.stats
        benchmark.extra_info.update(samples_per_s=len(files) / st.mean, samples_per_s_best=len(files) / st.min)


def _numcodec(codec: str):
    """The numcodecs equivalent of the store's inner codec (same parameters as
    fastio.store.codec_chain)."""
    from numcodecs import GZip, Blosc, Zstd

    return {
        "none": None,
        "blosc-lz4": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE, blocksize=0),
        "blosc-lz4hc": Blosc(cname="lz4hc", clevel=5, shuffle=Blosc.SHUFFLE, blocksize=0),
        "blosc-zstd": Blosc(cname="zstd", clevel=3, shuffle=Blosc.SHUFFLE, blocksize=0),
        "zstd": Zstd(level=3),
        "gzip": GZip(level=5),
    }[codec]


def _chunks(tensor: str, k: int = 8) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    if tensor == "ecg_rest":
        return [ecg_strip(rng).astype(np.float32) for _ in range(k)]
    return [dxa_image(rng)[..., None].astype(np.float32) for _ in range(k)]


@pytest.mark.parametrize("codec", ["none", "blosc-lz4", "blosc-lz4hc", "blosc-zstd", "zstd", "gzip"])
@pytest.mark.parametrize("tensor", TENSORS)
def test_codec_decode(benchmark, tensor, codec):
    chunks = _chunks(tensor)
    c = _numcodec(codec)
    start = time.process_time()
    encoded = [x.tobytes() if c is None else c.encode(x) for x in chunks]
    # what conversion pays per sample for the codec (CPU time: the load does not inflate it)
    benchmark.extra_info["encode_ms_per_sample"] = (time.process_time() - start) / len(chunks) * 1e3
    out = np.empty_like(chunks[0])

    def decode_all():
        for buf in encoded:
            if c is None:
                out.reshape(-1).view(np.uint8)[:] = np.frombuffer(buf, np.uint8)
            else:
                c.decode(buf, out=out)
        return out

    benchmark(decode_all)
    np.testing.assert_array_equal(out, chunks[-1])  # lossless
    raw = sum(x.nbytes for x in chunks)
    benchmark.extra_info["compression_ratio"] = raw / sum(len(b) for b in encoded)
    if benchmark.stats:
        st = benchmark.stats.stats
        benchmark.extra_info.update(decode_MB_per_s=raw / 1e6 / st.mean, decode_MB_per_s_best=raw / 1e6 / st.min)

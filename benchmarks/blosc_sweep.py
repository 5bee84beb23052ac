"""Blosc settings against the loader's budget: one table per tensor of compression ratio,
encode CPU per sample and decode time per sample, for the settings tried in issue 15
(``benchmarks/results/loader.md``). Run: ``python benchmarks/blosc_sweep.py [ECG_N DXA_N]``.

The samples are ``test_loader.py``'s synthetic ECG strips and DXA images, and the DXA
images at the quick scale (128×128, 6×6 block means rounded to grey levels, as the
phantom cohort trains on). Decode is
timed two ways: ``hot``, one sample again and again into one buffer (the codec alone);
``cold``, every sample once into its own row of a batch buffer, as the loader does (the
row is not in cache and every compressed input is different). CPU time per sample, best
of 3 rounds (a shared machine only ever adds time).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numcodecs
import numcodecs.blosc
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_loader import _dxa_values, _ecg_values  # noqa: E402  (synthetic data of the loader benchmark)

# Like fastio.reader: the loader's threads parallelise across samples, blosc stays serial.
numcodecs.blosc.use_threads = False
SHUF, BIT, NOSHUF = numcodecs.Blosc.SHUFFLE, numcodecs.Blosc.BITSHUFFLE, numcodecs.Blosc.NOSHUFFLE
SETTINGS = {  # label -> (cname, clevel, shuffle, blocksize)
    "lz4 5 shuffle (blosc-lz4, the MRI images' default)": ("lz4", 5, SHUF, 0),
    "lz4 1 shuffle": ("lz4", 1, SHUF, 0),
    "lz4 9 shuffle": ("lz4", 9, SHUF, 0),
    "lz4 5 shuffle, blocksize 64 KiB": ("lz4", 5, SHUF, 1 << 16),
    "lz4 5 shuffle, blocksize 256 KiB": ("lz4", 5, SHUF, 1 << 18),
    "lz4 5 bitshuffle": ("lz4", 5, BIT, 0),
    "lz4 5 no shuffle": ("lz4", 5, NOSHUF, 0),
    "blosclz 1 shuffle": ("blosclz", 1, SHUF, 0),
    "blosclz 5 shuffle": ("blosclz", 5, SHUF, 0),
    "lz4hc 5 shuffle (blosc-lz4hc)": ("lz4hc", 5, SHUF, 0),
    "lz4hc 9 shuffle": ("lz4hc", 9, SHUF, 0),
    "zstd 1 shuffle": ("zstd", 1, SHUF, 0),
    "lz4 0 (stored, a copy)": ("lz4", 0, NOSHUF, 0),
}


def _cpu_per_call(fn, calls: int, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        fn()
        best = min(best, (time.process_time() - start) / calls)
    return best


def sweep(name: str, samples: np.ndarray) -> list[str]:
    n = len(samples)
    batch = np.empty_like(samples)
    hot = np.empty_like(samples[0])
    lines = [f"\n#### {name}: {n} samples of {samples[0].nbytes / 1e3:,.0f} kB\n",
             "| blosc setting | ratio | encode ms | decode µs, hot | decode µs, cold |",
             "|---|---:|---:|---:|---:|"]
    for label, (cname, level, shuffle, blocksize) in SETTINGS.items():
        codec = numcodecs.Blosc(cname, level, shuffle, blocksize=blocksize)
        start = time.process_time()
        enc = [np.frombuffer(codec.encode(s), np.uint8) for s in samples]
        encode_ms = (time.process_time() - start) / n * 1e3

        def decode_hot():
            for _ in range(n):
                codec.decode(enc[0], out=hot)

        def decode_cold():
            for i in range(n):
                codec.decode(enc[i], out=batch[i])

        h = _cpu_per_call(decode_hot, n) * 1e6
        c = _cpu_per_call(decode_cold, n) * 1e6
        if not np.array_equal(batch, samples):
            raise AssertionError(f"{label}: decoded values differ from the input")
        ratio = samples.nbytes / sum(e.nbytes for e in enc)
        lines.append(f"| {label} | {ratio:.2f} | {encode_ms:.2f} | {h:,.0f} | {c:,.0f} |")
    return lines


def main(argv: list[str]) -> None:
    n_ecg, n_dxa = (int(v) for v in argv[:2]) if len(argv) >= 2 else (64, 8)
    rng = np.random.default_rng(0)
    ecg = _ecg_values(rng, n_ecg)
    dxa = _dxa_values(rng, n_dxa)
    quick = np.round(dxa.reshape(n_dxa, 128, 6, 128, 6, 1).mean(axis=(2, 4))).astype(np.float32)
    lines = sweep("ECG 5000×12", ecg) + sweep("DXA 768×768", dxa) + sweep("DXA 128×128 (quick scale)", quick)
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])

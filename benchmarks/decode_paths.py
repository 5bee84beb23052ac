"""Where an image's load time goes: CPU per sample of each step of the loader's path for a
blosc-lz4 DXA image, and of warping an uncompressed one, single-threaded, against the memmap
bound. Run:
``python benchmarks/decode_paths.py [N_IMAGES]`` (default 32; ``benchmarks/results/loader.md``).

Rows: ``bound`` (``np.take`` from a page-cached ``.npy`` into a reused batch buffer, as in
``test_loader.py``); ``decode`` (``ChunkReader.read_into`` into a reused scratch, from the
shard file's mapping); ``decode + normalise`` (the loader's path: then ``normalise_sample``
from the scratch into the batch row, statistics memoised); ``decode into the row, normalise
in place`` (the alternative: no scratch); ``loader, 1 thread`` / ``loader, 2 threads`` (a
whole epoch of ``LoaderCore``: CPU of all threads per sample); for the same images stored
with codec ``none``, ``warp from the mapping`` (``warp2d`` reading the shard file's mapping,
as augmentation did up to issue 15's seventh pass) and ``copy + warp`` (the loader's path
since: a sequential copy into the scratch, then the warp from there), random rotations of
±10° and zooms of ±10 %. CPU time, best of 5 epochs in a fixed random order (a shared
machine only ever adds time).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_loader import _dxa_values  # noqa: E402  (synthetic data of the loader benchmark)

from fastio._kernels import api  # noqa: E402
from fastio.augment import noise_table  # noqa: E402
from fastio.catalogue import get_spec  # noqa: E402
from fastio.loader import LoaderCore  # noqa: E402
from fastio.store import create_store  # noqa: E402

BATCH = 8


def _cpu_per_sample(fn, n: int, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best / n * 1e6


def main(n: int) -> None:
    spec = get_spec("dxa_2").replace(codec="blosc-lz4")  # the catalogue's default is none
    raw_spec = spec.replace(name="dxa_2_none", codec="none")
    with tempfile.TemporaryDirectory() as tmp:
        values = _dxa_values(np.random.default_rng(0), n)
        store = create_store(Path(tmp) / "d.zarr", [f"{1000000 + i}" for i in range(n)], shard_size=64)
        for s in (spec, raw_spec):
            store.create_tensor(s)
            store.write_block(s.name, 0, values, np.ones(n, bool))
            store.finalize_tensor(s.name)
        np.save(Path(tmp) / "d.npy", values)
        mm = np.load(Path(tmp) / "d.npy", mmap_mode="r")
        del values
        loaders = {w: LoaderCore(Path(tmp) / "d.zarr", inputs=[spec.name], batch_size=BATCH, split="all",
                                 workers=w) for w in (1, 2)}
        t = loaders[1]._tensors[spec.name]
        assert t.reader.layout.compressor == "blosc", t.reader.layout
        raw = LoaderCore(Path(tmp) / "d.zarr", inputs=[raw_spec.name], batch_size=BATCH, split="all")
        r = raw._tensors[raw_spec.name].reader
        assert r.layout.compressor is None, r.layout
        warps = _warps(n)
        table = noise_table(0)
        order = np.random.default_rng(1).permutation(n)
        scratch = np.empty(spec.shape, np.float32)
        rows = np.empty((BATCH, *spec.shape), np.float32)

        def bound():
            for b in range(0, n - BATCH + 1, BATCH):
                np.take(mm, order[b:b + BATCH], axis=0, out=rows, mode="clip")

        def decode():
            for r in order:
                t.reader.read_into(int(r), scratch)

        def decode_normalise():
            for i, r in enumerate(order):
                t.reader.read_into(int(r), scratch)
                api.normalise_sample(scratch, rows[i % BATCH], 2, 0.0, 1.0, moments=t.moments[r])

        def into_row():
            for i, r in enumerate(order):
                row = rows[i % BATCH]
                t.reader.read_into(int(r), row)
                api.normalise_sample(row, row, 2, 0.0, 1.0, moments=t.moments[r])

        def warp(copy):
            def run():
                for i, row in enumerate(order):
                    src = r.sample_view(int(row))
                    if copy:
                        np.copyto(scratch, src)
                        src = scratch
                    api.warp2d(src, rows[i % BATCH], warps[i], 100.0, 0.01, 1.05, 0.1, 0.05, table, i)
            return run

        def epoch(loader):
            def run():
                for b in range(len(loader)):
                    loader[b]
            return run

        for loader in loaders.values():  # memoise every image's statistics, as from epoch 2 on
            epoch(loader)()
        steps = {"bound": bound, "decode": decode, "decode + normalise (the loader's path)": decode_normalise,
                 "decode into the row, normalise in place": into_row,
                 "loader, 1 thread": epoch(loaders[1]), "loader, 2 threads": epoch(loaders[2]),
                 "none: warp from the mapping": warp(False), "none: copy + warp (the loader's path)": warp(True)}
        warp(False)()  # each row's checksum is checked on its first read: not timed
        print(f"DXA 768×768, {n} images, blosc-lz4 (warps: none)\n\n| step | CPU µs/sample |\n|---|---:|")
        for label, fn in steps.items():
            print(f"| {label} | {_cpu_per_sample(fn, n):,.0f} |")
        for loader in (*loaders.values(), raw):
            loader.close()


def _warps(n: int) -> list[np.ndarray]:
    """Affine matrices (output pixel -> source pixel) about the image centre."""
    rng = np.random.default_rng(2)
    centre, out = np.array([383.5, 383.5]), []
    for _ in range(n):
        theta, zoom = np.deg2rad(rng.uniform(-10, 10)), rng.uniform(0.9, 1.1)
        a = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]]) / zoom
        out.append(np.c_[a, centre - a @ (centre + rng.uniform(-38, 38, 2))])
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 32)

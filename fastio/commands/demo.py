"""``fastio demo --out DIR [--n N]``: generate ml4h-layout files (with a few broken ones),
convert them into a store and pull batches through the Loader — the whole I/O path on
a fresh machine, with what it did printed at each step."""
from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

from fastio import _flags

__all__ = ["build_parser", "main", "DEMO_TENSORS"]

DEMO_TENSORS = ("ecg_rest", "ecg_rest_median_raw_10", "dxa_2")


def build_parser() -> argparse.ArgumentParser:
    p = _flags.command_parser(
        "fastio demo", __doc__.split("\n\n")[0],
        parents=[_flags.out("folder for the .hd5 files and the store"),
                 _flags.scale("full", "UK Biobank shapes (full: ECG 5000x12, DXA 768x768) or "
                              "reduced (quick)"),
                 _flags.workers("conversion workers (default: CPU count)"),
                 _flags.seed()])
    p.add_argument("--n", type=int, default=32, help="good sample files to generate (32)")
    p.add_argument("--batches", type=int, default=20, help="batches to pull per loader (20)")
    p.add_argument("--no-load", action="store_true", help="stop after conversion (no Keras import)")
    return p


def _load(store_path: Path, scale: str, n_batches: int, seed: int) -> int:
    if importlib.util.find_spec("fastio.loader") is None:
        print("loader    fastio.loader is not installed: skipped loading")
        return 0
    from fastio.augment import Augment
    from fastio.loader import Loader

    plans = [
        ("ecg_rest", 16 if scale == "full" else 32,
         Augment(time_shift=0.1, amplitude=0.1, noise=0.05)),
        ("dxa_2", 4 if scale == "full" else 16,
         Augment(translate=0.05, flip_lr=True, rotate=5.0, zoom=0.05, intensity_scale=0.1)),
    ]
    for name, batch, aug in plans:
        loader = Loader(str(store_path), inputs=[name], outputs=[name], batch_size=batch,
                        split="all", shuffle=True, seed=seed, augment=aug)
        try:
            x, y = loader[0]  # warm-up: numba compiles (or loads its cache) on first use
            t0, pulled, samples = time.perf_counter(), 0, 0
            while pulled < n_batches:
                if pulled and pulled % len(loader) == 0:
                    loader.on_epoch_end()  # a new epoch: a new shuffle, new augmentations
                x, y = loader[pulled % len(loader)]
                pulled += 1
                samples += len(next(iter(x.values())))
            dt = time.perf_counter() - t0
        finally:
            close = getattr(loader, "close", None)
            if close:
                close()
        key = next(iter(x))
        arr = x[key]
        print(f"loader    {name}: {pulled} batches, batch_size {batch} (last: {key} {tuple(arr.shape)} {arr.dtype}, "
              f"mean {float(arr.mean()):+.3f}, sd {float(arr.std()):.3f}) "
              f"in {dt:.2f} s = {pulled / dt:.1f} batches/s, {samples / dt:.0f} samples/s")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from fastio.conversion import convert
    from fastio.store import open_store
    from fastio.summary import format_failures
    from fastio.synthetic import make_cohort

    out = Path(args.out)
    src, store_path = out / "hd5", out / "store.zarr"
    t0 = time.perf_counter()
    cohort = make_cohort(src, n=args.n, scale=args.scale, seed=args.seed)
    files = sorted(src.rglob("*.hd5"))
    size = sum(f.stat().st_size for f in files)
    print(f"generated {len(files)} ml4h .hd5 files in {src} ({size / 2**20:.1f} MiB, "
          f"{time.perf_counter() - t0:.1f} s): {len(cohort.good)} good, "
          f"{len(cohort.bad)} deliberately broken ({', '.join(cohort.bad)})")
    print(f"converting tensors {', '.join(DEMO_TENSORS)} ...")
    try:
        summary = convert(src, store_path, DEMO_TENSORS, scale=args.scale, shard_size=8,
                          workers=args.workers, progress=True)
    except ValueError as exc:
        # A store from an earlier demo with other settings: start it afresh.
        print(f"note      {exc}; rebuilding the store")
        summary = convert(src, store_path, DEMO_TENSORS, scale=args.scale, shard_size=8,
                          workers=args.workers, progress=True, overwrite=True)
    print(summary.format())
    print()
    print(format_failures(open_store(store_path).failure_columns(), limit=12))
    from fastio.preview import plot_store

    print(f"\npreview   {plot_store(open_store(store_path), out / 'preview.png')} (samples and histograms)")
    print()
    if args.no_load:
        return 0
    return _load(store_path, args.scale, args.batches, args.seed)

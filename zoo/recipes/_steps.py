"""A fixed number of batches per Keras epoch over a fastio Loader (imports Keras)."""
from __future__ import annotations

import time

import keras

__all__ = ["StepDataset"]


class StepDataset(keras.utils.PyDataset):
    """Batch ``i`` of Keras epoch ``e`` is batch ``(e * steps + i) mod len(loader)`` of the
    loader's pass ``(e * steps + i) // len(loader)``. Order and augmentation of a pass are
    functions of (seed, pass), so any access order gives the same batches."""

    def __init__(self, loader, steps: int):
        super().__init__()
        if steps < 1:
            raise ValueError(f"Expected steps >= 1, got {steps}")
        self.loader = loader
        self.steps = int(steps)
        self.start = 0
        self.load_seconds = 0.0
        self.batches_loaded = 0

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int):
        position = self.start + int(index)
        n = len(self.loader)
        t0 = time.perf_counter()
        if position // n != self.loader.epoch:
            self.loader.set_epoch(position // n)
        # No copy needed: the loader never refills a buffer that is still referenced.
        batch = self.loader[position % n]
        self.load_seconds += time.perf_counter() - t0
        self.batches_loaded += 1
        return batch

    def on_epoch_end(self) -> None:
        self.start += self.steps

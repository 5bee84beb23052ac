"""Block planning: which blocks of a store a part of a conversion owns.

A store's rows are cut into blocks of ``shard_size`` samples (one zarr shard each);
``--part i/n`` hands the i-th of n near-equal contiguous runs of blocks to one run, so
parts can run on different machines and be merged. Pure functions of the block count.
"""
from __future__ import annotations

from typing import Sequence

__all__ = ["EXECUTORS", "parse_part", "part_blocks"]

EXECUTORS = ("process", "thread")   # what runs the blocks: spawned processes or threads


def parse_part(value: str | Sequence[int] | None) -> tuple[int, int] | None:
    """``"i/n"`` or ``(i, n)`` with 0 <= i < n → ``(i, n)``; None stays None."""
    if value is None:
        return None
    try:
        i, n = (int(v) for v in (value.split("/") if isinstance(value, str) else value))
    except (TypeError, ValueError):
        raise ValueError(f"Expected a part 'i/n' (0-based i < n), got {value!r}") from None
    if not (n >= 1 and 0 <= i < n):
        raise ValueError(f"Expected a part 'i/n' with 0 <= i < n, got {value!r}")
    return i, n


def part_blocks(n_blocks: int, part: tuple[int, int] | None) -> list[int]:
    """The blocks a part converts: the i-th of n near-equal contiguous runs."""
    if part is None:
        return list(range(n_blocks))
    i, n = part
    # numpy.array_split's runs (the first n_blocks % n one longer), in plain Python:
    # `fastio convert --help` imports this module for EXECUTORS and needs no numpy.
    size, extra = divmod(n_blocks, n)
    start = i * size + min(i, extra)
    return list(range(start, start + size + (1 if i < extra else 0)))

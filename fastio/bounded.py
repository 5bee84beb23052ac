"""Blocks of work on a pool with a bounded number in flight: what ``fastio convert`` and
``zoo phantom`` both do, so memory stays bounded (a finished block waits for its
consumer, not in an unbounded queue) and a kill loses little work."""
from __future__ import annotations

import itertools
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from typing import Any, Callable, Iterable, Iterator

__all__ = ["bounded_map"]


def bounded_map(pool: Executor, fn: Callable[..., Any], jobs: Iterable[tuple], *, in_flight: int,
                ordered: bool = True) -> Iterator[Any]:
    """``fn(*job)`` for each job on ``pool``, with at most ``in_flight`` jobs submitted and
    not yet yielded. Results come in job order, or as they finish with ``ordered=False``;
    a job's exception is raised when its result is reached. The next jobs are submitted
    before a result is yielded, so the pool works while the caller consumes it."""
    if in_flight < 1:
        raise ValueError(f"Expected in_flight >= 1, got {in_flight}")
    jobs = iter(jobs)
    pending: deque = deque()

    def refill() -> None:
        pending.extend(pool.submit(fn, *job) for job in itertools.islice(jobs, in_flight - len(pending)))

    refill()
    while pending:
        if ordered:
            future = pending.popleft()
        else:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            future = next(f for f in pending if f in done)
            pending.remove(future)
        result = future.result()
        refill()
        yield result

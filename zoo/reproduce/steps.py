"""Resumable steps with a progress line and a time estimate.

Each step has a key; when it finishes its result is written (atomically) to
``OUT/steps/{key}.json``, and a rerun returns that result instead of running it again, so
``zoo reproduce`` picks up after a kill where it stopped. A step's own outputs are either
complete (the marker exists) or redone. Steps carry a relative cost ``weight``; the time
estimate is the measured seconds per unit weight of the steps run so far times the weight
left.

A step whose inputs changed since it ran (``invalidate``: a model the plan now builds
differently) is redone: its marker moves to ``OUT/steps/stale/`` first, with the markers of
the steps that read its result, so a kill in between cannot leave a result that looks
finished but was computed from the old one. A redone step that lists ``dependents``
compares its new result with the stale one and invalidates them only if it changed.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import re
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from functools import partial
import time
from pathlib import Path
from typing import Callable

from fastio.safefs import atomic_write_text

__all__ = ["Steps", "duration"]

_KEY = re.compile(r"^[A-Za-z0-9_.@=-]+$")


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class Steps:
    """Runs keyed steps once; ``plan`` (key -> weight) lets the progress line count and
    estimate before the steps run."""

    def __init__(self, out: str | Path, plan: dict[str, float], say: Callable[[str], None] = print,
                 workers: int = 1):
        self.dir = Path(out) / "steps"
        self.dir.mkdir(parents=True, exist_ok=True)
        for key in plan:
            if not _KEY.match(key):
                raise ValueError(f"Expected a step key of letters, digits and _.@=-, got {key!r}")
        self.plan = dict(plan)
        self.say = say
        self.index = 0
        self.weight_timed = 0.0
        self.seconds = 0.0
        self.started = time.perf_counter()
        self.visited: set[str] = set()
        if workers < 1:
            raise ValueError(f"Expected workers >= 1, got {workers}")
        self.workers = workers
        self._pool: list[_Worker] = []

    def __enter__(self) -> "Steps":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes (``run_many`` starts them once and keeps them)."""
        for worker in self._pool:
            worker.executor.shutdown(wait=True, cancel_futures=True)
        self._pool = []

    def _marker(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def _stale(self, key: str) -> Path:
        return self.dir / "stale" / f"{key}.json"

    def invalidate(self, keys) -> list[str]:
        """Move the markers of finished ``keys`` aside (to ``stale/``) so they run again;
        returns the keys that had one."""
        moved = []
        for key in keys:
            if key not in self.plan:
                raise ValueError(f"Expected a planned step, got {key!r}")
            marker = self._marker(key)
            if marker.is_file():
                self._stale(key).parent.mkdir(exist_ok=True)
                os.replace(marker, self._stale(key))  # our own marker: moved, never deleted
                moved.append(key)
        return moved

    def done(self, key: str) -> bool:
        return self._marker(key).is_file()

    def _begin(self, key: str, what: str) -> tuple[str, dict | None]:
        """Count the step; its progress head and, when it finished earlier, its result."""
        if key not in self.plan:
            raise ValueError(f"Expected a planned step, got {key!r}")
        self.index += 1
        self.visited.add(key)
        head = f"[{self.index}/{len(self.plan)}] {what or key}"
        marker = self._marker(key)
        if marker.is_file():
            self.say(f"{head}: done earlier, skipped")
            return head, json.loads(marker.read_text(encoding="utf-8"))["result"]
        return head, None

    def _finish(self, key: str, head: str, result: dict, seconds: float, dependents=()) -> dict:
        stale = self._stale(key)
        if stale.is_file():
            earlier = json.loads(stale.read_text(encoding="utf-8"))
            if earlier.get("key") != key:
                raise ValueError(f"{stale}: expected the stale marker of step {key!r}, found another file")
            # JSON round trip: compare what a resumed run would read back
            if json.loads(json.dumps(result, default=str)) != earlier["result"]:
                moved = self.invalidate(dependents)
                if moved:
                    self.say(f"{head}: result changed; {len(moved)} steps that read it will run again")
            stale.unlink()  # the marker this step wrote before, checked above, now superseded
        atomic_write_text(self._marker(key), json.dumps({"key": key, "seconds": round(seconds, 2), "result": result},
                                                        indent=1, default=str))
        self.weight_timed += self.plan[key]
        self.seconds += seconds
        self.say(f"{head}: {duration(seconds)}{self._estimate()}")
        return result

    def run(self, key: str, fn: Callable[[], dict], *, what: str = "", dependents=()) -> dict:
        head, earlier = self._begin(key, what)
        if earlier is not None:
            return earlier
        self.say(f"{head} ...{self._estimate()}")
        t0 = time.perf_counter()
        result = fn()
        return self._finish(key, head, result, time.perf_counter() - t0, dependents)

    def run_many(self, jobs, group: Callable[[str], str | None] = lambda key: None) -> dict[str, dict]:
        """``run`` for each ``(key, fn, args, what)``; with ``workers`` > 1 the unfinished
        ones run in that many spawned processes (``fn(*args)`` and its result must pickle),
        each marker written as its step finishes, so a kill keeps every finished step.
        Returns the results by key. A step's seconds are its own, so the estimate counts
        the work left, not the wall clock it will take across the workers.

        The processes live until ``close``, so a later call reuses them (and what they
        imported). ``group(key)`` names what a step shares with others (the model a
        training builds): a free process takes the next step of a group it ran before,
        else one of a group no other process has run, so a process can reuse what it
        built for the group (``zoo.recipes.reuse``)."""
        jobs = list(jobs)
        if self.workers <= 1:
            return {key: self.run(key, partial(fn, *args), what=what) for key, fn, args, what in jobs}
        results, queue = {}, []
        for key, fn, args, what in jobs:
            head, earlier = self._begin(key, what)
            if earlier is not None:
                results[key] = earlier
            else:
                queue.append((key, head, fn, args))
        if not queue:
            return results
        if not self._pool:
            # spawn, not fork: TensorFlow and numba's threading layer do not survive a fork
            context = multiprocessing.get_context("spawn")
            self._pool = [_Worker(ProcessPoolExecutor(1, mp_context=context)) for _ in range(self.workers)]
        running = {}
        try:
            while queue or running:
                # one step per process in flight, so a start line means it started
                for worker in self._pool:
                    if worker.busy or not queue:
                        continue
                    others = set().union(*(w.groups for w in self._pool if w is not worker))
                    index = _pick([group(job[0]) for job in queue], worker.groups, others)
                    key, head, fn, args = queue.pop(index)
                    worker.busy = True
                    worker.groups.add(group(key))
                    self.say(f"{head} ... (in {self.workers} workers){self._estimate()}")
                    running[worker.executor.submit(_timed, fn, args)] = (key, head, worker)
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    key, head, worker = running.pop(future)
                    worker.busy = False
                    result, seconds = future.result()
                    results[key] = self._finish(key, head, result, seconds)
        except BaseException:
            self.close()
            raise
        return results

    def _estimate(self) -> str:
        elapsed = time.perf_counter() - self.started
        # what is left to run: a resumed run skips the steps whose markers exist
        left = sum(w for k, w in self.plan.items() if k not in self.visited and not self.done(k))
        if self.weight_timed <= 0 or left <= 0:
            return f" (elapsed {duration(elapsed)})"
        eta = self.seconds / self.weight_timed * left
        return f" (elapsed {duration(elapsed)}, about {duration(eta)} left)"

    def seconds_of(self, key: str) -> float | None:
        marker = self._marker(key)
        if not marker.is_file():
            return None
        return float(json.loads(marker.read_text(encoding="utf-8"))["seconds"])


class _Worker:
    """One spawned process and the step groups it has run."""

    def __init__(self, executor: ProcessPoolExecutor):
        self.executor = executor
        self.busy = False
        self.groups: set[str | None] = set()


def _pick(groups, mine: set, others: set) -> int:
    """Index of the next step for a process that ran ``mine``: its own group first, then a
    group no other process has run, then the first waiting."""
    for wanted in (lambda g: g is not None and g in mine, lambda g: g not in others):
        for index, g in enumerate(groups):
            if wanted(g):
                return index
    return 0


def _timed(fn, args) -> tuple[dict, float]:
    """``fn(*args)`` and its wall seconds, in a worker process."""
    t0 = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t0

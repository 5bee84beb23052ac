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
import os
import re
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

    def __init__(self, out: str | Path, plan: dict[str, float], say: Callable[[str], None] = print):
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

    def run(self, key: str, fn: Callable[[], dict], *, what: str = "", dependents=()) -> dict:
        if key not in self.plan:
            raise ValueError(f"Expected a planned step, got {key!r}")
        self.index += 1
        self.visited.add(key)
        weight = self.plan[key]
        head = f"[{self.index}/{len(self.plan)}] {what or key}"
        marker = self._marker(key)
        if marker.is_file():
            self.say(f"{head}: done earlier, skipped")
            return json.loads(marker.read_text(encoding="utf-8"))["result"]
        self.say(f"{head} ...{self._estimate()}")
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
        stale = self._stale(key)
        if stale.is_file():
            before = json.loads(stale.read_text(encoding="utf-8"))["result"]
            # JSON round trip: compare what a resumed run would read back
            if json.loads(json.dumps(result, default=str)) != before:
                moved = self.invalidate(dependents)
                if moved:
                    self.say(f"{head}: result changed; {len(moved)} steps that read it will run again")
            stale.unlink()
        atomic_write_text(marker, json.dumps({"key": key, "seconds": round(seconds, 2), "result": result},
                                             indent=1, default=str))
        self.weight_timed += weight
        self.seconds += seconds
        self.say(f"{head}: {duration(seconds)}{self._estimate()}")
        return result

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

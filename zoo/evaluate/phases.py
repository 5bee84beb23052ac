"""Wall and CPU seconds per named phase of a command, for ``--profile`` and summary.json.

A phase may run in a background thread while others proceed (plots beside the table
writer), so phases can overlap: their wall times add up to more than the total. CPU time
is the process's (all threads) for phases on the main thread and the thread's own for a
phase timed with ``thread=True``; a phase timed on several threads at once (the scan's two
workers) adds up each thread's wall and CPU, and says on how many threads it ran.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

__all__ = ["Phases"]


class Phases:
    """``with phases("scan"): ...``; ``phases.to_dict()`` -> {name: {"wall_s", "cpu_s"}}."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        # CPU the process spent before this point: interpreter start and imports so far
        self._startup_cpu = time.process_time()
        self._times: dict[str, dict[str, float]] = {}
        self._threads: dict[str, set[int]] = {}      # thread phases: the threads they ran on
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self, name: str, *, thread: bool = False):
        clock = time.thread_time if thread else time.process_time
        wall, cpu = time.perf_counter(), clock()
        try:
            yield
        finally:
            entry = {"wall_s": time.perf_counter() - wall, "cpu_s": clock() - cpu}
            with self._lock:
                old = self._times.get(name, {"wall_s": 0.0, "cpu_s": 0.0})
                self._times[name] = {k: old[k] + entry[k] for k in entry}
                if thread:
                    self._threads.setdefault(name, set()).add(threading.get_ident())

    def to_dict(self) -> dict:
        with self._lock:
            phases = {name: {k: round(v, 4) for k, v in t.items()}
                      for name, t in self._times.items()}
            for name, idents in self._threads.items():
                phases[name]["threads"] = len(idents)
        return {"phases": phases, "startup_cpu_s": round(self._startup_cpu, 4),
                "total_wall_s": round(time.perf_counter() - self._start, 4),
                "total_cpu_s": round(time.process_time(), 4)}

    def format(self) -> str:
        data = self.to_dict()
        lines = [f"{'phase':<18}{'wall (s)':>10}{'cpu (s)':>10}"]
        lines += [f"{name:<18}{t['wall_s']:>10.3f}{t['cpu_s']:>10.3f}"
                  + (f"   (summed over {t['threads']} threads)" if t.get("threads", 1) > 1 else "")
                  for name, t in data["phases"].items()]
        lines.append(f"{'total':<18}{data['total_wall_s']:>10.3f}{data['total_cpu_s']:>10.3f}"
                     f"   (CPU before main: {data['startup_cpu_s']:.3f} s)")
        return "\n".join(lines)

"""Phases: wall and CPU per phase; a phase timed on several threads says so."""
import threading
import time

from zoo.evaluate.phases import Phases


def _spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_a_phase_on_two_threads_adds_up_both_and_says_so():
    phases = Phases()
    barrier = threading.Barrier(2)

    def work():
        barrier.wait()
        with phases("stage", thread=True):
            _spin(0.05)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with phases("main"):
        _spin(0.02)
    data = phases.to_dict()["phases"]
    assert data["stage"]["threads"] == 2
    assert 0.1 <= data["stage"]["cpu_s"] < 0.5       # each thread's own CPU, added up
    assert "threads" not in data["main"] and data["main"]["cpu_s"] >= 0.02
    text = phases.format()
    assert "summed over 2 threads" in text.splitlines()[1]
    assert "summed" not in text.splitlines()[2]

"""``bounded_map``: every job once, results in job order (or as they finish), never more
than ``in_flight`` jobs submitted and not yet consumed, a job's error re-raised."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from fastio.bounded import bounded_map


class _Counting:
    def __init__(self):
        self.lock = threading.Lock()
        self.started = 0
        self.consumed = 0
        self.most_ahead = 0

    def job(self, i: int, delay: float) -> int:
        with self.lock:
            self.started += 1
            self.most_ahead = max(self.most_ahead, self.started - self.consumed)
        time.sleep(delay)
        return i * i


@pytest.mark.parametrize("ordered", [True, False])
def test_every_job_once_and_at_most_in_flight_ahead(ordered):
    counting = _Counting()
    # later jobs finish first: an unordered map yields them first
    jobs = [(i, 0.02 * (5 - i % 5)) for i in range(15)]
    out = []
    with ThreadPoolExecutor(4) as pool:
        for value in bounded_map(pool, counting.job, jobs, in_flight=3, ordered=ordered):
            out.append(value)
            counting.consumed += 1
    assert sorted(out) == [i * i for i in range(15)]
    if ordered:
        assert out == [i * i for i in range(15)]
    else:
        assert out != [i * i for i in range(15)]   # negative control: completion order differs
    # never more than in_flight started beyond what was consumed (+1: the one being refilled)
    assert counting.most_ahead <= 3 + 1


def test_a_jobs_error_is_raised_and_in_flight_is_checked():
    def fail(i):
        if i == 2:
            raise ValueError("job 2 broke")
        return i

    with ThreadPoolExecutor(2) as pool:
        with pytest.raises(ValueError, match="job 2 broke"):
            list(bounded_map(pool, fail, [(i,) for i in range(5)], in_flight=2))
        with pytest.raises(ValueError, match="in_flight"):
            list(bounded_map(pool, fail, [], in_flight=0))

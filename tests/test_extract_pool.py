"""The extraction worker pool (parknews.extract.pool): results from other processes, and a
worker that dies costs only the job it died on, never its neighbours."""

from __future__ import annotations

import os
import signal
import time

import pytest

from parknews.extract.pool import ExtractorPool, WorkerDied

# --- jobs the pool runs (module level: they travel to the workers by name) ---------------

def square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def slow_square(n: int) -> int:
    time.sleep(0.05)
    return n * n


def fail(message: str) -> None:
    raise ValueError(message)


def die(n: int) -> int:
    """What the kernel's OOM killer or a crash in C does to a worker."""
    os.kill(os.getpid(), signal.SIGKILL)
    return n


# --- the pool -----------------------------------------------------------------------


def test_the_pool_runs_jobs_in_other_processes_and_returns_their_results() -> None:
    with ExtractorPool(2) as pool:
        results = [pool.submit(square, n).result(timeout=60) for n in range(20)]
    assert [value for value, _ in results] == [n * n for n in range(20)]
    assert os.getpid() not in {pid for _, pid in results}


def test_an_exception_in_a_job_is_that_job_s_result_and_the_pool_goes_on() -> None:
    with ExtractorPool(1) as pool:
        failed = pool.submit(fail, "no article here")
        with pytest.raises(ValueError, match="no article here"):
            failed.result(timeout=60)
        assert pool.submit(square, 3).result(timeout=60)[0] == 9
        assert pool.deaths == 0


def test_a_job_that_kills_its_worker_fails_alone_and_its_neighbours_get_their_results() -> None:
    with ExtractorPool(2) as pool:
        before = [pool.submit(slow_square, n) for n in range(6)]
        deadly = pool.submit(die, 99)
        after = [pool.submit(slow_square, n) for n in range(6, 12)]
        with pytest.raises(WorkerDied):
            deadly.result(timeout=120)
        assert [f.result(timeout=120) for f in before + after] == [n * n for n in range(12)]
        # the pool was replaced and still works; the killer died twice (in the pool, then alone)
        assert pool.submit(square, 5).result(timeout=60)[0] == 25
        assert pool.deaths == 2

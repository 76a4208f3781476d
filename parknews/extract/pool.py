"""Extraction in worker processes: a process pool that survives the death of a worker.

Built for taking extraction off the crawl's reactor (issue 15; the crawl pipeline that uses it
is not on main yet) and for ``parknews reextract``: extraction, pure CPU work, runs on other
cores while the parent keeps fetching or writing. No Scrapy here: jobs are plain picklable
calls. Known gap: workers do not yet exit when their parent is killed with SIGKILL.

What happens when a worker dies (lxml crashing on a hostile page, the kernel's OOM killer):
Python's ``ProcessPoolExecutor`` then fails every job it holds with ``BrokenProcessPool``, the
innocent with the guilty. This pool replaces the broken executor at once (new jobs go on
running) and runs each job that was in flight again, alone, one after another, in a
one-process executor of its own. A job that kills that process too is the one that killed
the first: its future fails with :class:`WorkerDied`; every other job gets its real result.
So one bad page costs itself, never its neighbours, and nothing waits for ever.

Workers are started by a fork server (``forkserver`` on Linux, ``spawn`` elsewhere) that has
imported the extractor once: a new worker is a fork of a small clean process, never of a
crawling one with its threads, sockets and open archive.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

#: Modules the fork server imports before it forks any worker.
PRELOAD = ["parknews.extract.process"]


class WorkerDied(RuntimeError):
    """The job's worker process died while running it, and died again running it alone."""


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """Extraction workers for a crawl: one core is left to the process that fetches and writes,
    so 1 on a 2-core machine and 0 (extract in the crawling process) on a single core."""
    return usable_cores() - 1


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def _warm() -> int:
    return os.getpid()


@dataclass
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: Future = field(default_factory=Future)


class ExtractorPool:
    """``workers`` processes running picklable calls; see the module docstring for deaths."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("an ExtractorPool needs at least one worker")
        self.workers = workers
        self.deaths = 0
        """Worker processes that died (each one replaced)."""
        self._ctx = _context()
        self._lock = threading.Lock()
        self._closed = False
        self._executor = self._new(workers)
        self._suspects: deque[_Job] = deque()
        self._suspect_executor: ProcessPoolExecutor | None = None
        self._checking = False

    def _new(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=self._ctx)

    def warm_up(self) -> None:
        """Start the workers now (the first start imports the extractor), not on the first page."""
        for future in [self._executor.submit(_warm) for _ in range(self.workers)]:
            future.result()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` in a worker; the future holds its result, its exception, or WorkerDied."""
        job = _Job(fn, args)
        self._start(job)
        return job.future

    def _start(self, job: _Job) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the extractor pool is closed")
            executor = self._executor
        try:
            inner = executor.submit(job.fn, *job.args)
        except BrokenProcessPool:
            self._broken(executor, job)
            return
        inner.add_done_callback(lambda done: self._finished(executor, job, done))

    def _finished(self, executor: ProcessPoolExecutor, job: _Job, done: Future) -> None:
        if done.cancelled():
            job.future.cancel()
            return
        exc = done.exception()
        if isinstance(exc, BrokenProcessPool):
            self._broken(executor, job)
        elif exc is not None:
            job.future.set_exception(exc)
        else:
            job.future.set_result(done.result())

    def _broken(self, executor: ProcessPoolExecutor, job: _Job) -> None:
        """``job`` was in a pool whose worker died: replace the pool, check the job alone."""
        retired = None
        with self._lock:
            if executor is self._executor and not self._closed:
                self.deaths += 1
                retired, self._executor = executor, self._new(self.workers)
            self._suspects.append(job)
            begin = not self._checking
            self._checking = True
        if retired is not None:
            retired.shutdown(wait=False, cancel_futures=True)
        if begin:
            self._check_next()

    def _check_next(self) -> None:
        with self._lock:
            if not self._suspects:
                self._checking = False
                return
            job = self._suspects.popleft()
            if self._suspect_executor is None:
                self._suspect_executor = self._new(1)
            executor = self._suspect_executor
        try:
            inner = executor.submit(job.fn, *job.args)
        except BrokenProcessPool as exc:
            self._checked(executor, job, exc)
            return
        inner.add_done_callback(lambda done: self._checked(executor, job, done))

    def _checked(self, executor: ProcessPoolExecutor, job: _Job, done: Future | BaseException) -> None:
        exc = done if isinstance(done, BaseException) else (None if done.cancelled() else done.exception())
        if isinstance(exc, BrokenProcessPool):
            with self._lock:
                self.deaths += 1
                if self._suspect_executor is executor:
                    self._suspect_executor = None
            executor.shutdown(wait=False)
            job.future.set_exception(WorkerDied("the extraction process died on this page, twice"))
        elif isinstance(done, Future) and done.cancelled():
            job.future.cancel()
        elif exc is not None:
            job.future.set_exception(exc)
        else:
            job.future.set_result(done.result())
        self._check_next()

    def close(self) -> None:
        """Wait for the jobs in flight, then stop the workers."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True)
        while True:
            with self._lock:
                executor, checking = self._suspect_executor, self._checking
            if not checking:
                break
            threading.Event().wait(0.01)
        if executor is not None:
            executor.shutdown(wait=True)

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

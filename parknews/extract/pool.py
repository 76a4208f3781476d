"""Extraction in worker processes: a process pool that survives the death of a worker.

Built for taking extraction off the crawl's reactor (``parknews.crawl.pipelines.ExtractPipeline``)
and for ``parknews reextract``: extraction, pure CPU work, runs on other cores while the
parent keeps fetching or writing. No Scrapy here: jobs are plain picklable calls.

A worker watches the process that made the pool and exits when it is gone, however it went
(SIGKILL included): a killed crawl leaves no extraction processes behind.

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
import select
import sys
import threading
import time
import types
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


_MAIN_LOCK = threading.Lock()
_FORKSERVER = "forkserver" in multiprocessing.get_all_start_methods()
if _FORKSERVER:
    from multiprocessing import popen_forkserver


class _NoMainPopen(popen_forkserver.Popen if _FORKSERVER else object):  # type: ignore[misc]
    """Starts a worker without the parent's main module.

    A new forkserver or spawn child first imports the parent's ``__main__`` (so that it can
    unpickle functions defined there). Our jobs never live there, and a launcher without an
    ``if __name__ == "__main__"`` guard (a scheduler's wrapper script) would run its crawl once
    more in every worker. So while the worker's start-up data is taken, ``__main__`` is shown
    as a bare module with neither a name to import nor a file to run."""

    def _launch(self, process_obj: Any) -> None:
        with _MAIN_LOCK:
            real = sys.modules["__main__"]
            sys.modules["__main__"] = types.ModuleType("__main__")
            try:
                super()._launch(process_obj)
            finally:
                sys.modules["__main__"] = real


class _NoMainProcess(multiprocessing.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _NoMainPopen(process_obj)


class _NoMainContext(multiprocessing.context.ForkServerContext):
    Process = _NoMainProcess  # type: ignore[assignment]


def _context(preload: list[str]) -> multiprocessing.context.BaseContext:
    if _FORKSERVER:
        ctx = _NoMainContext()
        ctx.set_forkserver_preload(preload)  # the process's one fork server: applies when it starts
        return ctx
    return multiprocessing.get_context("spawn")


def _warm() -> int:
    return os.getpid()


def _watch_parent(pid: int) -> None:
    """Worker initializer: exit at once when process ``pid`` (the pool's owner) ends.

    A worker's own parent is the fork server, and the queues it reads stay open in its
    siblings, so nothing else tells it that the crawl is gone."""

    def watch() -> None:
        try:
            fd = os.pidfd_open(pid)  # Linux 5.3+: readable when the process ends
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])
        else:
            while True:
                time.sleep(1.0)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    continue
        os._exit(0)

    threading.Thread(target=watch, name="parknews-parent-watch", daemon=True).start()


@dataclass
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: Future = field(default_factory=Future)


class ExtractorPool:
    """``workers`` processes running picklable calls; see the module docstring for deaths."""

    def __init__(self, workers: int, preload: list[str] | None = None) -> None:
        """``preload``: modules the fork server imports once (default ``PRELOAD``), so that a
        new worker starts with the job's code already loaded."""
        if workers < 1:
            raise ValueError("an ExtractorPool needs at least one worker")
        self.workers = workers
        self.deaths = 0
        """Worker processes that died (each one replaced)."""
        self._ctx = _context(list(PRELOAD if preload is None else preload))
        self._lock = threading.Lock()
        self._closed = False
        self._executor = self._new(workers)
        self._suspects: deque[_Job] = deque()
        self._suspect_executor: ProcessPoolExecutor | None = None
        self._checking = False

    def _new(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=self._ctx,
                                   initializer=_watch_parent, initargs=(os.getpid(),))

    def warm_up(self, timeout: float = 60.0) -> None:
        """Start the workers now (the first start imports the extractor), not on the first page.
        Raises when they cannot start (``BrokenProcessPool``: each died before it could run a
        job). Safe to call again: workers already running answer at once."""
        with self._lock:
            executor = self._executor
        for future in [executor.submit(_warm) for _ in range(self.workers)]:
            future.result(timeout=timeout)

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

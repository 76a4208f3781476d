"""Item pipelines: thin Scrapy adapters over parknews.extract and parknews.archive.store.

extract (RawPage -> ArticlePage) -> validate -> store. A page that cannot be
extracted or validated is dropped with a reason; the store pipeline listens for
dropped items and records the raw page and a failure row, so nothing is lost.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from parknews.archive.store import (
    archive_fault,
    default_db_path,
    frontier_prune,
    open_db,
)
from parknews.archive.writer import ArchiveWriter
from parknews.archive.clusters import page_signed
from parknews.extract import SiteRules
from parknews.extract.pool import PRELOAD, ExtractorPool, WorkerDied, default_workers
from parknews.extract.process import page_outcome
from parknews.items import Article, ArticlePage, RawPage

logger = logging.getLogger(__name__)


def _rules_of(crawler: Crawler, item: RawPage) -> SiteRules | None:
    spider = crawler.spider
    if hasattr(spider, "profile_for"):  # the fleet's spider crawls many sites at once
        profile = spider.profile_for(item)
    else:
        profile = getattr(spider, "profile", None)
    return profile.selectors if profile is not None else None


class ExtractPipeline:
    """RawPage of an article -> ArticlePage; listings and failures pass through.

    Extraction runs in worker processes (``parknews.extract.pool``; setting
    ``PARKNEWS_EXTRACT_WORKERS``, default one fewer than the cores, 0 = in the crawling process)
    while the reactor goes on fetching. Items leave this pipeline in the order they entered it,
    whatever order the workers finish in, so the archive sees what an in-process crawl sees.
    Workers also make the body's syndication signature (``parknews.archive.clusters.sign``),
    the other CPU-heavy step of a page, which the archive's writer then only looks up. A
    page whose worker died (twice: see ``ExtractorPool``) is dropped with the reason
    ``extract: extractor crashed``: its page and failure row are stored like any failure.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        workers = crawler.settings.getint("PARKNEWS_EXTRACT_WORKERS", -1)
        self.workers = default_workers() if workers < 0 else workers
        self.pool: ExtractorPool | None = None
        # Items in entry order: [deferred or None, outcome]; an outcome is ("item", value) or
        # ("drop", reason), None while the worker has not answered.
        self.line: deque[list[Any]] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        if self.workers > 0:
            # Workers start now, off the reactor's thread, not on the first article. Where they
            # cannot start at all (a launcher whose main module runs a crawl again when a worker
            # imports it, a sandbox without fork), the crawl extracts in its own process.
            self.pool = _shared_pool(self.workers)
            try:
                await maybe_deferred_to_future(deferToThread(self.pool.warm_up))
            except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, OSError: any reason
                logger.warning("parknews: extraction workers could not start (%s: %s); extracting in "
                               "the crawling process", type(exc).__name__, exc)
                self.pool, self.workers = None, 0
                await maybe_deferred_to_future(deferToThread(_release_pool))
        self.crawler.stats.set_value("parknews/extract_workers", self.workers)

    async def close_spider(self) -> None:
        # Every item has left (Scrapy closes pipelines once the scraper is idle): no job is in
        # flight. Stopping the workers joins processes, which is done off the reactor's thread.
        if self.pool is not None:
            if self.pool.deaths:
                self.crawler.stats.set_value("parknews/extract_worker_deaths", self.pool.deaths)
            self.pool = None
            await maybe_deferred_to_future(deferToThread(_release_pool))

    def process_item(self, item: Any) -> Any:
        outcome = self._check(item)
        if outcome is None:  # an article page to extract
            rules = _rules_of(self.crawler, item)
            if self.pool is None:
                outcome = _outcome(item, *page_outcome(item, rules))
            else:
                return self._submit(item, rules)
        if not self.line:
            return _deliver(outcome)
        entry: list[Any] = [Deferred(), outcome]  # waits for the articles ahead of it
        self.line.append(entry)
        return maybe_deferred_to_future(entry[0])

    def _check(self, item: Any) -> tuple[str, Any] | None:
        """What becomes of ``item`` without extraction, or None when it is a page to extract."""
        if not isinstance(item, RawPage):
            return ("item", item)
        if item.recheck and item.status in (304, 404, 410):
            return ("item", item)  # not modified, or gone: the store pipeline records it
        if item.status >= 400:
            return ("drop", f"fetch: HTTP {item.status}")
        if item.kind != "article":
            return ("item", item)
        ctype = item.headers.get("content-type", "")
        if ctype and not any(t in ctype.lower() for t in ("html", "xml", "text/plain")):
            return ("drop", f"extract: not an HTML page (Content-Type {ctype})")
        return None

    def _submit(self, item: RawPage, rules: SiteRules | None) -> Any:
        from twisted.internet import reactor  # the running one (importing it early would install one)

        assert self.pool is not None
        entry: list[Any] = [Deferred(), None]
        self.line.append(entry)
        future = self.pool.submit(page_signed, item, rules)
        future.add_done_callback(lambda done: reactor.callFromThread(self._answered, entry, item, done))
        return maybe_deferred_to_future(entry[0])

    def _answered(self, entry: list[Any], item: RawPage, done: Future) -> None:
        exc = done.exception()
        if isinstance(exc, WorkerDied):
            entry[1] = ("drop", "extract: extractor crashed (the extraction process died on this page)")
        elif exc is not None:
            entry[1] = ("drop", f"extract: extractor error: {type(exc).__name__}: {exc}")
        else:
            article, reason, signature = done.result()
            entry[1] = _outcome(item, article, reason, signature)
        while self.line and self.line[0][1] is not None:
            deferred, outcome = self.line.popleft()
            kind, value = outcome
            if kind == "item":
                deferred.callback(value)
            else:
                deferred.errback(Failure(DropItem(value)))


def _outcome(item: RawPage, article: Article | None, reason: str | None,
             signature: bytes | None = None) -> tuple[str, Any]:
    if article is None:
        return ("drop", reason)
    return ("item", ArticlePage(raw=item, article=article, signature=signature))


def _deliver(outcome: tuple[str, Any]) -> Any:
    kind, value = outcome
    if kind == "drop":
        raise DropItem(value)
    return value


# One pool per process, shared by the crawls it runs (a multi-site crawl runs one per site).
_pool: ExtractorPool | None = None
_pool_users = 0
_pool_lock = threading.Lock()


def _shared_pool(workers: int) -> ExtractorPool:
    global _pool, _pool_users
    with _pool_lock:
        if _pool is None:
            _pool = ExtractorPool(workers, preload=[*PRELOAD, "parknews.archive.clusters"])
        _pool_users += 1
        return _pool


def _release_pool() -> None:
    global _pool, _pool_users
    with _pool_lock:
        _pool_users -= 1
        pool = _pool if _pool_users == 0 else None
        if pool is not None:
            _pool = None
    if pool is not None:
        pool.close()


class ValidatePipeline:
    """An article needs a URL, and a title or body text (``parknews.extract.process.refusal``, the
    rule every path shares); an article page with no article text is kept with an empty body,
    and a missing title, body or date is named in ``missing``."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticlePage):
            from parknews.extract.process import refusal

            why = refusal(item.article)
            if why is not None:
                raise DropItem(f"validate: {why}")
        return item


class StorePipeline:
    """Writes pages, articles, failures and the run row, in batched transactions, through the
    archive side's :class:`~parknews.archive.writer.ArchiveWriter` (the fleet writer uses the
    same). This class is the Scrapy glue: batching by size and time, the dropped-item signal,
    stopping the run when the archive cannot be written, and the crawl stats.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.db_path = settings.get("PARKNEWS_DB") or str(default_db_path())
        self.batch_size = settings.getint("PARKNEWS_BATCH_SIZE", 50)
        self.flush_seconds = settings.getfloat("PARKNEWS_FLUSH_SECONDS", 2.0)
        self.last_flush = time.monotonic()
        self.run_id: int | None = settings.getint("PARKNEWS_RUN_ID") or None
        self.pending: list[Any] = []
        self.writer: ArchiveWriter | None = None
        self.fatal: str | None = None  # the archive cannot be written (disk full): the run stops
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    @property
    def counts(self) -> dict[str, int]:
        return self.writer.counts if self.writer else {}

    def open_spider(self) -> None:
        self.db = open_db(self.db_path)
        quota = self.crawler.settings.getfloat("PARKNEWS_MAX_ARCHIVE_MB", 0)
        if quota > 0:
            # SQLite refuses to grow the file past this (SQLITE_FULL), as a full disk would.
            page_size = self.db.execute("PRAGMA page_size").fetchone()[0]
            self.db.execute(f"PRAGMA max_page_count = {max(1, int(quota * 1024 * 1024 // page_size))}")
        spider = self.crawler.spider
        profile = getattr(spider, "profile", None)
        name = profile.name if profile else spider.name
        if self.run_id is None:
            args = {"start_urls": profile.start_urls if profile else [], "db": str(self.db_path)}
            self.writer = ArchiveWriter.start(self.db, name, args)
            self.run_id = self.writer.run_id
        else:
            self.writer = ArchiveWriter.resume(self.db, self.run_id)  # a resumed run continues its row
        self.crawler.stats.set_value("parknews/run_id", self.run_id)
        if profile is not None:
            with self.db.atomic():
                frontier_prune(self.db, profile.name)
        logger.info("parknews run %s: profile %s, archive %s", self.run_id, name, self.db_path)

    def process_item(self, item: Any) -> Any:
        self._queue("ok", item, None)
        return item

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Any) -> None:
        self._queue("dropped", item, str(exception))

    def _queue(self, status: str, item: Any, reason: str | None) -> None:
        if self.fatal:
            return  # the run is stopping; what it fetched is still in the frontier for the next one
        self.pending.append((status, item, reason))
        if len(self.pending) >= self.batch_size or time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        if not self.pending or self.fatal or self.writer is None:
            return
        batch, self.pending = self.pending, []
        self.last_flush = time.monotonic()
        try:
            self.writer.write_batch(batch)
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
            # The transaction rolled back: the archive holds none of this batch, and the
            # frontier still lists its URLs.
            self._stop(exc)
            return
        for key, value in self.writer.counts.items():
            self.crawler.stats.set_value(f"parknews/{key}", value)

    def _stop(self, exc: BaseException) -> None:
        """The archive cannot take more (disk full, I/O error): stop the run within seconds."""
        self.fatal = archive_fault(exc, self.db_path)
        logger.error("parknews: %s; stopping the run", self.fatal)
        self.crawler.stats.set_value("parknews/fatal", self.fatal)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            reason = "disk_full" if "disk is full" in self.fatal else "archive_error"
            deferred = deferred_from_coro(engine.close_spider_async(reason=reason))
            deferred.addErrback(lambda failure: logger.error("closing the spider: %s", failure.getErrorMessage()))

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        # Fires after close_spider, with the finish reason ("finished", "shutdown", ...).
        if self.writer is None:
            return
        self.flush()
        try:
            skipped = self.crawler.stats.get_value("parknews/known_skipped", 0)
            if self.fatal:
                # Only the run row: a one-page update that fits where the batch did not.
                reason = "disk_full" if "disk is full" in self.fatal else "archive_error"
                self.writer.finish(reason, skipped=skipped, notes=[self.fatal])
            else:
                self.writer.finish(reason, skipped=skipped)
        except (sqlite3.Error, OSError) as exc:
            logger.error("parknews: could not record the end of run %s: %s", self.run_id, archive_fault(exc, self.db_path))
            self.crawler.stats.set_value("parknews/fatal", self.fatal or archive_fault(exc, self.db_path))
        finally:
            self.db.close()

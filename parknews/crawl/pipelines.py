"""Item pipelines: thin Scrapy adapters over parknews.extract and parknews.archive.store.

extract (RawPage -> ArticlePage) -> validate -> store. A page that cannot be
extracted or validated is dropped with a reason; the store pipeline listens for
dropped items and records the raw page and a failure row, so nothing is lost.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from parknews.archive.store import (
    archive_fault,
    default_db_path,
    frontier_prune,
    open_db,
)
from parknews.archive.writer import ArchiveWriter
from parknews.extract import ExtractionError, SiteRules
from parknews.extract.process import article_from_raw
from parknews.items import ArticlePage, RawPage

logger = logging.getLogger(__name__)


def _rules_of(crawler: Crawler, item: RawPage) -> SiteRules | None:
    spider = crawler.spider
    if hasattr(spider, "profile_for"):  # the fleet's spider crawls many sites at once
        profile = spider.profile_for(item)
    else:
        profile = getattr(spider, "profile", None)
    return profile.selectors if profile is not None else None


class ExtractPipeline:
    """RawPage of an article -> ArticlePage; listings and failures pass through."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawPage):
            return item
        if item.recheck and item.status in (304, 404, 410):
            return item  # not modified, or gone: the store pipeline records it
        if item.status >= 400:
            raise DropItem(f"fetch: HTTP {item.status}")
        if item.kind != "article":
            return item
        ctype = item.headers.get("content-type", "")
        if ctype and not any(t in ctype.lower() for t in ("html", "xml", "text/plain")):
            raise DropItem(f"extract: not an HTML page (Content-Type {ctype})")
        try:
            article = article_from_raw(item, _rules_of(self.crawler, item))
        except ExtractionError as exc:
            # A page that cannot be decoded is a `decode` failure, not an empty article.
            if str(exc).startswith("decode:"):
                raise DropItem(str(exc)) from exc
            raise DropItem(f"extract: {exc}") from exc
        return ArticlePage(raw=item, article=article)


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

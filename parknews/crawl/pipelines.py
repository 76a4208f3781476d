"""Item pipelines: thin Scrapy adapters over parknews.extract and parknews.archive.store.

extract (RawPage -> ArticlePage) -> validate -> store. A page that cannot be
extracted or validated is dropped with a reason; the store pipeline listens for
dropped items and records the raw page and a failure row, so nothing is lost.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from w3lib.url import canonicalize_url

from parknews.archive.clusters import cluster_new_articles
from parknews.archive.store import (
    RUN_COUNTS,
    archive_fault,
    default_db_path,
    finish_run,
    frontier_add,
    frontier_done,
    frontier_prune,
    frontier_retry,
    mark_deleted,
    open_db,
    save_articles,
    save_failure,
    save_page,
    start_run,
    url_key,
)
from parknews.extract import ExtractionError, SiteRules
from parknews.extract.process import article_from_raw
from parknews.items import Article, FetchFailure, RawPage
from parknews.sites.profiles import COVERAGE_FIELDS

logger = logging.getLogger(__name__)


@dataclass
class ArticlePage:
    """A fetched article page and the record extracted from it."""

    raw: RawPage
    article: Article


def _rules_of(crawler: Crawler) -> SiteRules | None:
    profile = getattr(crawler.spider, "profile", None)
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
            article = article_from_raw(item, _rules_of(self.crawler))
        except ExtractionError as exc:
            # A page that cannot be decoded is a `decode` failure, not an empty article.
            if str(exc).startswith("decode:"):
                raise DropItem(str(exc)) from exc
            raise DropItem(f"extract: {exc}") from exc
        return ArticlePage(raw=item, article=article)


class ValidatePipeline:
    """An article needs a URL and a body (``parknews.extract.process.validated``, the rule every path
    shares); a missing title or date is named in ``missing`` and the record is kept."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticlePage) and (not item.article.url or not item.article.body):
            raise DropItem("validate: missing body")
        return item


class StorePipeline:
    """Writes pages, articles, failures and the run row, in batched transactions.

    Each batch is one transaction holding both the raw pages and the records made
    from them, so a crash never leaves an article without its page or half-written.
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
        self.articles: list[Article] = []  # records of the batch being written, saved together
        self.counts = dict.fromkeys(RUN_COUNTS, 0)
        self.coverage = dict.fromkeys(("new", *COVERAGE_FIELDS), 0)
        self.answered: set[str] = set()  # frontier keys that got their answer in this run (committed)
        self.answering: set[str] = set()  # the same, in the batch being written
        self.fatal: str | None = None  # the archive cannot be written (disk full): the run stops
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

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
            self.run_id = start_run(self.db, name, args)
        else:
            # A resumed run continues its own row and counts.
            row = self.db["runs"].get(self.run_id)
            for key in RUN_COUNTS:
                self.counts[key] = row.get(key) or 0
            self.coverage.update(json.loads(row.get("coverage") or "{}").get("counts", {}))
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
        if not self.pending or self.fatal:
            return
        batch, self.pending = self.pending, []
        self.last_flush = time.monotonic()
        counts, coverage = dict(self.counts), dict(self.coverage)
        self.answering = set()
        try:
            with self.db.atomic():
                self.articles = []
                for status, item, reason in batch:
                    self._write(status, item, reason)
                self._save_articles()
                self.db["runs"].update(self.run_id, self._run_fields())
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
            # The transaction rolled back: the archive holds none of this batch, and the
            # frontier still lists its URLs. Counts go back to what the archive holds.
            self.counts, self.coverage = counts, coverage
            self._stop(exc)
            return
        self.answered |= self.answering
        cluster_new_articles(self.db)  # syndication clusters (parknews.archive.clusters), own transaction
        for key, value in self.counts.items():
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

    def _run_fields(self) -> dict[str, Any]:
        new = self.coverage["new"]
        shares = {f: round(self.coverage[f] / new, 4) for f in COVERAGE_FIELDS} if new else {}
        return {**self.counts, "coverage": json.dumps({"shares": shares, "counts": self.coverage})}

    def _write(self, status: str, item: Any, reason: str | None) -> None:
        db, run_id, c = self.db, self.run_id, self.counts
        raw = item.raw if isinstance(item, ArticlePage) else item
        if isinstance(raw, RawPage):
            c["pages_fetched"] += 1
            c["bytes"] += len(raw.body)
            if raw.kind == "listing":
                c["listing_pages"] += 1
            if raw.recheck and raw.status == 304:
                c["pages_not_modified"] += 1
                c["articles_unchanged"] += 1
                return
            if raw.recheck and raw.status in (404, 410) and status == "ok":
                # Gone from the site: mark the article, keep its last good page for re-extraction.
                self._save_articles()  # the records before it in the batch first, as they came
                if mark_deleted(db, canonicalize_url(raw.url), run_id):
                    c["articles_deleted"] += 1
                return
            encoding = item.article.encoding if isinstance(item, ArticlePage) else None
            save_page(db, raw, encoding=encoding, run_id=run_id)
            self._frontier(raw, f"HTTP {raw.status}" if raw.status >= 500 else None)
        if status == "dropped":
            stage, _, detail = (reason or "unknown: ").partition(": ")
            url = raw.url if isinstance(raw, RawPage) else getattr(item, "url", "?")
            kind = raw.kind if isinstance(raw, RawPage) else getattr(item, "kind", "article")
            save_failure(db, url=url, stage=stage, reason=detail or stage, run_id=run_id,
                         site=getattr(raw, "site", None), status=getattr(raw, "status", None), kind=kind)
            c["failures"] += 1
            c["listing_failed" if kind == "listing" else "articles_failed"] += 1
        elif isinstance(item, FetchFailure):
            save_failure(db, url=item.url, stage=item.stage, reason=item.reason, run_id=run_id, site=item.site,
                         kind=item.kind)
            # Timeouts and connection faults may pass: the URL waits for the next run's try.
            # robots.txt, redirect and size refusals are final answers.
            if item.site:
                keys = [item.url]
                if item.stage in ("timeout", "fetch"):
                    frontier_retry(db, item.site, keys, f"{item.stage}: {item.reason}")
                else:
                    frontier_done(db, item.site, keys)
                self.answering.update(url_key(u) for u in keys)
            c["failures"] += 1
            c["listing_failed" if item.kind == "listing" else "articles_failed"] += 1
        elif isinstance(item, ArticlePage):
            self.articles.append(item.article)  # written with the batch's others: one save_articles

    def _save_articles(self) -> None:
        """The batch's article records so far: rows and full-text index in one store call."""
        if not self.articles:
            return
        articles, self.articles = self.articles, []
        for article, outcome in zip(articles, save_articles(self.db, articles, self.run_id), strict=True):
            self.counts[f"articles_{outcome}"] += 1
            if outcome == "new":
                self._count_coverage(article)

    def _frontier(self, raw: RawPage, retry_reason: str | None) -> None:
        """A stored page answers its frontier entry (or leaves it for a retry after a 5xx) and
        adds the requests it led to, in the same transaction as the page itself."""
        if not raw.site:
            return
        urls = list(dict.fromkeys([*raw.via, raw.url, raw.final_url]))
        if retry_reason and not raw.recheck:
            frontier_retry(self.db, raw.site, urls, retry_reason)
        else:
            frontier_done(self.db, raw.site, urls)
        self.answering.update(url_key(u) for u in urls)
        if raw.discovered:
            # A request already answered in this run (its response overtook this page) is not waiting.
            waiting = [e for e in raw.discovered
                       if url_key(e["url"]) not in self.answered and url_key(e["url"]) not in self.answering]
            frontier_add(self.db, raw.site, waiting, self.run_id)

    def _count_coverage(self, article: Article) -> None:
        b = article.byline
        present = {
            "title": bool(article.title), "body": bool(article.body), "date": bool(article.published_at),
            "byline": bool(b.reporters or b.correspondents or b.editors or b.photographers or b.outlet),
        }
        self.coverage["new"] += 1
        for name, ok in present.items():
            self.coverage[name] += int(ok)

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        # Fires after close_spider, with the finish reason ("finished", "shutdown", ...).
        self.counts["articles_skipped"] = self.crawler.stats.get_value("parknews/known_skipped", 0)
        self.flush()
        try:
            if self.fatal:
                # Only the run row: a one-page update that fits where the batch did not.
                reason = "disk_full" if "disk is full" in self.fatal else "archive_error"
                with self.db.atomic():
                    self.db["runs"].update(self.run_id, {**self._run_fields(), "notes": json.dumps([self.fatal])})
            else:
                with self.db.atomic():
                    self.db["runs"].update(self.run_id, self._run_fields())
            finish_run(self.db, self.run_id, reason, self.counts)
        except (sqlite3.Error, OSError) as exc:
            logger.error("parknews: could not record the end of run %s: %s", self.run_id, archive_fault(exc, self.db_path))
            self.crawler.stats.set_value("parknews/fatal", self.fatal or archive_fault(exc, self.db_path))
        finally:
            self.db.close()

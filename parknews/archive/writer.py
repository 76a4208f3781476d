"""The one way fetched pages and records enter the archive, with or without Scrapy.

A local crawl's ``StorePipeline`` and the fleet's writer (``parknews.archive.fleet``) both hand
batches of ``(status, item, reason)`` to an :class:`ArchiveWriter`: ``status`` is ``"ok"`` or
``"dropped"``, ``item`` a ``RawPage``, ``ArticlePage`` or ``FetchFailure``, ``reason`` the drop
reason (``"stage: detail"``). One batch is one transaction holding the raw pages, the records made
from them, their frontier entries and the run row's counts, so a crash never leaves an article
without its page, a page without its frontier answer, or counts that disagree with the rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

import sqlite_utils
from w3lib.url import canonicalize_url

from parknews.archive.clusters import cluster_new_articles
from parknews.archive.store import (
    RUN_COUNTS,
    finish_run,
    frontier_add,
    frontier_done,
    frontier_retry,
    mark_deleted,
    save_articles,
    save_failure,
    save_page,
    start_run,
    url_key,
)
from parknews.items import Article, ArticlePage, FetchFailure, RawPage
from parknews.sites.profiles import COVERAGE_FIELDS

Entry = tuple[str, Any, str | None]


class ArchiveWriter:
    """Writes one run's pages, articles, failures and frontier entries into an open archive."""

    def __init__(self, db: sqlite_utils.Database, run_id: int) -> None:
        self.db = db
        self.run_id = run_id
        self.counts = dict.fromkeys(RUN_COUNTS, 0)
        self.coverage = dict.fromkeys(("new", *COVERAGE_FIELDS), 0)
        self.answered: set[str] = set()  # frontier keys answered in this run (committed)
        self.answering: set[str] = set()  # the same, in the batch being written
        self.articles: list[Article] = []  # the batch's records, saved together
        self.signed: dict[str, bytes] = {}  # the batch's cluster signatures made by extraction workers
        self.clustered_urls: list[str] = []  # the batch's article URLs, clustered after it commits
        # The first batch of a run, and the one after a clustering error, clusters every article
        # still without a signature (an older archive, a failed batch); the others only their own.
        self.cluster_catch_up = True

    @classmethod
    def start(cls, db: sqlite_utils.Database, site: str, args: dict[str, Any]) -> ArchiveWriter:
        """A new run: its ``runs`` row is created."""
        return cls(db, start_run(db, site, args))

    @classmethod
    def resume(cls, db: sqlite_utils.Database, run_id: int) -> ArchiveWriter:
        """A run that already has its row continues its counts, and knows which URLs it answered
        (from the pages and failures it stored), so a late listing page adds no stale entries."""
        writer = cls(db, run_id)
        row = db["runs"].get(run_id)
        for key in RUN_COUNTS:
            writer.counts[key] = row.get(key) or 0
        writer.coverage.update(json.loads(row.get("coverage") or "{}").get("counts", {}))
        try:
            rows = db.execute("SELECT url, final_url FROM pages WHERE run_id = ? UNION ALL "
                              "SELECT url, NULL FROM failures WHERE run_id = ?", [run_id, run_id]).fetchall()
        except sqlite3.OperationalError:
            rows = []  # an archive from before run ids on pages: nothing known answered
        writer.answered.update(url_key(url) for row in rows for url in row if url)
        return writer

    # --- batches --------------------------------------------------------------------

    def write_batch(self, batch: Iterable[Entry], extra: Any = None) -> None:
        """Write a batch in one transaction. ``extra(db)``, when given, runs inside the same
        transaction (the fleet writer records which messages the batch applied). On an archive
        fault the transaction rolls back, the counts go back to what the archive holds, and the
        error propagates."""
        counts, coverage = dict(self.counts), dict(self.coverage)
        self.answering = set()
        try:
            with self.db.atomic():
                self.articles = []
                for status, item, reason in batch:
                    self._write(status, item, reason)
                self._save_articles()
                if extra is not None:
                    extra(self.db)
                self.db["runs"].update(self.run_id, self.run_fields())
        except BaseException:
            self.counts, self.coverage = counts, coverage
            self.articles, self.signed, self.clustered_urls = [], {}, []
            raise
        self.answered |= self.answering
        signed, self.signed = self.signed, {}
        urls, self.clustered_urls = self.clustered_urls, []
        # Syndication clusters (parknews.archive.clusters), in their own transaction.
        self.cluster_catch_up = not cluster_new_articles(self.db, signed, None if self.cluster_catch_up else urls)

    def run_fields(self) -> dict[str, Any]:
        new = self.coverage["new"]
        shares = {f: round(self.coverage[f] / new, 4) for f in COVERAGE_FIELDS} if new else {}
        return {**self.counts, "coverage": json.dumps({"shares": shares, "counts": self.coverage})}

    def finish(self, reason: str, *, skipped: int | None = None, notes: list[str] | None = None) -> None:
        """Record the end of the run (its finish reason and final counts)."""
        if skipped is not None:
            self.counts["articles_skipped"] = skipped
        fields = self.run_fields()
        if notes:
            fields["notes"] = json.dumps(notes, ensure_ascii=False)
        with self.db.atomic():
            self.db["runs"].update(self.run_id, fields)
        finish_run(self.db, self.run_id, reason, self.counts)

    # --- one entry ------------------------------------------------------------------

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
            if item.signature is not None and item.article.url:
                self.signed[item.article.url] = item.signature

    def _save_articles(self) -> None:
        """The batch's article records so far: rows and full-text index in one store call."""
        if not self.articles:
            return
        articles, self.articles = self.articles, []
        for article, outcome in zip(articles, save_articles(self.db, articles, self.run_id), strict=True):
            self.counts[f"articles_{outcome}"] += 1
            self.clustered_urls.append(article.url)
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

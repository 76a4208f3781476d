"""Rebuild article records from the raw pages stored in the archive (no network).

Extraction runs in ``jobs`` worker processes (default: one per core; an
:class:`~parknews.extract.pool.ExtractorPool`); the parent alone reads pages and writes the
archive, in URL order, one transaction per batch, exactly as one process does: the same rows,
the same failure rows, the same index. The workers extract the next batch while the parent
writes the last one. A page whose worker dies (twice) is a failure row, ``extractor crashed``;
the others are unaffected.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import sqlite_utils

from parknews.archive.store import iter_article_pages, load_page_body, save_articles, save_failure
from parknews.extract import SiteRules
from parknews.extract.pool import ExtractorPool, WorkerDied
from parknews.extract.process import try_extract
from parknews.items import Article, RawPage
from parknews.sites.profiles import ProfileError, load_profile

#: What a worker returns per page: (article, None) or (None, the reason it failed).
Outcome = tuple[Article | None, str | None]

_CACHE: dict[str | None, SiteRules | None] = {}


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _rules_for(site: str | None, cache: dict[str | None, SiteRules | None]) -> SiteRules | None:
    if site not in cache:
        try:
            cache[site] = load_profile(site).selectors if site else None
        except ProfileError:
            cache[site] = None  # a user profile we cannot find: generic extraction
    return cache[site]


def extract_page(raw: RawPage) -> Outcome:
    """One stored page's article (pure: runs in a worker process)."""
    return try_extract(raw, _rules_for(raw.site, _CACHE))


def _raw(row: dict[str, Any]) -> RawPage:
    return RawPage(
        url=row["url"], final_url=row["final_url"] or row["url"], status=row["status"],
        headers=json.loads(row["headers"] or "{}"), body=load_page_body(row),
        kind=row["kind"], fetched_at=row["fetched_at"], site=row["site"],
    )


def _batches(db: sqlite_utils.Database, urls: list[str], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(urls), size):
        chunk = urls[start : start + size]
        rows = {r["url"]: r for r in db.query(
            "SELECT url, final_url, status, headers, body, kind, fetched_at, site, run_id FROM pages "
            f"WHERE url IN ({','.join('?' * len(chunk))})", chunk)}
        yield [rows[u] for u in chunk if u in rows]


def reextract_archive(db: sqlite_utils.Database, *, site: str | None = None, batch_size: int = 200,
                      jobs: int = 1) -> dict[str, int]:
    """Re-extract every stored article page; upsert the records. Returns counts.

    ``jobs`` > 1 extracts in that many worker processes while this one writes; memory stays
    bounded by ``batch_size`` pages per job in flight.
    """
    counts = {"pages": 0, "new": 0, "updated": 0, "unchanged": 0, "failed": 0}
    # Collect URLs first and read a batch of pages at a time: memory stays flat on a large archive.
    urls = [row["url"] for row in iter_article_pages(db, site, columns="url")]
    pool = ExtractorPool(jobs) if jobs > 1 and len(urls) > batch_size else None
    # Batches read and handed to the workers, oldest first: while the parent writes one, the
    # workers extract the next.
    window: deque[tuple[list[dict[str, Any]], list[RawPage], list[Future] | None]] = deque()

    def write_oldest() -> None:
        rows, raws, futures = window.popleft()
        outcomes = [_result(f) for f in futures] if futures is not None else [extract_page(r) for r in raws]
        with db.atomic():
            _write(db, rows, raws, outcomes, counts)

    try:
        for rows in _batches(db, urls, batch_size * (jobs if pool else 1)):
            raws = [_raw(r) for r in rows]
            window.append((rows, raws, [pool.submit(extract_page, r) for r in raws] if pool else None))
            if len(window) > (1 if pool else 0):
                write_oldest()
        while window:
            write_oldest()
    finally:
        for _, _, futures in window:
            for future in futures or ():
                future.cancel()
        if pool is not None:
            pool.close()
    return counts


def _result(future: Future) -> Outcome:
    try:
        return future.result()
    except WorkerDied:
        return None, "extractor crashed (the extraction process died on this page)"


def _write(db: sqlite_utils.Database, rows: list[dict[str, Any]], raws: list[RawPage], outcomes: list[Outcome],
           counts: dict[str, int]) -> None:
    """Records and failure rows in URL order; consecutive articles of one run in one save_articles."""
    group: list[Article] = []
    group_run: Any = None

    def flush() -> None:
        for outcome in save_articles(db, group, run_id=group_run, revision=False):
            counts[outcome] += 1
        group.clear()

    for row, raw, (article, error) in zip(rows, raws, outcomes, strict=True):
        counts["pages"] += 1
        if article is None:
            flush()
            counts["failed"] += 1
            save_failure(db, url=raw.url, stage="reextract", reason=error or "no article", run_id=None, site=raw.site)
            continue
        if group and row["run_id"] != group_run:
            flush()
        group_run = row["run_id"]
        group.append(article)
    flush()

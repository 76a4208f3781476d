"""Rebuild article records from the raw pages stored in the archive (no network)."""

from __future__ import annotations

import json

import sqlite_utils

from parknews.extract import ExtractionError, SiteRules
from parknews.items import RawPage
from parknews.process import article_from_raw
from parknews.profiles import ProfileError, load_profile
from parknews.store import iter_article_pages, load_page_body, save_article, save_failure


def _rules_for(site: str | None, cache: dict[str | None, SiteRules | None]) -> SiteRules | None:
    if site not in cache:
        try:
            cache[site] = load_profile(site).selectors if site else None
        except ProfileError:
            cache[site] = None  # a user profile we cannot find: generic extraction
    return cache[site]


def reextract_archive(db: sqlite_utils.Database, *, site: str | None = None, batch_size: int = 200) -> dict[str, int]:
    """Re-extract every stored article page; upsert the records. Returns counts."""
    counts = {"pages": 0, "new": 0, "updated": 0, "unchanged": 0, "failed": 0}
    cache: dict[str | None, SiteRules | None] = {}
    # Collect URLs first and read one page at a time: memory stays flat on a large archive.
    urls = [row["url"] for row in iter_article_pages(db, site, columns="url")]
    for start in range(0, len(urls), batch_size):
        with db.atomic():
            for url in urls[start : start + batch_size]:
                row = db["pages"].get(url)
                counts["pages"] += 1
                raw = RawPage(
                    url=row["url"], final_url=row["final_url"] or row["url"], status=row["status"],
                    headers=json.loads(row["headers"] or "{}"), body=load_page_body(row),
                    kind=row["kind"], fetched_at=row["fetched_at"], site=row["site"],
                )
                try:
                    article = article_from_raw(raw, _rules_for(raw.site, cache))
                except ExtractionError as exc:
                    counts["failed"] += 1
                    save_failure(db, url=raw.url, stage="reextract", reason=str(exc), run_id=None, site=raw.site)
                    continue
                counts[save_article(db, article, run_id=row["run_id"], revision=False)] += 1
    return counts

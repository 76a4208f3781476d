"""Run a crawl in this process with the project's Scrapy settings (used by the CLI)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from parknews.profiles import SiteProfile
from parknews.spiders.site import SiteSpider
from parknews.store import open_db


def project_settings(db_path: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("parknews.settings", priority="project")
    settings.set("PARKNEWS_DB", str(db_path), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(
    profile: SiteProfile,
    db_path: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    spider_args: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl the profile's site into the archive; return the run's row.

    Can be called once per process (Twisted's reactor cannot restart).
    """
    settings = project_settings(db_path, overrides)
    process = CrawlerProcess(settings)
    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, profile=profile, **(spider_args or {}))
    process.start()
    run_id = crawler.stats.get_value("parknews/run_id") if crawler.stats else None
    db = open_db(db_path)
    try:
        if run_id is None:
            return {"id": None, "finish_reason": "did not start", "profile": profile.name}
        return dict(db["runs"].get(run_id))
    finally:
        db.close()

"""Run crawls in this process with the project's Scrapy settings (used by the CLI).

One Twisted reactor per process, so everything a command does runs in one session: the
sampling of sites given by a bare home URL (discovery), then the crawl of every site at once,
each with its own spider, politeness settings, run row and stats.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from parknews.archive.store import open_db
from parknews.crawl.spiders.site import SiteSpider
from parknews.sites.profiles import SiteProfile


def project_settings(db_path: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("parknews.crawl.settings", priority="project")
    settings.set("PARKNEWS_DB", str(db_path), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


@dataclass
class SiteJob:
    """One site of a crawl command: its profile, the run row it counts into, its spider's arguments."""

    profile: SiteProfile
    run_id: int | None = None
    spider_args: dict[str, Any] = field(default_factory=dict)
    crawler: Crawler | None = None


class Session:
    """A CrawlerProcess whose reactor runs one plan: discovery samples first, then the crawls."""

    def __init__(self, db_path: str | Path, overrides: dict[str, Any] | None = None) -> None:
        self.db_path = db_path
        self.settings = project_settings(db_path, overrides)
        self.process = CrawlerProcess(self.settings)
        # The configured reactor, installed before anything imports twisted.internet.reactor
        # (which would install the default one; the first crawler would then refuse to start).
        from scrapy.utils.reactor import install_reactor

        install_reactor(self.settings["TWISTED_REACTOR"], self.settings["ASYNCIO_EVENT_LOOP"])
        logging.getLogger("scrapy").setLevel(self.settings.get("LOG_LEVEL"))
        if logging.getLevelName(self.settings.get("LOG_LEVEL")) not in (logging.DEBUG, logging.INFO):
            # Failed fetches are recorded in the archive and summarised by the CLI, one line each;
            # Scrapy's own log lines for them (with tracebacks) would bury that summary.
            for name in ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
        self.interrupted = False

    def run(self, plan: Callable[[Session], Generator[Any, Any, Any]]) -> Any:
        """Run ``plan`` (a generator yielding Deferreds) in the reactor; return its result."""
        from twisted.internet import defer, reactor

        outcome: dict[str, Any] = {}

        def go() -> None:
            d = defer.inlineCallbacks(plan)(self)
            d.addCallbacks(lambda value: outcome.setdefault("value", value),
                           lambda failure: outcome.setdefault("error", failure))
            d.addBoth(lambda _: _stop(reactor))

        reactor.callWhenRunning(go)  # type: ignore[attr-defined]
        self.process.start(stop_after_crawl=False)
        if "error" in outcome:
            outcome["error"].raiseException()
        return outcome.get("value")

    def crawl(self, spider_cls: type, settings: dict[str, Any] | None = None, **kwargs: Any) -> tuple[Crawler, Any]:
        """Start one crawler now; (crawler, Deferred fired when it is done)."""
        crawler = self.process.create_crawler(spider_cls)
        for key, value in (settings or {}).items():
            crawler.settings.set(key, value, priority="cmdline")
        return crawler, self.process.crawl(crawler, **kwargs)

    def shutting_down(self, crawlers: list[Crawler]) -> bool:
        """True when a signal stopped any of these crawlers (the session should not go on)."""
        return any((c.stats.get_value("finish_reason") if c.stats else None) == "shutdown" for c in crawlers)


def _stop(reactor: Any) -> None:
    """Stop the reactor when the plan is done, unless a signal already had Scrapy stop it."""
    from twisted.internet.error import ReactorNotRunning

    try:
        reactor.stop()
    except ReactorNotRunning:
        pass


def crawl_jobs(session: Session, jobs: list[SiteJob]) -> Generator[Any, Any, None]:
    """Crawl every job's site at once (each its own spider and run row) and wait for all."""
    from twisted.internet import defer

    waits = []
    for job in jobs:
        job.crawler, done = session.crawl(SiteSpider, {"PARKNEWS_RUN_ID": job.run_id}, profile=job.profile,
                                          **job.spider_args)
        waits.append(done)
    yield defer.DeferredList(waits, consumeErrors=True)


def run_row(db_path: str | Path, job: SiteJob) -> dict[str, Any]:
    """The run row a job's crawl wrote (or a stand-in when the spider never started)."""
    run_id = job.crawler.stats.get_value("parknews/run_id") if job.crawler and job.crawler.stats else None
    if run_id is None:
        return {"id": job.run_id, "finish_reason": "did not start", "profile": job.profile.name}
    db = open_db(db_path)
    try:
        return dict(db["runs"].get(run_id))
    finally:
        db.close()


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
    overrides = dict(overrides or {})
    job = SiteJob(profile, run_id=overrides.pop("PARKNEWS_RUN_ID", None), spider_args=dict(spider_args or {}))
    session = Session(db_path, overrides)
    session.run(lambda s: crawl_jobs(s, [job]))
    return run_row(db_path, job)


def sample_sites(session: Session, homes: list[str], max_pages: int) -> Generator[Any, Any, dict[str, Any]]:
    """Sample every home URL at once (discovery's look at each site); the sampling spiders by URL."""
    from twisted.internet import defer

    from parknews.crawl.sampling import SampleSpider

    crawlers, waits = {}, []
    for home in homes:
        crawler, done = session.crawl(SampleSpider, home=home, max_pages=max_pages)
        crawlers[home] = crawler
        waits.append(done)
    yield defer.DeferredList(waits, consumeErrors=True)
    return {home: crawler.spider for home, crawler in crawlers.items()}

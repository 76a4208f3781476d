"""A live progress line on a terminal (Scrapy extension, enabled by PARKNEWS_PROGRESS).

Under cron or systemd (stderr not a TTY) it stays silent: the CLI prints the final
summary and warnings only.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class Progress:
    """Every second: pages fetched, new / updated / known articles, errors, rate."""

    def __init__(self, crawler: Crawler, interval: float = 1.0) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not crawler.settings.getbool("PARKNEWS_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        stat = self.crawler.stats.get_value
        pages = stat("downloader/response_count", 0)
        minutes = max((time.monotonic() - self.started) / 60, 1e-9)
        return (
            f"{pages} pages ({pages / minutes:.0f}/min) | new {stat('parknews/articles_new', 0)} "
            f"updated {stat('parknews/articles_updated', 0)} known {stat('parknews/known_skipped', 0)} "
            f"| errors {stat('parknews/failures', 0)} | queued {stat('scheduler/enqueued', 0) - stat('scheduler/dequeued', 0)}"
        )

    def show(self) -> None:
        sys.stderr.write("\r\033[K" + self.line())
        sys.stderr.flush()

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.show()
        sys.stderr.write("\n")
        sys.stderr.flush()

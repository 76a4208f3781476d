"""One spider for every site: a profile says where to start and which links to follow.

It only finds and fetches pages: listing pages, their pagination, and article pages.
Every response (and every fetch failure) goes to the pipelines as an item;
extraction happens there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from parknews.items import FetchFailure, RawPage
from parknews.profiles import SiteProfile, load_profile


def _split_urls(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [u for u in value.replace(",", " ").split() if u]
    return list(value)


class SiteSpider(scrapy.Spider):
    """Crawl the site a profile describes. Arguments: profile=NAME|PATH, start_url=URL[,URL]."""

    name = "site"

    def __init__(self, profile: str | SiteProfile | None = None, start_url: str | list[str] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if profile is None:
            raise ValueError("the site spider needs a profile: scrapy crawl site -a profile=rentsh")
        self.profile = profile if isinstance(profile, SiteProfile) else load_profile(profile)
        urls = _split_urls(start_url)
        if urls:
            self.profile = self.profile.with_start_urls(urls)
        self.allowed_domains = list(self.profile.allowed_domains)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Profile settings override the project's (settings are still unfrozen here).
        s = spider.profile.settings
        overrides = {
            "DOWNLOAD_DELAY": s.download_delay,
            "CONCURRENT_REQUESTS_PER_DOMAIN": s.concurrency,
            "ROBOTSTXT_OBEY": s.obey_robots,
            "AUTOTHROTTLE_ENABLED": s.autothrottle,
            "USER_AGENT": s.user_agent,
        }
        for key, value in overrides.items():
            if value is not None:
                crawler.settings.set(key, value, priority="spider")
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for url in self.profile.start_urls:
            kind = "article" if self.profile.is_article(url) else "listing"
            yield self._request(url, kind)

    def _request(self, url: str, kind: str) -> Request:
        callback = self.parse_article if kind == "article" else self.parse_listing
        return Request(url, callback=callback, errback=self.on_error, meta={"kind": kind}, priority=1 if kind == "article" else 0)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        yield self._raw(response, "listing")
        if not isinstance(response, TextResponse):
            return
        for url in self._links(response):
            if self.profile.is_article(url):
                yield self._request(url, "article")
            elif self.profile.is_listing(url):
                yield self._request(url, "listing")
        if self.profile.next_page:
            for href in response.css(f"{self.profile.next_page}::attr(href)").getall():
                yield self._request(response.urljoin(href), "listing")

    def parse_article(self, response: Response) -> Iterator[Any]:
        yield self._raw(response, "article")

    def _links(self, response: TextResponse) -> Iterator[str]:
        for href in response.css("a::attr(href)").getall():
            url, _ = urldefrag(response.urljoin(href.strip()))
            if urlsplit(url).scheme in ("http", "https"):
                yield url

    def _raw(self, response: Response, kind: str) -> RawPage:
        headers = {
            k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
            for k, v in response.headers.items()
        }
        return RawPage(
            url=response.request.url if response.request else response.url,
            final_url=response.url,
            status=response.status,
            headers=headers,
            body=response.body,
            kind=kind,
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            site=self.profile.name,
        )

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("kind", "article")
        if failure.check(HttpError):
            yield self._raw(failure.value.response, kind)
            return
        robots = "robots.txt" in failure.getErrorMessage()
        yield FetchFailure(
            url=request.url,
            kind=kind,
            stage="robots" if robots else "fetch",
            reason=f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500],
            site=self.profile.name,
        )

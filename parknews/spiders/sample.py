"""The sampling spider: a bounded, polite look at a site before discovery infers its profile.

It fetches the home page, then a few pages of every URL family the links show (see
``parknews.discovery.Sampler``), with the project's politeness (robots.txt, delays, the
user agent) and nothing written to the archive: the pages it keeps go to ``infer_profile``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from parknews.discovery import Sample, Sampler
from parknews.spiders.site import describe_failure


class SampleSpider(scrapy.Spider):
    name = "sample"
    custom_settings = {
        "ITEM_PIPELINES": {},  # nothing of a sample is archived
        "EXTENSIONS": {"parknews.progress.Progress": None},
    }

    def __init__(self, home: str, max_pages: int = 40, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.home = home
        self.allowed_domains = [urlsplit(home).hostname or ""]
        self.sampler = Sampler(home, max_pages=int(max_pages))
        self.samples: list[Sample] = []
        self.home_error: str | None = None
        self.failures: list[tuple[str, str]] = []

    async def start(self) -> AsyncIterator[Any]:
        yield self._request(self.home, depth=0)

    def _request(self, url: str, depth: int) -> Request:
        return Request(url, callback=self.parse, errback=self.on_error, dont_filter=False,
                       meta={"handle_httpstatus_all": True, "depth_": depth})

    def parse(self, response: Response) -> Iterator[Request]:
        depth = response.meta.get("depth_", 0)
        if depth == 0:
            home_host = (urlsplit(self.home).hostname or "").lower().removeprefix("www.")
            final_host = (urlsplit(response.url).hostname or "").lower().removeprefix("www.")
            if final_host != home_host:
                self.home_error = f"{self.home} redirects to another site ({response.url})"
                return
            if response.status >= 400:
                self.home_error = f"{self.home} answers HTTP {response.status}"
                return
        sample = Sample(url=response.url, status=response.status, body=response.body,
                        content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None, depth=depth)
        self.samples.append(sample)
        self.sampler.add(sample)
        room = max(1, self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        for url in self.sampler.next_urls(room):
            yield self._request(url, depth + 1)

    def on_error(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        stage, reason = describe_failure(failure, request, self.crawler.settings)
        self.failures.append((request.url, f"{stage}: {reason}"))
        if request.meta.get("depth_", 0) == 0:
            self.home_error = f"{self.home}: {stage}: {reason}"
            return
        room = max(1, self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        for url in self.sampler.next_urls(room):
            yield self._request(url, request.meta.get("depth_", 0) + 1)

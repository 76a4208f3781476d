"""The sampling spiders: a bounded, polite look at a site before discovery infers its profile,
and the dry run of ``parknews profile check``. They live outside ``parknews.crawl.spiders`` so that
Scrapy (and scrapyd) list one spider, ``site``: these are only started by the CLI.

It fetches the home page, then a few pages of every URL family the links show (see
``parknews.crawl.discovery.Sampler``), with the project's politeness (robots.txt, delays, the
user agent) and nothing written to the archive: the pages it keeps go to ``infer_profile``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from parknews.crawl.discovery import Sample, Sampler
from parknews.crawl.spiders.site import describe_failure

#: Error statuses the samplers see as pages (a 404 is evidence too); redirects are still followed.
_ERRORS = list(range(400, 600))


class SampleSpider(scrapy.Spider):
    name = "sample"
    custom_settings = {
        "ITEM_PIPELINES": {},  # nothing of a sample is archived
        "EXTENSIONS": {"parknews.crawl.progress.Progress": None},
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
                       meta={"handle_httpstatus_list": _ERRORS, "depth_": depth})

    def parse(self, response: Response) -> Iterator[Request]:
        depth = response.meta.get("depth_", 0)
        if depth == 0:
            home_host = (urlsplit(self.home).hostname or "").lower().removeprefix("www.")
            final_host = (urlsplit(response.url).hostname or "").lower().removeprefix("www.")
            if final_host != home_host:
                self.home_error = f"it redirects to another site ({response.url})"
                return
            if response.status >= 400:
                self.home_error = f"the home page answers HTTP {response.status}"
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
            self.home_error = f"{stage}: {reason}"
            return
        room = max(1, self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        for url in self.sampler.next_urls(room):
            yield self._request(url, request.meta.get("depth_", 0) + 1)


class CheckSpider(scrapy.Spider):
    """``parknews profile check``: one page's links sorted by the profile's patterns, and a few
    of its article links fetched and extracted. Nothing is archived."""

    name = "check"
    custom_settings = SampleSpider.custom_settings

    def __init__(self, profile: Any, page: str, preview: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.profile = profile
        self.page = page
        self.preview = int(preview)
        self.allowed_domains = list(profile.allowed_domains)
        self.page_error: str | None = None
        self.page_status: int | None = None
        self.groups: dict[str, list[str]] = {}
        self.script_next: str | None = None
        self.previews: list[dict[str, Any]] = []

    async def start(self) -> AsyncIterator[Any]:
        yield Request(self.page, callback=self.parse, errback=self.on_error, meta={"handle_httpstatus_list": _ERRORS})

    def parse(self, response: Response) -> Iterator[Request]:
        from urllib.parse import urldefrag

        from parknews.crawl.discovery import path_query

        self.page_status = response.status
        if response.status >= 400:
            self.page_error = f"HTTP {response.status}"
            return
        if not hasattr(response, "css"):
            self.page_error = "not an HTML page"
            return
        groups: dict[str, list[str]] = {"article": [], "listing": [], "other": [], "off-site": []}
        domains = [d.lower() for d in self.allowed_domains]
        for href in response.css("a::attr(href)").getall():
            url = urldefrag(response.urljoin(href.strip()))[0]
            if not url.startswith(("http://", "https://")):
                continue
            host = (urlsplit(url).hostname or "").lower()
            if not any(host == d or host.endswith("." + d) for d in domains):
                kind = "off-site"  # never followed
            elif self.profile.is_article(url):
                kind = "article"
            else:
                kind = "listing" if self.profile.is_listing(url) else "other"
            if url not in groups[kind]:
                groups[kind].append(url)
        self.groups = {k: [path_query(u) if urlsplit(u).netloc == urlsplit(self.page).netloc else u for u in v]
                       for k, v in groups.items()}
        self.script_next = self.profile.script_next_page(response.url, response.text)
        for url in groups["article"][: self.preview]:
            yield Request(url, callback=self.parse_article, errback=self.on_article_error)

    def parse_article(self, response: Response) -> None:
        from parknews.extract import ExtractionError
        from parknews.extract.process import article_from_raw
        from parknews.items import RawPage

        raw = RawPage(url=response.url, final_url=response.url, status=response.status,
                      headers={"content-type": response.headers.get("Content-Type", b"").decode("latin-1")},
                      body=response.body, kind="article", fetched_at="", site=self.profile.name)
        try:
            article = article_from_raw(raw, self.profile.selectors)
        except ExtractionError as exc:
            self.previews.append({"url": response.url, "error": str(exc)})
            return
        record = article.to_dict()
        byline = record.get("byline") or {}
        record["byline"] = " · ".join(
            f"{label} {'、'.join(byline.get(key) or [])}" for label, key in (("记者", "reporters"), ("通讯员", "correspondents"),
                                                                            ("编辑", "editors")) if byline.get(key)
        ) or byline.get("outlet") or ""
        self.previews.append(record)

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        stage, reason = describe_failure(failure, request, self.crawler.settings)
        self.page_error = f"{stage}: {reason}"

    def on_article_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        stage, reason = describe_failure(failure, request, self.crawler.settings)
        self.previews.append({"url": request.url, "error": f"{stage}: {reason}"})

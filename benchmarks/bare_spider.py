"""The baseline of the crawl benchmark: a bare Scrapy spider that fetches what parknews fetches.

It walks the synthetic site the way parknews' SiteSpider does (home page, each section's
first page, then pagination one "下一页" link at a time; every article linked from a
listing, at priority 1 so articles go before the next listing page; the RSS feed and the
sitemap) and does nothing with the pages: no items, no pipelines, no archive. Run with
Scrapy's defaults plus the settings given on the command line, from any directory (the
project's scrapy.cfg and parknews.crawl.settings are not read):

    python benchmarks/bare_spider.py http://127.0.0.1:8000/ -s CONCURRENT_REQUESTS=16
"""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Request, Response

ARTICLE = re.compile(r"/index\.php/post/\d+\.html$")
LISTING = re.compile(r"/index\.php/category-\d+\.html$")  # a section's first page


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url.rstrip("/") + "/"
        self.allowed_domains = [urlsplit(start_url).hostname or ""]

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.start_url, callback=self.parse_home)
        for path in ("feed.php", "sitemap.xml"):
            yield Request(self.start_url + path, callback=self.ignore)

    def parse_home(self, response: Response) -> Iterator[Request]:
        for href in response.css("a::attr(href)").getall():
            if LISTING.search(href):
                yield response.follow(href, callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        for href in response.css("a::attr(href)").getall():
            if ARTICLE.search(href):
                yield response.follow(href, callback=self.ignore, priority=1)
        for href in response.css('.pagebar a[title="下一页"]::attr(href)').getall():
            yield response.follow(href, callback=self.parse_listing)

    def ignore(self, response: Response) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start_url")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    settings: dict[str, Any] = {"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
    for item in args.settings:
        name, _, value = item.partition("=")
        settings[name] = value
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, start_url=args.start_url)
    process.start()


if __name__ == "__main__":
    main()

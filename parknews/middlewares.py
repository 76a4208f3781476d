"""Downloader middlewares of parknews."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from w3lib.url import canonicalize_url


class RedirectLoopMiddleware(RedirectMiddleware):
    """Scrapy's RedirectMiddleware, but a redirect back into its own chain fails the request.

    Stock Scrapy schedules the redirect like any new request, so the duplicate filter
    silently drops the second visit to A in A -> A or A -> B -> A, and OffsiteMiddleware
    (at scheduling) a redirect to another domain: no errback, no failure row, the page just
    vanishes. Here both raise IgnoreRequest ("redirect loop: ...", "redirect off the site:
    ..."), which reaches SiteSpider.on_error. Enabled in parknews/settings.py in place of
    the stock middleware.
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if canonicalize_url(result.url) in {canonicalize_url(url) for url in chain}:
                raise IgnoreRequest(f"redirect loop: {' -> '.join([*chain, result.url])}")
            domains = [d.lower() for d in getattr(self.crawler.spider, "allowed_domains", None) or []]
            host = (urlsplit(result.url).hostname or "").lower()
            offsite = domains and not any(host == d or host.endswith("." + d) for d in domains)
            if offsite and not (result.dont_filter or result.meta.get("allow_offsite")):
                raise IgnoreRequest(f"redirect off the site: {' -> '.join([*chain, result.url])}")
        return result

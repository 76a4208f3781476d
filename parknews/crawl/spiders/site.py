"""One spider for every site: a profile says where to start and which links to follow.

It only finds and fetches pages: listing pages, their pagination, feeds, and
article pages. Every response (and every fetch failure) goes to the pipelines as
an item; extraction happens there.

Incremental by default: article URLs already in the archive are not fetched again,
and when the profile's listing pattern names ``section`` and ``page`` groups,
pagination is walked in order and stops after ``stale_listing_pages`` pages in a
row that hold nothing new. ``full=1`` walks every listing page; ``recheck=DAYS``
re-fetches recent articles with conditional requests.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived
from w3lib.url import canonicalize_url

from parknews.archive.store import (
    default_db_path,
    found_since_last_finished_run,
    frontier_pending,
    known_article_urls,
    recheck_targets,
)
from parknews.items import FetchFailure, RawPage
from parknews.sites.profiles import SiteProfile, load_profile

_SCRIPT_HREF = re.compile(r"""href\s*=\s*\\?["']([^"'\\<>\s]+)""", re.I)
_FEED_LINK = re.compile(rb"<(?:loc|link|guid)[^>]*>\s*(?:<!\[CDATA\[)?\s*(https?://[^<\]\s]+)", re.I)


def _split_urls(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [u for u in value.replace(",", " ").split() if u]
    return list(value)


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


class SiteSpider(scrapy.Spider):
    """Crawl the site a profile describes.

    Arguments (``-a``): profile=NAME|PATH, start_url=URL[,URL], full=1, recheck=DAYS.
    """

    name = "site"

    def __init__(
        self,
        profile: str | SiteProfile | None = None,
        start_url: str | list[str] | None = None,
        full: Any = False,
        recheck: Any = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if profile is None:
            raise ValueError("the site spider needs a profile: scrapy crawl site -a profile=rentsh")
        self.profile = profile if isinstance(profile, SiteProfile) else load_profile(profile)
        urls = _split_urls(start_url)
        if urls:
            self.profile = self.profile.with_start_urls(urls)
        self.original_domains = self.profile.original_domains or list(self.profile.allowed_domains)
        self.allowed_domains = list(self.profile.allowed_domains)
        self.full = _flag(full)
        self.recheck_days = float(recheck) if recheck not in (None, "") else None
        self.known: set[str] = set()
        self.found_by_run: set[str] = set()  # known articles an interrupted run archived
        self.requested: set[str] = set()
        self.skipped: set[str] = set()
        self.seen_in_section: dict[str, set[str]] = {}
        self.pending: list[dict[str, Any]] = []

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
        spider.db_path = Path(crawler.settings.get("PARKNEWS_DB") or default_db_path())
        return spider

    # --- state from the archive ----------------------------------------------------

    def _archive_read(self, read: Any, default: Any) -> Any:
        """``read(conn)`` on a read-only connection to the archive, or ``default`` without one."""
        if not self.db_path.exists():
            return default
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            return read(conn)
        except sqlite3.OperationalError:
            return default  # an archive from before these tables: nothing known yet
        finally:
            conn.close()

    def _load_known(self) -> None:
        """Article URLs this site already has: archived, or fetched with a final answer (4xx, empty)."""
        site = self.profile.name
        self.known = {canonicalize_url(url) for url in self._archive_read(lambda c: known_article_urls(c, site), [])}
        # After an interrupted run (resumed, or followed by a plain one), the articles it archived
        # before it was stopped are not fetched again, but a listing page showing them is as
        # fresh as it was to that run, so the walk goes as deep as an uninterrupted run goes.
        run_id = self.crawler.settings.getint("PARKNEWS_RUN_ID") if getattr(self, "crawler", None) else 0
        self.found_by_run = {canonicalize_url(url) for url in self._archive_read(
            lambda c: found_since_last_finished_run(c, site, run_id), [])} if run_id else set()
        # What earlier runs decided to fetch and never got to (a crash, a kill, a full disk).
        self.pending = self._archive_read(lambda c: frontier_pending(c, site), [])

    def _recheck_targets(self) -> list[dict[str, Any]]:
        days = self.recheck_days or 0
        return self._archive_read(lambda c: recheck_targets(c, self.profile.name, days), [])

    def _recheck_requests(self) -> Iterator[Request]:
        for target in self._recheck_targets():
            yield Request(
                self._rehost(target["url"]), callback=self.parse_article, errback=self.on_error,
                headers=target["headers"], dont_filter=True,
                meta={"kind": "article", "recheck": True, "handle_httpstatus_list": [304, 404, 410]},
            )

    def _rehost(self, url: str) -> str:
        """A URL of the original site, moved to the mirror the profile was pointed at."""
        parts = urlsplit(url)
        if parts.hostname in self.original_domains and parts.hostname not in self.allowed_domains:
            start = urlsplit(self.profile.start_urls[0])
            return parts._replace(scheme=start.scheme, netloc=start.netloc).geturl()
        return url

    # --- crawling ------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for request in self.seed_requests():
            yield request

    def seed_requests(self) -> Iterator[Request]:
        """The run's first requests: rechecks, start URLs, what the frontier holds, feeds."""
        self._load_known()
        self.crawler.stats.set_value("parknews/known_articles", len(self.known))
        self.crawler.stats.set_value("parknews/frontier_resumed", len(self.pending))
        if self.recheck_days is not None:
            for request in self._recheck_requests():
                yield request
        for url in self.profile.start_urls:
            if self.profile.is_article(url):
                yield self._article_request(url, force=True)
            else:
                yield self._listing_request(url, stale_run=0)
        # The frontier: the rest of whatever an earlier run left unfinished. A listing page
        # continues its walk with the state it was discovered with, so a walk cut short is
        # completed, never judged by the pages it happened to reach.
        for entry in self.pending:
            url = self._rehost(entry["url"])
            if entry["kind"] == "listing":
                yield self._listing_request(url, stale_run=entry["stale_run"], full=entry["full"])
            else:
                request = self._article_request(url)
                if request is not None:
                    yield request
        if all(self.profile.is_article(url) for url in self.profile.start_urls):
            return  # pointed at article pages only: fetch just those
        for url in self.profile.feed_urls():
            yield Request(url, callback=self.parse_feed, errback=self.on_error, meta={"kind": "listing"})

    def _listing_request(self, url: str, stale_run: int, full: bool = False) -> Request:
        return Request(url, callback=self.parse_listing, errback=self.on_error,
                       meta={"kind": "listing", "stale_run": stale_run, "full": full or self.full})

    def _article_request(self, url: str, force: bool = False) -> Request | None:
        key = canonicalize_url(url)
        if not force and (key in self.known or key in self.requested):
            if key in self.known:
                self._skipped(key)
            return None
        self.requested.add(key)
        return Request(url, callback=self.parse_article, errback=self.on_error, meta={"kind": "article"}, priority=1)

    def _skipped(self, key: str) -> None:
        """An archived article the run did not fetch again (counted once)."""
        if key not in self.skipped:
            self.skipped.add(key)
            self.crawler.stats.set_value("parknews/known_skipped", len(self.skipped))

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """The listing page goes to the store with the requests it leads to (the frontier
        entries written with it, in one transaction); then the requests are scheduled."""
        requests = list(self._listing_requests(response)) if isinstance(response, TextResponse) else []
        yield self._raw(response, "listing", requests)
        yield from requests

    def _listing_requests(self, response: TextResponse) -> Iterator[Request]:
        here = self.profile.listing_position(response.url)
        new_articles = 0
        listings: list[str] = []
        # A listing page is fresh when it shows an article that is neither archived nor shown
        # by an earlier page of the same section: a "latest posts" sidebar repeated on every
        # page must not keep the walk going, while an article a feed already asked for counts.
        seen = self.seen_in_section.setdefault(here[0] if here else "", set())
        page_keys = set()
        for url in self._links(response):
            if self.profile.is_article(url):
                key = canonicalize_url(url)
                if (key not in self.known or key in self.found_by_run) and key not in seen:
                    new_articles += 1
                page_keys.add(key)
                request = self._article_request(url)
                if request is not None:
                    yield request
            elif self.profile.is_listing(url):
                listings.append(url)
        if here is not None:
            seen |= page_keys
        if self.profile.next_page:
            listings += [response.urljoin(h) for h in response.css(f"{self.profile.next_page}::attr(href)").getall()]
        scripted = self.profile.script_next_page(response.url, response.text)
        if scripted:
            listings.append(scripted)  # pagination a script writes (TRS createPageHTML)
        stale_run = 0 if new_articles else response.meta.get("stale_run", 0) + 1
        full = bool(response.meta.get("full"))
        for url in dict.fromkeys(listings):
            if self._follow_listing(here, self.profile.listing_position(url), stale_run, full):
                yield self._listing_request(url, stale_run, full)

    def _follow_listing(self, here: tuple[str, int] | None, there: tuple[str, int] | None, stale_run: int,
                        full: bool = False) -> bool:
        if there is None:
            return True  # the pattern has no page numbers: follow every listing link
        section, page = there
        if here is None or section != here[0]:
            return page == 1  # enter another section at its first page
        if page != here[1] + 1:
            return False  # pagination is walked one page at a time
        return full or self.full or stale_run < self.profile.stale_listing_pages

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """RSS, Atom or sitemap XML: article links are discovered like a listing's."""
        requests = []
        for raw_url in _FEED_LINK.findall(response.body):
            url = self._rehost(raw_url.decode("utf-8", "replace").strip())
            if self.profile.is_article(url) and urlsplit(url).hostname in self.allowed_domains:
                request = self._article_request(url)
                if request is not None:
                    requests.append(request)
        yield self._raw(response, "listing", requests)
        yield from requests

    def parse_article(self, response: Response) -> Iterator[Any]:
        yield self._raw(response, "article")

    def _links(self, response: TextResponse) -> Iterator[str]:
        """http(s) links of the page that stay on the allowed domains (offsite requests would be
        dropped unanswered, and must not wait in the frontier)."""
        domains = [d.lower() for d in self.allowed_domains]
        hrefs = response.css("a::attr(href)").getall()
        if self.profile.links_in_scripts:
            # Lists a CMS writes with JavaScript or keeps in a <script type="text/xml"> datastore.
            hrefs += [m for text in response.xpath("//script/text()").getall() for m in _SCRIPT_HREF.findall(text)]
        for href in hrefs:
            url, _ = urldefrag(response.urljoin(href.strip()))
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            if parts.scheme in ("http", "https") and (
                not domains or any(host == d or host.endswith("." + d) for d in domains)
            ):
                yield url

    def _raw(self, response: Response, kind: str, requests: list[Request] | None = None) -> RawPage:
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
            recheck=bool(response.meta.get("recheck")),
            via=list(response.meta.get("redirect_urls") or []),
            discovered=[
                {"url": r.url, "kind": r.meta.get("kind", "article"), "stale_run": r.meta.get("stale_run", 0),
                 "full": bool(r.meta.get("full"))}
                for r in requests or []
            ],
        )

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """Turn a request that got no usable response into an item; the crawl goes on.

        An HTTP error status (4xx, or 5xx once RetryMiddleware gave up) arrives with its
        response: that becomes a RawPage, which the pipelines record as ``fetch: HTTP 503``
        (stored raw page and all). Anything else becomes a FetchFailure whose stage and
        reason come from :func:`describe_failure`. Its URL is the one the spider asked for,
        the first of a redirect chain.
        """
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("kind", "article")
        if failure.check(HttpError):
            yield self._raw(failure.value.response, kind)
            return
        stage, reason = describe_failure(failure, request, self.crawler.settings)
        yield FetchFailure(
            url=(request.meta.get("redirect_urls") or [request.url])[0],
            kind=kind,
            stage=stage,
            reason=reason[:500],
            site=self.profile.name,
        )


def _size(n: int) -> str:
    """Bytes for people: 16 MiB, 1.5 MiB, 3083 B."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} B"


def describe_failure(failure: Failure, request: Request, settings: Any) -> tuple[str, str]:
    """(stage, reason) of a download that failed without an HTTP error response.

    Stages, shared with the pipelines (``fetch: HTTP 404``, ``extract: ...``):

    - ``timeout``: no complete response within DOWNLOAD_TIMEOUT, after the retries;
      "timed out after 30 s (3 tries)".
    - ``size``: the body is larger than DOWNLOAD_MAXSIZE, announced by Content-Length,
      counted while streaming, or once gzip/deflate/br/zstd-decoded (a decompression
      bomb); "larger than DOWNLOAD_MAXSIZE (16 MiB): ...".
    - ``redirect``: a redirect back to a URL already in the chain ("redirect loop: A -> B
      -> A"), off the allowed domains ("redirect off the site: A -> X"), or more than
      REDIRECT_MAX_TIMES redirects ("too many redirects: more than 5 ...").
    - ``robots``: robots.txt disallows the URL; "disallowed by robots.txt".
    - ``fetch``: everything else on the way: HTTP errors (from the pipelines), a connection
      reset ("connection reset by peer mid-response, ...") or refused, a body cut short
      ("response truncated: connection closed before all of its 5000 bytes arrived"), an
      unresolvable host; an unknown error keeps its exception name and message.

    The reason ends in "(3 tries)" when RetryMiddleware tried again before giving up.
    """
    exc = failure.value
    message = str(exc)
    tries = f" ({request.meta.get('retry_times', 0) + 1} tries)" if request.meta.get("retry_times") else ""
    maxsize = request.meta.get("download_maxsize", settings.getint("DOWNLOAD_MAXSIZE"))
    over = f"larger than DOWNLOAD_MAXSIZE ({_size(maxsize)})"
    # Twisted's own errors sit under Scrapy's: ResponseFailed and its reasons (a list of Failures).
    causes: list[BaseException] = []
    inner: BaseException | None = exc
    while inner is not None and inner not in causes:
        causes.append(inner)
        inner = inner.__cause__ or inner.__context__
    reasons = [r.value for c in causes for r in getattr(c, "reasons", None) or [] if isinstance(r, Failure)]
    every = causes + reasons
    txresponse = next((c.response for c in causes if getattr(c, "response", None) is not None
                       and hasattr(c.response, "length")), None)

    if isinstance(exc, (DownloadTimeoutError, TxTimeoutError, TimeoutError)):
        timeout = request.meta.get("download_timeout", settings.getfloat("DOWNLOAD_TIMEOUT"))
        return "timeout", f"timed out after {timeout:g} s{tries}"
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in message:
            return "robots", "disallowed by robots.txt"
        if message.startswith(("redirect loop", "redirect off the site")):
            return "redirect", message
        if message.startswith("HTTP "):  # a Retry-After longer than PARKNEWS_RETRY_AFTER_MAX
            return "fetch", message
        if "max redirections" in message:
            hops = len(request.meta.get("redirect_urls", []))
            return "redirect", f"too many redirects: more than {hops} (REDIRECT_MAX_TIMES), the last from {request.url}"
        if "during decompression" in message:
            compressed = re.search(r"\((\d+) B compressed", message)
            wire = f" from {_size(int(compressed[1]))} on the wire" if compressed else ""
            return "size", f"{over} once decompressed{wire} (decompression bomb?)"
        return "fetch", f"ignored: {message}"
    if isinstance(exc, DownloadCancelledError):
        declared = re.search(r"Expected to receive (\d+) bytes", message)
        if declared:
            return "size", f"{over}: Content-Length says {_size(int(declared[1]))}"
        return "size", f"{over}: stopped reading at the limit"
    if any(isinstance(e, ConnectionLost) for e in every):
        if isinstance(exc, ResponseNeverReceived) or any(isinstance(c, ResponseNeverReceived) for c in causes):
            return "fetch", f"connection reset by peer before any response{tries}"
        return "fetch", f"connection reset by peer mid-response, before {_declared(txresponse)} arrived{tries}"
    if isinstance(exc, ResponseDataLossError):
        return "fetch", f"response truncated: connection closed before {_declared(txresponse)} arrived{tries}"
    if any(isinstance(c, ResponseNeverReceived) for c in causes) and any(isinstance(e, ConnectionDone) for e in every):
        return "fetch", f"server closed the connection without a response{tries}"
    if isinstance(exc, DownloadConnectionRefusedError):
        return "fetch", f"connection refused{tries}"
    if isinstance(exc, CannotResolveHostError):
        return "fetch", f"cannot resolve host {urlsplit(request.url).hostname}{tries}"
    if isinstance(exc, DownloadFailedError) and reasons:
        return "fetch", f"download failed: {'; '.join(str(r) for r in reasons)}{tries}"
    return "fetch", f"{type(exc).__name__}: {message}{tries}" if message else f"{type(exc).__name__}{tries}"


def _declared(txresponse: Any) -> str:
    """"all of its 5000 bytes" when the cut-short response declared a Content-Length (IResponse.length).

    How many bytes did arrive is not exposed: Scrapy's ResponseDataLossError carries no
    counts, and its body reader is gone by the time the errback runs.
    """
    length = getattr(txresponse, "length", None)
    return f"all of its {length} bytes" if isinstance(length, int) else "the whole body"

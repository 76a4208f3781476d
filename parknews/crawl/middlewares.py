"""Downloader middlewares of parknews."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater
from w3lib.url import canonicalize_url, safe_url_string

logger = logging.getLogger(__name__)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A long target (a data: URL) is cut to this many characters in a failure reason.
_TARGET_CHARS = 200


class RedirectLoopMiddleware(RedirectMiddleware):
    """Scrapy's RedirectMiddleware, but a redirect back into its own chain fails the request.

    Stock Scrapy schedules the redirect like any new request, so the duplicate filter
    silently drops the second visit to A in A -> A or A -> B -> A, and OffsiteMiddleware
    (at scheduling) a redirect to another domain: no errback, no failure row, the page just
    vanishes. Here both raise IgnoreRequest ("redirect loop: ...", "redirect off the site:
    ..."), which reaches SiteSpider.on_error. Enabled in parknews/crawl/settings.py in place of
    the stock middleware.

    A Location that is not http(s) (``file:///etc/passwd``, ``ftp://...``, ``data:...``,
    ``javascript:...``) fails the same way, as "redirect off the site: A -> file:///etc/passwd".
    Stock Scrapy never follows one, but it hands the 3xx response itself on as if it were
    the page (archived, then failing extraction as an empty page), so the Location is
    checked here before the stock middleware sees it.
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        target = self._non_http_target(request, response)
        if target is not None:
            chain = [*request.meta.get("redirect_urls", []), request.url]
            shown = target if len(target) <= _TARGET_CHARS else target[:_TARGET_CHARS] + "..."
            raise IgnoreRequest(f"redirect off the site: {' -> '.join([*chain, shown])}")
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

    def _non_http_target(self, request: Request, response: Response) -> str | None:
        """The absolute Location of a redirect the stock middleware would act on, when its
        scheme is not http or https; else None."""
        spider = self.crawler.spider
        if (
            request.meta.get("dont_redirect", False)
            or response.status in getattr(spider, "handle_httpstatus_list", ())
            or response.status in request.meta.get("handle_httpstatus_list", ())
            or request.meta.get("handle_httpstatus_all", False)
            or response.status not in _REDIRECT_STATUSES
        ):
            return None
        raw = response.headers.get("Location")
        if not raw or raw.startswith(b"//"):
            return None  # no Location; or scheme-relative, which keeps the request's http(s)
        target = urljoin(request.url, safe_url_string(raw))
        return None if urlsplit(target).scheme.lower() in ("http", "https") else target


# --- Retry-After ------------------------------------------------------------------------

_DELTA_SECONDS = re.compile(r"\d+", re.ASCII)
# Longest sleep between two looks at whether the crawl is stopping.
_TICK = 0.5


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header value asks to wait, or None when there is none or it is
    neither delta-seconds (``120``) nor an HTTP-date (``Wed, 21 Oct 2026 07:28:00 GMT``).

    A date in the past means 0. ``now`` is a ``time.time()`` value (the default: now).
    """
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        return float(min(int(text), 2**31))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:  # pragma: no cover - Python < 3.10 returned None for garbage
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)  # "-0000": UTC, source unknown
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


async def _sleep(seconds: float) -> None:
    """Sleep without blocking the reactor (any reactor: asyncio's or Twisted's own)."""
    from twisted.internet import reactor

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but a Retry-After header is honoured, up to a limit.

    For a response whose status is in RETRY_HTTP_CODES and that carries a valid Retry-After
    (delta-seconds or an HTTP-date):

    - at most PARKNEWS_RETRY_AFTER_MAX seconds: the retry waits that long (a non-blocking
      sleep in process_response, so the rest of the crawl goes on), and every other request
      to the same download slot (the same host) holds off until then too: new ones wait
      in process_request, ones already queued in the slot wait because the slot's
      ``lastseen`` is pushed forward (Scrapy internals, used only if they look as expected).
      The retry counts against RETRY_TIMES as usual; once those are spent the response
      fails as it does today ("HTTP 503"), without waiting.
    - more than PARKNEWS_RETRY_AFTER_MAX: not retried at all; the request fails at once with
      IgnoreRequest("HTTP 503 with Retry-After: 3600, more than PARKNEWS_RETRY_AFTER_MAX (60
      s): not retried"), which SiteSpider.on_error records as a `fetch` failure. Coming back
      sooner than the server asked is impolite and most likely fails again; waiting an hour
      would stall the crawl. The host is not held off for it.

    Without a (valid) Retry-After, or for any other status, this is the stock middleware.
    A wait is cut short when the crawl is being stopped: the retry request then goes back to
    the scheduler (which keeps it in JOBDIR for the next run) instead of keeping shutdown
    waiting.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("PARKNEWS_RETRY_AFTER_MAX", 60.0)
        # download slot key -> time.monotonic() until which its requests hold off
        self._holds: dict[str, float] = {}

    async def process_request(self, request: Request) -> None:
        key = self._slot_key(request)
        if key in self._holds:
            await self._pause(lambda: self._holds.get(key, 0.0))
            if self._holds.get(key, 0.0) <= time.monotonic():
                self._holds.pop(key, None)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.retry_http_codes:
            return response
        raw = response.headers.get("Retry-After")
        wait = retry_after_seconds(raw)
        if wait is None:
            return super().process_response(request, response)
        if wait > self.retry_after_max:
            stats = self.crawler.stats
            if stats is not None:
                stats.inc_value("retry/retry_after_too_long")
            if request.meta.get("dont_retry", False):
                return response
            said = raw.decode("latin-1").strip() if raw else ""
            asked = "" if _DELTA_SECONDS.fullmatch(said) else f" ({wait:.0f} s from now)"
            tries = f" ({request.meta['retry_times'] + 1} tries)" if request.meta.get("retry_times") else ""
            raise IgnoreRequest(
                f"HTTP {response.status} with Retry-After: {said}{asked}, more than "
                f"PARKNEWS_RETRY_AFTER_MAX ({self.retry_after_max:g} s): not retried{tries}"
            )
        # The server asked every client to hold off, not only this request.
        deadline = time.monotonic() + wait
        self._hold(request, deadline, wait)
        if request.meta.get("dont_retry", False):
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response  # retries spent: fails as "HTTP 503", as without Retry-After
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("retry/retry_after_waited", wait)
        logger.debug("Retrying %s in %.1f s (Retry-After)", request, wait)
        await self._pause(lambda: deadline)
        return retry

    def _slot_key(self, request: Request) -> str:
        key = request.meta.get("download_slot")
        if key is None:
            try:
                key = self.crawler.engine.downloader.get_slot_key(request)
            except Exception:  # noqa: BLE001 - Scrapy internals moved: fall back to the host
                key = urlsplit(request.url).hostname or ""
        return str(key)

    def _hold(self, request: Request, deadline: float, wait: float) -> None:
        """Hold off the request's download slot until ``deadline`` (time.monotonic())."""
        key = self._slot_key(request)
        self._holds[key] = max(self._holds.get(key, 0.0), deadline)
        # Requests already queued in the slot passed process_request: the downloader starts
        # one when `delay` seconds have gone by since `lastseen`, so move that forward. Which
        # clock `lastseen` uses has changed over Scrapy versions (time.time, time.monotonic):
        # this slot just served our response, so it is the one close to its value.
        try:
            slot = self.crawler.engine.downloader.slots.get(key)
            lastseen = getattr(slot, "lastseen", None)
            if isinstance(lastseen, (int, float)) and lastseen > 0:
                now = min((time.monotonic(), time.time()), key=lambda clock: abs(clock - lastseen))
                slot.lastseen = max(lastseen, now + wait)
        except Exception:  # noqa: BLE001 - never let Scrapy internals changing fail a crawl
            logger.debug("could not hold off download slot %r", key, exc_info=True)

    async def _pause(self, deadline: Callable[[], float]) -> None:
        """Sleep until ``deadline()`` (time.monotonic(); it may move), or the crawl stops."""
        while True:
            left = deadline() - time.monotonic()
            if left <= 0 or not self._crawling():
                return
            await _sleep(min(left, _TICK))

    def _crawling(self) -> bool:
        engine = getattr(self.crawler, "engine", None)
        return bool(getattr(engine, "running", True))

"""Retry-After is honoured (and bounded), and redirects go to http(s) only: real crawls.

The site copy (tests/fixtures/retrysite/site, a TRS-style park committee CMS) lists eight
articles: one plain, one answering 429 once with ``Retry-After: 2``, one answering 503 once
with an HTTP-date two seconds ahead, one 503 with ``Retry-After: 3600`` (beyond
PARKNEWS_RETRY_AFTER_MAX), one 503 with ``Retry-After: 1`` every time, and three that
redirect to ``file:///etc/passwd``, ``ftp://...`` and ``data:...``. The server logs when
each request arrived, which is the evidence for the waits (compared timestamps, no timed
assertion of how fast anything was).
"""

from __future__ import annotations

import http.client
import re
import sqlite3
import time
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from parknews.crawl.localsite import LocalSite, check_fault
from parknews.crawl.middlewares import retry_after_seconds

SITE = FIXTURES / "retrysite" / "site"
PROFILE = FIXTURES / "retrysite" / "profile.toml"
RETRY_TIMES = 2  # parknews/crawl/settings.py
RETRY_AFTER_MAX = 60  # parknews/crawl/settings.py PARKNEWS_RETRY_AFTER_MAX
# A small positive delay (so the download slot's own pacing is in play, as in real crawls
# with DOWNLOAD_DELAY and AutoThrottle), two requests at a time per host.
LIMITS = (
    "-s", "DOWNLOAD_DELAY=0.1", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    "-s", "DOWNLOAD_TIMEOUT=5",
)
NEWS = "/xwzx/yqdt/"
GOOD = NEWS + "202411/t20241105_1201.html"
ONCE_429 = NEWS + "202411/t20241104_1198.html"  # 429, Retry-After: 2, once
ONCE_DATE = NEWS + "202411/t20241101_1190.html"  # 503, Retry-After: <HTTP-date 2 s ahead>, once
BEYOND_CAP = NEWS + "202410/t20241030_1185.html"  # 503, Retry-After: 3600, always
ALWAYS_1 = NEWS + "202410/t20241028_1180.html"  # 503, Retry-After: 1, always
REDIRECTS = {
    NEWS + "202410/t20241025_1176.html": "file:///etc/passwd",
    NEWS + "202410/t20241022_1170.html": "ftp://files.example.com/pub/notice-2024.doc",
    NEWS + "202410/t20241018_1165.html": "data:text/html,%3Cp%3Emoved%3C/p%3E",  # as Scrapy escapes it
}
# path -> seconds its Retry-After asks for (the HTTP-date one asks for at least that: rounded up)
WAITS = {ONCE_429: 2, ONCE_DATE: 2, ALWAYS_1: 1}
# A request the downloader had already sent off when the throttled response came back may
# reach the server just after it; nothing else may arrive while the host is held off.
IN_FLIGHT = 0.5


def _query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _crawl(tmp: Path, *extra: str) -> dict:
    db = tmp / "archive.db"
    with LocalSite(SITE) as site:
        started = time.monotonic()
        result = run_cli("crawl", str(PROFILE), "--db", str(db), "--start-url", site.url + "/", *LIMITS, *extra,
                         timeout=120)
        elapsed = time.monotonic() - started
        log = list(site.request_log)
        base = site.url
    rows = _query(db, "SELECT url, stage, reason, status FROM failures WHERE run_id = 1")
    return {"db": db, "result": result, "elapsed": elapsed, "log": log, "base": base,
            "rows": {_path(url): (stage, reason, status) for url, stage, reason, status in rows},
            "row_count": len(rows)}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _crawl(tmp_path_factory.mktemp("retry"))


@pytest.fixture(scope="module")
def crawled_low_cap(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same site with PARKNEWS_RETRY_AFTER_MAX below every Retry-After it sends."""
    return _crawl(tmp_path_factory.mktemp("retry-cap"), "-s", "PARKNEWS_RETRY_AFTER_MAX=0.5")


def _times(crawled: dict, path: str) -> list[float]:
    return [t for t, p in crawled["log"] if p == path]


# --- the crawl --------------------------------------------------------------------------


def test_the_run_finishes_cleanly_and_well_within_the_cap(crawled) -> None:
    result = crawled["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert _query(crawled["db"], "SELECT finish_reason FROM runs") == [("finished",)]
    # The 3600 s page did not keep the run waiting for the cap, let alone the hour.
    assert crawled["elapsed"] < RETRY_AFTER_MAX / 2, f"the crawl took {crawled['elapsed']:.1f} s"


def test_pages_asked_to_retry_later_end_archived(crawled) -> None:
    rows = _query(crawled["db"], "SELECT url, title, body FROM articles ORDER BY url")
    assert sorted(_path(url) for url, _, _ in rows) == sorted([GOOD, ONCE_429, ONCE_DATE])
    assert all(title and body for _, title, body in rows)


@pytest.mark.parametrize("path", [ONCE_429, ONCE_DATE])
def test_the_retry_came_no_sooner_than_retry_after(crawled, path: str) -> None:
    first, second = _times(crawled, path)
    # The HTTP-date is rounded up to a whole second, so it asks for at least WAITS[path];
    # 10 ms allows for the wall clock and the event loop's clock ticking apart.
    slack = 0.01 if path == ONCE_DATE else 0.0
    assert second - first >= WAITS[path] - slack, f"retried after {second - first:.3f} s"


def test_retries_spent_end_as_http_503_and_each_waited(crawled) -> None:
    times = _times(crawled, ALWAYS_1)
    assert len(times) == RETRY_TIMES + 1
    assert all(b - a >= WAITS[ALWAYS_1] for a, b in zip(times, times[1:], strict=False)), times
    assert crawled["rows"][ALWAYS_1] == ("fetch", "HTTP 503", 503)


def test_a_retry_after_beyond_the_cap_fails_at_once_with_the_reason(crawled) -> None:
    assert len(_times(crawled, BEYOND_CAP)) == 1  # not retried
    stage, reason, status = crawled["rows"][BEYOND_CAP]
    assert stage == "fetch" and status is None
    # "ignored: " is SiteSpider.describe_failure's prefix for an IgnoreRequest it has no stage for.
    assert re.fullmatch(r"(ignored: )?HTTP 503 with Retry-After: 3600, more than PARKNEWS_RETRY_AFTER_MAX "
                        r"\(60 s\): not retried", reason), reason


def test_other_requests_to_the_host_hold_off_meanwhile(crawled) -> None:
    log = crawled["log"]
    # Every response that asked for a wait within the cap: the first answer of a "once" page,
    # every answer of the always-503 one.
    holds = [(t, WAITS[p]) for p in (ONCE_429, ONCE_DATE) for t in _times(crawled, p)[:1]]
    holds += [(t, WAITS[ALWAYS_1]) for t in _times(crawled, ALWAYS_1)]
    for start, wait in holds:
        during = [(round(t - start, 3), p) for t, p in log if start + IN_FLIGHT < t < start + wait]
        assert not during, f"requests while held off for {wait} s: {during}"
    # And there was something to hold off: the listing names every article at once, and
    # first requests for other articles came after the first hold ended.
    start, wait = min(holds)
    firsts = {p: t for t, p in reversed(log)}
    assert any(t >= start + wait for p, t in firsts.items() if p.startswith(NEWS)), log


def test_every_failing_page_has_exactly_one_row(crawled) -> None:
    assert crawled["row_count"] == len(crawled["rows"])
    assert sorted(crawled["rows"]) == sorted([BEYOND_CAP, ALWAYS_1, *REDIRECTS])


@pytest.mark.parametrize("path", sorted(REDIRECTS))
def test_a_redirect_to_another_scheme_is_a_redirect_failure_naming_the_target(crawled, path: str) -> None:
    stage, reason, status = crawled["rows"][path]
    assert (stage, status) == ("redirect", None)
    assert reason == f"redirect off the site: {crawled['base']}{path} -> {REDIRECTS[path]}"
    assert len(_times(crawled, path)) == 1


def test_nothing_from_another_scheme_is_archived(crawled) -> None:
    db = crawled["db"]
    pages = _query(db, "SELECT url, final_url, body FROM pages")
    assert pages and all(final.startswith(crawled["base"] + "/") for _, final, _ in pages)
    assert not {_path(url) for url, _, _ in pages} & set(REDIRECTS)
    assert not any(body and b"root:" in body for _, _, body in pages)
    assert _query(db, "SELECT count(*) FROM articles WHERE url NOT LIKE 'http://127.0.0.1:%'") == [(0,)]


# --- PARKNEWS_RETRY_AFTER_MAX -------------------------------------------------------------


def test_a_lower_cap_gives_up_on_every_retry_after_above_it(crawled_low_cap) -> None:
    crawled = crawled_low_cap
    assert crawled["result"].returncode == 0, crawled["result"].stderr
    for path in (ONCE_429, ONCE_DATE, ALWAYS_1, BEYOND_CAP):
        assert len(_times(crawled, path)) == 1, path
    rows = crawled["rows"]
    assert sorted(rows) == sorted([ONCE_429, ONCE_DATE, ALWAYS_1, BEYOND_CAP, *REDIRECTS])
    cap = r"more than PARKNEWS_RETRY_AFTER_MAX \(0\.5 s\): not retried"
    assert re.fullmatch(rf"(ignored: )?HTTP 429 with Retry-After: 2, {cap}", rows[ONCE_429][1])
    # An HTTP-date is shown as sent, with the wait it meant.
    assert re.fullmatch(rf"(ignored: )?HTTP 503 with Retry-After: \w{{3}}, \d\d \w{{3}} \d{{4}} \d\d:\d\d:\d\d GMT "
                        rf"\([123] s from now\), {cap}", rows[ONCE_DATE][1]), rows[ONCE_DATE][1]
    assert _query(crawled["db"], "SELECT count(*) FROM articles") == [(1,)]  # only the plain article


# --- Retry-After parsing ----------------------------------------------------------------------


def test_retry_after_values() -> None:
    now = 1_800_000_000.0
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(" 0 ") == 0.0
    assert retry_after_seconds(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30)
    assert retry_after_seconds(formatdate(now - 30, usegmt=True), now=now) == 0.0  # in the past: at once
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:37 -0000", now=784111777.0) == pytest.approx(0, abs=1)
    assert retry_after_seconds("9" * 40) == float(2**31)  # absurd, but a number: beyond any cap
    for junk in (None, b"", "soon", "-5", "1.5", "１２", "Sun, 99 Nov 1994 08:49:37 GMT"):
        assert retry_after_seconds(junk) is None, junk


# --- LocalSite Retry-After faults, on the wire ------------------------------------------------


def _get(site: LocalSite, path: str) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", int(site.url.rsplit(":", 1)[1]), timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def test_retry_after_faults_on_the_wire() -> None:
    with LocalSite(SITE) as site:
        status, headers = _get(site, ONCE_429)
        assert (status, headers["retry-after"]) == (429, "2")
        status, headers = _get(site, ONCE_429)  # "once": then the page itself
        assert status == 200 and "retry-after" not in headers
        before = time.time()
        status, headers = _get(site, ONCE_DATE)
        assert status == 503
        assert parsedate_to_datetime(headers["retry-after"]).timestamp() >= before + 2
        assert [_get(site, BEYOND_CAP)[1]["retry-after"] for _ in range(2)] == ["3600", "3600"]
        assert [p for _, p in site.request_log] == [ONCE_429, ONCE_429, ONCE_DATE, BEYOND_CAP, BEYOND_CAP]
    for bad in ("retry-after:429", "retry-after:99:2", "retry-after-soon:503:2", "retry-after:503:1.5"):
        with pytest.raises(ValueError, match="unknown fault"):
            check_fault(bad)
    assert check_fault("retry-after-date-once:503:2") == "retry-after-date-once:503:2"

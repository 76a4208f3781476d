"""Faults are recorded, not fatal: one crawl of a site where every article link misbehaves.

The site copy (tests/fixtures/faultsite/site) links three good articles and one page per
fault: a hung server, a reset connection, a truncated body, oversized bodies (streamed and
announced), a gzip bomb, redirect loops and chains, a redirect off the site, a PDF where an
article should be, robots.txt disallowing a page, and 403/404/410/500/503. Each must end as
exactly one failure row with a clear stage and reason, and the run must finish.

The LocalSite tests at the end check the fault injection itself, on the wire.
"""

from __future__ import annotations

import gzip
import http.client
import re
import socket
import sqlite3
import threading
import time
import zlib
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from parknews.crawl.localsite import FAULTS, LocalSite

SITE = FIXTURES / "faultsite" / "site"
PROFILE = FIXTURES / "faultsite" / "profile.toml"
RETRY_TIMES = 2  # parknews/crawl/settings.py
LIMITS = (
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s", "DOWNLOAD_TIMEOUT=2", "-s", "DOWNLOAD_MAXSIZE=1048576",
)
GOOD = ["/news/1.html", "/news/2.html", "/news/3.html"]
U = r"http://127\.0\.0\.1:\d+"
# path -> (stage, pattern the reason must match, HTTP status stored with the failure)
EXPECTED: dict[str, tuple[str, str, int | None]] = {
    "/news/101.html": ("timeout", r"^timed out after 2 s \(3 tries\)$", None),
    "/news/102.html": ("fetch", r"^connection reset by peer (mid-response|before any response)", None),
    "/news/103.html": ("fetch", r"^response truncated: connection closed before all of its \d+ bytes arrived \(3 tries\)$", None),
    "/news/104.html": ("size", r"^larger than DOWNLOAD_MAXSIZE \(1 MiB\): stopped reading at the limit$", None),
    "/news/105.html": ("size", r"^larger than DOWNLOAD_MAXSIZE \(1 MiB\): Content-Length says 3 MiB$", None),
    "/news/106.html": ("size", r"^larger than DOWNLOAD_MAXSIZE \(1 MiB\) once decompressed from \d+(\.\d)? KiB on the wire", None),
    "/news/107.html": ("redirect", rf"^redirect loop: {U}/news/107\.html -> {U}/news/107\.html$", None),
    "/news/108.html": ("redirect", rf"^redirect loop: {U}/news/108\.html -> {U}/news/109\.html -> {U}/news/108\.html$", None),
    "/news/110.html": ("extract", r"^not an HTML page \(Content-Type application/pdf\)$", 200),
    "/news/111.html": ("redirect", rf"^too many redirects: more than 5 \(REDIRECT_MAX_TIMES\), the last from {U}/news/111\.html\?hop=5$", None),
    "/news/112.html": ("redirect", rf"^redirect off the site: {U}/news/112\.html -> http://localhost/news/1\.html$", None),
    "/news/120.html": ("robots", r"^disallowed by robots\.txt$", None),
    "/news/403.html": ("fetch", r"^HTTP 403$", 403),
    "/news/404.html": ("fetch", r"^HTTP 404$", 404),
    "/news/410.html": ("fetch", r"^HTTP 410$", 410),
    "/news/500.html": ("fetch", r"^HTTP 500$", 500),
    "/news/503.html": ("fetch", r"^HTTP 503$", 503),
}


def _query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("faults") / "archive.db"
    with LocalSite(SITE) as site:
        started = time.monotonic()
        result = run_cli("crawl", str(PROFILE), "--db", str(db), "--start-url", site.url + "/", *LIMITS, timeout=120)
        elapsed = time.monotonic() - started
        requests = dict(site.requests)
    rows = _query(db, "SELECT url, stage, reason, status FROM failures WHERE run_id = 1")
    return {"db": db, "result": result, "elapsed": elapsed, "requests": requests, "rows": rows}


def test_the_run_finishes_quickly_and_cleanly(crawled) -> None:
    result = crawled["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert _query(crawled["db"], "SELECT finish_reason FROM runs") == [("finished",)]
    assert crawled["elapsed"] < 30, f"the fault crawl took {crawled['elapsed']:.1f} s"


def test_every_good_article_is_archived(crawled) -> None:
    rows = _query(crawled["db"], "SELECT url, title, body FROM articles ORDER BY url")
    assert [_path(url) for url, _, _ in rows] == GOOD
    assert all(title and body for _, title, body in rows)


def test_every_faulty_url_has_exactly_one_failure_row(crawled) -> None:
    paths = [_path(url) for url, _, _, _ in crawled["rows"]]
    assert sorted(paths) == sorted(EXPECTED), "one row per faulty link, none for the good ones"


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_failure_stage_and_reason(crawled, path: str) -> None:
    stage, pattern, status = EXPECTED[path]
    [(got_stage, reason, got_status)] = [(s, r, st) for url, s, r, st in crawled["rows"] if _path(url) == path]
    assert (got_stage, got_status) == (stage, status), reason
    assert re.search(pattern, reason), reason


def test_transient_faults_are_retried_and_final_ones_are_not(crawled) -> None:
    requests = crawled["requests"]
    for path in ("/news/500.html", "/news/503.html", "/news/101.html", "/news/102.html", "/news/103.html"):
        assert requests[path] == RETRY_TIMES + 1, path
    for path in ("/news/403.html", "/news/404.html", "/news/410.html", "/news/104.html", "/news/105.html",
                 "/news/106.html", "/news/107.html", "/news/110.html", "/news/112.html", *GOOD):
        assert requests[path] == 1, path
    assert requests["/news/108.html"] == requests["/news/109.html"] == 1  # the loop is cut, not walked twice
    assert requests["/news/111.html"] == 6  # the first request and REDIRECT_MAX_TIMES redirects
    assert "/news/120.html" not in requests  # robots.txt said no: never asked
    assert requests["/robots.txt"] == 1


def test_run_counts_match_the_rows(crawled) -> None:
    db = crawled["db"]
    [(failures, articles_failed, listing_failed, articles_new, pages_fetched)] = _query(
        db, "SELECT failures, articles_failed, listing_failed, articles_new, pages_fetched FROM runs WHERE id = 1")
    assert failures == len(crawled["rows"]) == len(EXPECTED)
    assert (articles_failed, listing_failed) == (len(EXPECTED), 0)
    assert articles_new == len(GOOD)
    # Responses that arrived (good pages, HTTP errors, the PDF, the listing) keep their raw page.
    assert pages_fetched == _query(db, "SELECT count(*) FROM pages WHERE run_id = 1")[0][0] == len(GOOD) + 5 + 1 + 1


def test_archive_integrity(crawled) -> None:
    assert _query(crawled["db"], "PRAGMA integrity_check") == [("ok",)]


# --- LocalSite fault injection, on the wire ---------------------------------------------


def _get(site: LocalSite, path: str, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", int(site.url.rsplit(":", 1)[1]), timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        try:
            body = response.read()
        except http.client.IncompleteRead as exc:
            body = exc.partial
        return response.status, headers, body
    finally:
        conn.close()


@pytest.fixture()
def fault_site():
    with LocalSite(SITE) as site:
        site.fault_size = 256 * 1024
        yield site


def test_faults_come_from_site_toml_and_can_change_at_run_time(fault_site: LocalSite) -> None:
    assert fault_site.faults["/news/102.html"] == "reset"
    assert set(fault_site.faults.values()) - {"redirect:/news/109.html", "redirect:/news/108.html",
                                              "redirect:http://localhost/news/1.html"} == set(FAULTS)
    assert _get(fault_site, "/news/1.html")[0] == 200
    fault_site.faults["/news/1.html"] = "binary"
    status, headers, body = _get(fault_site, "/news/1.html")
    assert (status, headers["content-type"], body[:5]) == (200, "application/pdf", b"%PDF-")
    del fault_site.faults["/news/1.html"]
    assert _get(fault_site, "/news/1.html")[1]["content-type"].startswith("text/html")
    assert fault_site.requests["/news/1.html"] == 3
    with pytest.raises(ValueError, match="unknown fault"):
        fault_site.faults["/news/1.html"] = "explode"


def test_truncate_and_reset_send_less_than_they_announce(fault_site: LocalSite) -> None:
    status, headers, body = _get(fault_site, "/news/103.html")
    assert status == 200 and 0 < len(body) < int(headers["content-length"])
    try:
        _, headers, body = _get(fault_site, "/news/102.html")
    except (ConnectionResetError, http.client.RemoteDisconnected):
        pass  # the RST overtook the bytes sent before it
    else:
        assert len(body) < int(headers["content-length"])
    assert fault_site.requests["/news/102.html"] == fault_site.requests["/news/103.html"] == 1


def test_oversize_and_gzip_bomb_bodies(fault_site: LocalSite) -> None:
    _, headers, body = _get(fault_site, "/news/104.html")
    assert "content-length" not in headers and len(body) == fault_site.fault_size
    _, headers, _ = _get(fault_site, "/news/105.html")
    assert headers["content-length"] == str(fault_site.fault_size)
    _, headers, body = _get(fault_site, "/news/106.html")
    assert headers["content-encoding"] == "gzip" and len(body) < fault_site.fault_size // 100
    assert len(gzip.decompress(body)) == fault_site.fault_size
    assert len(zlib.decompressobj(31).decompress(body, 1024)) == 1024  # inflates in bounded steps too


def test_redirect_faults(fault_site: LocalSite) -> None:
    assert _get(fault_site, "/news/107.html?x=1")[1]["location"] == "/news/107.html?x=1"
    assert _get(fault_site, "/news/108.html")[1]["location"] == "/news/109.html"
    assert _get(fault_site, "/news/111.html")[1]["location"] == "/news/111.html?hop=1"
    assert _get(fault_site, "/news/111.html?hop=4")[1]["location"] == "/news/111.html?hop=5"


def test_a_stalled_response_does_not_hold_up_shutdown() -> None:
    site = LocalSite(SITE).start()
    site.fault_delay = 60
    port = int(site.url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /news/101.html HTTP/1.0\r\nHost: x\r\n\r\n")
    for _ in range(100):  # wait until the handler is stalling
        if site.requests["/news/101.html"]:
            break
        time.sleep(0.01)
    stopper = threading.Thread(target=site.stop)
    started = time.monotonic()
    stopper.start()
    stopper.join(5)
    assert not stopper.is_alive() and time.monotonic() - started < 2
    assert sock.recv(100) == b""  # woken up, closed without answering
    sock.close()

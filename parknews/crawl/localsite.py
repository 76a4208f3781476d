"""Serve a local copy of a site over HTTP on 127.0.0.1 (the demo and the tests use it).

A site copy is a directory whose file paths are the URL paths (``/index.php/post/11584.html``
is ``<dir>/index.php/post/11584.html``; ``/`` is ``index.html``; a URL with a query string is
the file named with ``%3F`` for the ``?``, ``/news/show.aspx?id=7`` is ``news/show.aspx%3Fid=7``,
and when no such file exists the query is ignored). An optional ``site.toml``
gives responses that are not plain files: ``[status]`` (path -> HTTP status) and
``[content_type]`` (path -> Content-Type header, e.g. a GBK page whose header lies).
The server counts requests per path so tests can assert what a crawl fetched.

``[faults]`` (path -> fault name) makes a path misbehave the way real servers do, so tests
can check that a crawl records the failure and goes on:

=====================  ==================================================================
``timeout``            say nothing for ``delay`` seconds, then answer normally (too late)
``reset``              send the headers and part of the body, then reset the connection (RST)
``truncate``           declare the full Content-Length, send a third of the body, close cleanly
``oversize``           stream ``size`` bytes of HTML with no Content-Length, then close
``oversize-declared``  the same with ``Content-Length: size`` announced up front
``gzip-bomb``          ``Content-Encoding: gzip``: a few KiB that inflate to ``size`` bytes
``redirect-loop``      302 to the path itself
``redirect-chain``     302 to the path with ``?hop=N+1``: a new URL every time, never an end
``redirect:/other``    302 to ``/other`` or to a full URL (two paths redirecting to each
                       other make A->B->A)
``binary``             a small PDF served as ``application/pdf``
``retry-after:S:N``    answer HTTP status ``S`` (429, 503, ...) with ``Retry-After: N``
                       (delta-seconds, a whole number), every time
``retry-after-date:S:N``  the same with an HTTP-date ``N`` seconds from now (rounded up to
                       the next whole second, so the wait it asks for is never shorter)
``...-once:S:N``       ``retry-after-once:S:N``, ``retry-after-date-once:S:N``: only the
                       first request for the path; later ones are answered normally
=====================  ==================================================================

``[fault_options]`` sets ``delay`` (seconds, default 5) and ``size`` (bytes, default 20 MiB;
above the crawl's default DOWNLOAD_MAXSIZE). Tests may change faults while the server runs
(``site.faults["/x"] = "reset"``, ``site.fault_delay = 3``); a stalled response wakes up
when the server stops, so shutdown never waits for it.

``site.request_log`` lists every request as ``(time.time(), path)``, in arrival order, so a
test can check how long a client waited between two requests (e.g. after a Retry-After).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import socket
import struct
import sys
import threading
import time
import zlib
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEMO_SITES = Path(__file__).parent.parent / "demo_site"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8",
    ".aspx": "text/html; charset=utf-8",
    ".asp": "text/html; charset=utf-8",
    ".php": "text/html; charset=utf-8",
    ".jsp": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".css": "text/css",
    ".js": "application/javascript",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}

#: Fault names a ``[faults]`` entry may use (besides ``redirect:/path``).
FAULTS = (
    "timeout", "reset", "truncate", "oversize", "oversize-declared", "gzip-bomb",
    "redirect-loop", "redirect-chain", "binary",
)
DEFAULT_FAULT_DELAY = 5.0
DEFAULT_FAULT_SIZE = 20 * 1024 * 1024
_CHUNK = 64 * 1024
# What an "oversize" response streams, over and over: plausible HTML, about 12 KiB.
_FILLER = b"<p>" + "园区招商新闻".encode() * 700 + b"</p>\n"
# The smallest well-formed one-page PDF: what a CMS serves when an "article" is an attachment.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


#: Retry-After faults, written ``NAME:STATUS:SECONDS`` (``retry-after-once:429:2``).
RETRY_AFTER_FAULTS = ("retry-after", "retry-after-once", "retry-after-date", "retry-after-date-once")
_RETRY_AFTER_FAULT = re.compile(rf"^({'|'.join(RETRY_AFTER_FAULTS)}):([1-5]\d\d):(\d+)$")


def retry_after_fault(fault: str) -> tuple[int, int, bool, bool] | None:
    """(status, seconds, as an HTTP-date, first request only) of a Retry-After fault, else None."""
    match = _RETRY_AFTER_FAULT.match(fault)
    if match is None:
        return None
    name = match[1]
    return int(match[2]), int(match[3]), "-date" in name, name.endswith("-once")


def check_fault(fault: str) -> str:
    """The fault name if LocalSite knows it, else ValueError."""
    if fault in FAULTS or (fault.startswith("redirect:") and len(fault) > len("redirect:")):
        return fault
    if retry_after_fault(fault) is not None:
        return fault
    raise ValueError(f"unknown fault {fault!r} (known: {', '.join(FAULTS)}, redirect:/path, "
                     f"{'|'.join(RETRY_AFTER_FAULTS)}:STATUS:SECONDS)")


class Faults(dict):  # type: ignore[type-arg]
    """path -> fault name; checks names as they are set, so a typo fails the test that made it."""

    def __init__(self, items: Any = (), **kwargs: str) -> None:
        super().__init__()
        self.update(items, **kwargs)

    def __setitem__(self, path: str, fault: str) -> None:
        super().__setitem__(path, check_fault(fault))

    def update(self, items: Any = (), **kwargs: str) -> None:  # type: ignore[override]
        for path, fault in dict(items, **kwargs).items():
            self[path] = fault


@functools.lru_cache(maxsize=4)
def _gzip_bomb(size: int) -> bytes:
    """A gzip member of ``size`` zero bytes (about 1/1000 of that on the wire)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    zeros = bytes(_CHUNK)
    parts = [comp.compress(zeros) for _ in range(size // _CHUNK)]
    parts.append(comp.compress(bytes(size % _CHUNK)))
    parts.append(comp.flush())
    return b"".join(parts)


class LocalSite:
    """A threaded HTTP server for one site directory; use as a context manager."""

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root).resolve()
        config_path = self.root / "site.toml"
        config = tomllib.loads(config_path.read_text("utf-8")) if config_path.exists() else {}
        self.status: dict[str, int] = dict(config.get("status", {}))
        self.content_type: dict[str, str] = dict(config.get("content_type", {}))
        self.faults: Faults = Faults(config.get("faults", {}))
        options = config.get("fault_options", {})
        self.fault_delay: float = float(options.get("delay", DEFAULT_FAULT_DELAY))
        self.fault_size: int = int(options.get("size", DEFAULT_FAULT_SIZE))
        self.requests: Counter[str] = Counter()
        self.request_log: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalSite:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes stalled ("timeout") and streaming responses
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _resolve(self, path: str) -> Path | None:
        path, _, query = path.partition("?")
        rel = unquote(path).lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        if query:
            rel += "%3F" + query  # /news/show.aspx?id=7 is the file news/show.aspx%3Fid=7
        target = (self.root / rel).resolve()
        if self.root not in target.parents or not target.is_file():
            return None
        return target

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "LocalSite/1.0"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                path = parts.path
                if parts.query:
                    with_query = f"{path}?{parts.query}"
                    if with_query in site.status or with_query in site.faults or site._resolve(with_query):
                        path = with_query  # a page of its own (a dynamic site's copy)
                with site._lock:
                    site.requests[path] += 1
                    site.request_log.append((time.time(), path))
                fault = site.faults.get(path)
                try:
                    if fault is None:
                        self._answer(path)
                    else:
                        self._fault(fault, path)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (its timeout, its size limit)

            def _page(self, path: str) -> tuple[int, str, bytes]:
                target = site._resolve(path)
                status = site.status.get(path, 200 if target else 404)
                if target is not None:
                    body = target.read_bytes()
                else:
                    body = f"<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>".encode()
                ctype = site.content_type.get(path) or (_TYPES.get(Path(target.name.split("%3F")[0]).suffix, "application/octet-stream") if target else "text/html; charset=utf-8")
                return status, ctype, body

            def _answer(self, path: str) -> None:
                status, ctype, body = self._page(path)
                headers = {"Content-Type": ctype, "Content-Length": str(len(body))}
                if status == 200:
                    # Validators, as a CMS behind a cache sends them: conditional requests get 304.
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    headers["ETag"] = etag
                    target = site._resolve(path)
                    if target is not None:
                        headers["Last-Modified"] = formatdate(target.stat().st_mtime, usegmt=True)
                    if self.headers.get("If-None-Match") == etag:
                        self._head(304, {"ETag": etag})
                        return
                self._head(status, headers)
                self.wfile.write(body)

            def _head(self, status: int, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def _fault(self, fault: str, path: str) -> None:
                html = "text/html; charset=utf-8"
                if fault == "timeout":
                    if not site._stopping.wait(site.fault_delay):
                        self._answer(path)
                elif fault in ("reset", "truncate"):
                    _, ctype, body = self._page(path)
                    body = body if len(body) >= 3000 else body + b"<!-- padding -->" * 200
                    self._head(200, {"Content-Type": ctype, "Content-Length": str(len(body))})
                    self.wfile.write(body[: len(body) // 3])
                    self.wfile.flush()
                    if fault == "reset":
                        site._stopping.wait(0.05)  # let the client read what was sent, then RST
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()
                    self.close_connection = True
                elif fault in ("oversize", "oversize-declared"):
                    headers = {"Content-Type": html}
                    if fault == "oversize-declared":
                        headers["Content-Length"] = str(site.fault_size)
                    self._head(200, headers)
                    sent = 0
                    while sent < site.fault_size and not site._stopping.is_set():
                        piece = _FILLER[: site.fault_size - sent]
                        self.wfile.write(piece)
                        sent += len(piece)
                    self.close_connection = True
                elif fault == "gzip-bomb":
                    body = _gzip_bomb(site.fault_size)
                    self._head(200, {"Content-Type": html, "Content-Encoding": "gzip", "Content-Length": str(len(body))})
                    self.wfile.write(body)
                elif fault.startswith("redirect"):
                    if fault == "redirect-chain":
                        hop = parse_qs(urlsplit(self.path).query).get("hop", ["0"])[0]
                        location = f"{path}?hop={int(hop) + 1 if hop.isdigit() else 1}"
                    else:
                        location = self.path if fault == "redirect-loop" else fault.partition(":")[2]
                    body = b"<html><body>moved</body></html>"
                    self._head(302, {"Location": location, "Content-Type": html, "Content-Length": str(len(body))})
                    self.wfile.write(body)
                elif fault == "binary":
                    self._head(200, {"Content-Type": "application/pdf", "Content-Length": str(len(_PDF))})
                    self.wfile.write(_PDF)
                elif (retry_after := retry_after_fault(fault)) is not None:
                    status, seconds, as_date, once = retry_after
                    with site._lock:
                        again = site.requests[path] > 1
                    if once and again:
                        self._answer(path)
                        return
                    # An HTTP-date has whole seconds: round up, so the wait it asks for is >= seconds.
                    value = formatdate(math.ceil(time.time() + seconds), usegmt=True) if as_date else str(seconds)
                    body = ("<html><head><title>服务繁忙</title></head><body><h1>访问人数过多，请稍后再试</h1>"
                            "</body></html>").encode()
                    self._head(status, {"Retry-After": value, "Content-Type": html, "Content-Length": str(len(body))})
                    self.wfile.write(body)
                else:  # pragma: no cover - Faults checks names
                    raise ValueError(f"unknown fault {fault!r}")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler


def serve_forever(root: str | Path, port: int = 8000) -> None:  # pragma: no cover - manual use
    """Serve a site copy in the foreground (``python -m parknews.crawl.localsite DIR [PORT]``)."""
    site = LocalSite(root, port=port)
    print(f"serving {site.root} at {site.url}/ (Ctrl-C stops)")
    try:
        site._server.serve_forever()
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":  # pragma: no cover
    serve_forever(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8000)

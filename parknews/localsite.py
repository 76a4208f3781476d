"""Serve a local copy of a site over HTTP on 127.0.0.1 (the demo and the tests use it).

A site copy is a directory whose file paths are the URL paths (``/index.php/post/11584.html``
is ``<dir>/index.php/post/11584.html``; ``/`` is ``index.html``). An optional ``site.toml``
gives responses that are not plain files: ``[status]`` (path -> HTTP status) and
``[content_type]`` (path -> Content-Type header, e.g. a GBK page whose header lies).
The server counts requests per path so tests can assert what a crawl fetched.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEMO_SITES = Path(__file__).parent / "demo_site"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".css": "text/css",
    ".js": "application/javascript",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


class LocalSite:
    """A threaded HTTP server for one site directory; use as a context manager."""

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root).resolve()
        config_path = self.root / "site.toml"
        config = tomllib.loads(config_path.read_text("utf-8")) if config_path.exists() else {}
        self.status: dict[str, int] = dict(config.get("status", {}))
        self.content_type: dict[str, str] = dict(config.get("content_type", {}))
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
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
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _resolve(self, path: str) -> Path | None:
        rel = unquote(path).lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        target = (self.root / rel).resolve()
        if self.root not in target.parents or not target.is_file():
            return None
        return target

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "LocalSite/1.0"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = urlsplit(self.path).path
                with site._lock:
                    site.requests[path] += 1
                target = site._resolve(path)
                status = site.status.get(path, 200 if target else 404)
                if target is not None:
                    body = target.read_bytes()
                else:
                    body = f"<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>".encode()
                ctype = site.content_type.get(path) or (_TYPES.get(target.suffix, "application/octet-stream") if target else "text/html; charset=utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler


def serve_forever(root: str | Path, port: int = 8000) -> None:  # pragma: no cover - manual use
    """Serve a site copy in the foreground (``python -m parknews.localsite DIR [PORT]``)."""
    site = LocalSite(root, port=port)
    print(f"serving {site.root} at {site.url}/ (Ctrl-C stops)")
    try:
        site._server.serve_forever()
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":  # pragma: no cover
    serve_forever(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8000)

"""``parknews serve``: the archive in Datasette, read-only, with parknews' search and metadata.

Datasette is an optional dependency (``pip install 'parknews[serve]'``); this module imports
it only when serving.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

INSTALL_HINT = "parknews serve needs Datasette: pip install 'parknews[serve]'"


class ServeError(RuntimeError):
    """Serving cannot start; the message is one line for the user."""


def require_datasette() -> None:
    try:
        import datasette  # noqa: F401
    except ImportError:
        raise ServeError(INSTALL_HINT) from None


def build_datasette(db_path: Path, *, immutable: bool = False) -> Any:
    """A Datasette instance for the archive: read-only connection, parknews plugin and metadata.

    ``immutable``: open the file as Datasette's immutable database (``datasette -i``), for an
    archive on a read-only filesystem or directory, where SQLite cannot create the -shm and
    -wal files a read-only connection to a WAL archive otherwise needs.
    """
    require_datasette()
    from datasette.app import Datasette
    from datasette.plugins import pm

    from parknews.archive import datasette_plugin
    from parknews.archive.datasette_metadata import metadata

    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="parknews")
    # Datasette opens a mutable file with mode=ro (and never writes without a write plugin):
    # read-only, yet it sees what a crawl running alongside commits. An immutable one with
    # immutable=1: nothing written beside it, and nothing a writer commits later seen.
    files = {"immutables": [str(db_path)]} if immutable else {"files": [str(db_path)]}
    templates = Path(__file__).parent.parent / "templates"  # the article row page as a reader view
    return Datasette(**files, metadata=metadata(db_path.stem), template_dir=str(templates),
                     settings={"default_page_size": 20, "truncate_cells_html": 300, "facet_time_limit_ms": 500})


def run(db_path: Path, *, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False) -> None:
    """Serve until interrupted; prints the address first (port 0 picks a free one)."""
    ds = build_datasette(db_path, immutable=immutable)
    import asyncio

    import uvicorn
    from datasette.cli import check_databases

    async def startup() -> None:
        await ds.invoke_startup()
        await check_databases(ds)

    asyncio.run(startup())
    try:
        sock = socket.create_server((host, port))
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    actual = sock.getsockname()[1]
    print(f"serving {db_path} read-only at http://{host}:{actual}/{db_path.stem}/articles (Ctrl+C to stop)", flush=True)
    server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning", lifespan="on"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        sys.exit(0)

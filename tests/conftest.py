"""Shared fixtures: the bundled site copies served on 127.0.0.1, and a CLI runner."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parknews.crawl.localsite import DEMO_SITES, LocalSite

ROOT = Path(__file__).resolve().parent.parent
#: Crawl settings for our own loopback server: no politeness delay needed.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture()
def rentsh_site() -> Iterator[LocalSite]:
    """The rent.sh.cn copy, served on an ephemeral loopback port for one test."""
    with LocalSite(DEMO_SITES / "rentsh") as site:
        yield site


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `parknews ARGS` in a fresh interpreter, as a user would."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PARKNEWS_DB", None) if env is None or "PARKNEWS_DB" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "parknews.cli", *args],
        cwd=cwd or ROOT, env=full_env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled rent.sh.cn copy crawled once, over HTTP, into an archive tests only read."""
    db = tmp_path_factory.mktemp("archive") / "archive.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        result = run_cli("crawl", "rentsh", "--db", str(db), "--start-url", site.url + "/", *FAST)
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture()
def scratch(archive: Path, tmp_path: Path) -> Path:
    """A copy of the crawled archive that a test may change."""
    copy = tmp_path / "scratch.db"
    conn = sqlite3.connect(archive)
    conn.execute("VACUUM INTO ?", [str(copy)])
    conn.close()
    return copy

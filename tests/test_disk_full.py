"""A full disk stops the crawl within seconds, says so in one line, and loses nothing.

Two real ways to run out of room: a small tmpfs mounted for the test (ENOSPC from the kernel;
needs root, which the test runs as here and in CI), and the archive quota
PARKNEWS_MAX_ARCHIVE_MB (SQLite's max_page_count: SQLITE_FULL), which works for any user.
Either way the run must end with exit status 1, a `runs` row whose finish reason is
disk_full, an archive that passes PRAGMA integrity_check, and, once there is room again,
one plain run must complete the archive.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT))
from benchmarks.crash import CRAWL_SETTINGS, articles, crawl, query, sound  # noqa: E402
from benchmarks.synthsite import SiteServer, SyntheticSite  # noqa: E402

POSTS = 100


def _mount(target: Path, size: str, *options: str) -> None:
    opts = ",".join([f"size={size}", *options])
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(target)], check=True, capture_output=True)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A 400 KiB filesystem (tmpfs) when we may mount one, else a 400 KiB archive quota."""
    where = tmp_path / "small"
    where.mkdir()
    if os.geteuid() == 0 and shutil.which("mount"):
        _mount(where, "400k")
        try:
            yield where, "tmpfs"
        finally:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)
    else:
        yield where, "quota"


def test_a_full_disk_ends_the_run_cleanly_and_the_next_run_completes_it(small_disk: tuple[Path, str]) -> None:
    where, how = small_disk
    db = where / "archive.db"
    site = SyntheticSite(POSTS)
    quota = ("-s", "PARKNEWS_MAX_ARCHIVE_MB=0.4") if how == "quota" else ()
    with SiteServer(site) as server:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "parknews.cli", "crawl", "rentsh", "--db", str(db), "--start-url",
             server.url + "/", *CRAWL_SETTINGS, *quota],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        took = time.monotonic() - started
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "disk is full" in result.stderr
        assert took < 60, f"a full disk took {took:.0f} s to stop the crawl"
        assert sound(db)
        kept = articles(db)
        assert 0 < len(kept) < POSTS, "the disk should fill part-way through"
        [(reason, status)] = query(db, "SELECT finish_reason, exit_status FROM runs")
        assert reason == "disk_full"
        assert status in (1, None)  # the verdict itself may not fit on a full disk
        assert query(db, "SELECT count(*) FROM frontier")[0][0] > 0  # what is left, for the next run

        # Room again: one plain run completes the archive.
        if how == "tmpfs":
            subprocess.run(["mount", "-o", "remount,size=64m", str(where)], check=True)
            after = crawl(db, server.url)
        else:
            after = crawl(db, server.url)  # no quota this time
        assert after.returncode == 0, after.stderr
    assert articles(db) == {f"index.php/post/{n}.html" for n in range(1, POSTS + 1)}
    assert sound(db)
    assert query(db, "SELECT count(*) FROM frontier") == [(0,)]


def test_the_archive_quota_stops_the_run_like_a_full_disk(tmp_path: Path) -> None:
    """PARKNEWS_MAX_ARCHIVE_MB: SQLITE_FULL, whatever the file system (runs as any user)."""
    db = tmp_path / "archive.db"
    site = SyntheticSite(POSTS)
    with SiteServer(site) as server:
        result = crawl(db, server.url, "-s", "PARKNEWS_MAX_ARCHIVE_MB=0.5")
    assert result.returncode == 1
    assert "disk is full" in result.stderr and "Traceback" not in result.stderr
    assert sound(db)
    assert query(db, "SELECT finish_reason FROM runs") == [("disk_full",)]
    assert 0 < len(articles(db)) < POSTS

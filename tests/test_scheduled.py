"""Scheduled crawls: overlapping runs, graceful stops and --resume, kill -9 at any moment."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from parknews.archive.runs import RunLock
from parknews.crawl.localsite import DEMO_SITES, LocalSite

ARTICLES = 15  # article pages of the bundled rent.sh.cn copy (one with an empty body)


def _crawl_process(db: Path, url: str, *extra: str, delay: str = "0.3") -> subprocess.Popen[str]:
    """A crawl in its own process, slowed down so a test can act while it runs."""
    return subprocess.Popen(
        [sys.executable, "-m", "parknews.cli", "crawl", "rentsh", "--db", str(db), "--start-url", url + "/",
         "-s", f"DOWNLOAD_DELAY={delay}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
         "-s", "PARKNEWS_BATCH_SIZE=1", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _articles(db: Path) -> int:
    try:
        return _query(db, "SELECT count(*) FROM articles")[0][0]
    except sqlite3.OperationalError:
        return 0


def _runs(db: Path) -> int:
    try:
        return _query(db, "SELECT count(*) FROM runs")[0][0]
    except sqlite3.OperationalError:
        return 0


def _assert_archive_sound(db: Path) -> None:
    assert _query(db, "PRAGMA integrity_check") == [("ok",)]
    # Every article has the raw page it was extracted from (written in the same transaction).
    orphans = _query(db, "SELECT a.url FROM articles a LEFT JOIN pages p ON p.final_url = a.url OR p.url = a.url WHERE p.url IS NULL")
    assert orphans == []
    assert _query(db, "SELECT count(*) - count(DISTINCT url) FROM articles") == [(0,)]


def test_a_second_run_of_the_same_profile_exits_at_once_and_touches_nothing(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with LocalSite(DEMO_SITES / "rentsh") as site, RunLock(db, "rentsh"):
        started = time.monotonic()
        result = run_cli("crawl", "rentsh", "--db", str(db), "--start-url", site.url + "/")
        took = time.monotonic() - started
        assert site.requests == {}  # not a single request
    assert result.returncode == 75
    assert "another run of 'rentsh'" in result.stderr and "in progress" in result.stderr
    assert "Traceback" not in result.stderr
    assert took < 20
    assert _query(db, "SELECT count(*) FROM runs") == [(0,)]


def test_overlapping_real_runs_sigterm_and_resume(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        first = _crawl_process(db, site.url, delay="0.8")  # slow enough to still be running after the checks
        try:
            _wait_for(lambda: _articles(db) >= 2)
            # An overlapping run (cron fired again) leaves at once.
            second = run_cli("crawl", "rentsh", "--db", str(db), "--start-url", site.url + "/")
            assert second.returncode == 75, second.stderr
            # SIGTERM (systemd stop): Scrapy stops gracefully, the run row says so.
            first.send_signal(signal.SIGTERM)
            out, err = first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == 1
        assert "did not finish normally (shutdown)" in err
        run_id, reason = _query(db, "SELECT id, finish_reason FROM runs")[0]
        assert reason == "shutdown"
        partial = _articles(db)
        assert 0 < partial < ARTICLES
        # What the stopped run had discovered and not fetched waits in the archive's frontier.
        assert _query(db, "SELECT count(*) FROM frontier")[0][0] > 0
        _assert_archive_sound(db)

        resumed = run_cli("crawl", "rentsh", "--db", str(db), "--start-url", site.url + "/", "--resume",
                          "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert resumed.returncode == 0, resumed.stderr
    runs = _query(db, "SELECT id, finish_reason, articles_new FROM runs")
    assert len(runs) == 1  # the same run continued, not a new one
    assert runs[0][:2] == (run_id, "finished")
    assert runs[0][2] == ARTICLES
    assert _articles(db) == ARTICLES
    # Only the page that answered 500 still waits, for the next run's retry.
    assert [(u.rsplit("/", 1)[1], k, a) for u, k, a in _query(db, "SELECT url, kind, attempts FROM frontier")] == [
        ("99500.html", "article", 1)]
    assert not (tmp_path / "jobs").exists()  # no Scrapy job directory beside the archive
    _assert_archive_sound(db)


@pytest.mark.parametrize("kill_after_articles", [0, 1, 4, 9])
def test_kill_9_at_any_moment_leaves_a_sound_archive_and_the_next_run_completes(tmp_path: Path, kill_after_articles: int) -> None:
    db = tmp_path / "archive.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        crawl = _crawl_process(db, site.url, delay="0.2")
        try:
            if kill_after_articles:
                _wait_for(lambda: _articles(db) >= kill_after_articles)
            else:
                _wait_for(lambda: _runs(db) >= 1)  # the archive exists with its schema and the run row
            os.kill(crawl.pid, signal.SIGKILL)
            crawl.communicate(timeout=30)
        finally:
            if crawl.poll() is None:
                crawl.kill()
        assert crawl.returncode == -signal.SIGKILL
        _assert_archive_sound(db)
        before = _articles(db)
        assert before < ARTICLES

        after = run_cli("crawl", "rentsh", "--db", str(db), "--start-url", site.url + "/",
                        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert after.returncode == 0, after.stderr
    assert _articles(db) == ARTICLES
    _assert_archive_sound(db)
    reasons = [r for (r,) in _query(db, "SELECT finish_reason FROM runs ORDER BY id")]
    assert reasons[-1] == "finished"
    assert all(r in ("abandoned", "finished") for r in reasons[:-1])  # the killed run is marked, not left open

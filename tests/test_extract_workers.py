"""A crawl extracts in worker processes while the reactor fetches (PARKNEWS_EXTRACT_WORKERS).

The evidence: the archive a crawl writes with workers is the archive it writes extracting in
its own process, on every CMS fixture site and on the demo site with its deliberate failures; a
worker killed in the middle of a crawl costs nothing; a crawl killed with SIGKILL leaves no
extraction process behind.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FAST, run_cli
from parknews.crawl.localsite import DEMO_SITES, LocalSite

CMSSITES = Path(__file__).resolve().parent / "fixtures" / "cmssites"
SITES = sorted(p.parent.name for p in CMSSITES.glob("*/expected.toml"))
ROWS = ("SELECT url, title, body, captions, byline, published_at, published_raw, source_outlet, "
        "original_title, body_links, related_links, attachments, images, missing, encoding FROM articles")


def _records(db: Path, origin: str) -> tuple[list[tuple], list[tuple], int, list[tuple]]:
    """The archive's articles, failures, page count and cluster signatures, with the site's
    (per-run) origin taken out."""
    conn = sqlite3.connect(db)
    try:
        def strip(row: tuple) -> tuple:
            return tuple(v.replace(origin, "") if isinstance(v, str) else v for v in row)
        articles = sorted(strip(r) for r in conn.execute(ROWS))
        failures = sorted(strip(r) for r in conn.execute("SELECT url, stage, reason, kind FROM failures"))
        pages = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
        # The syndication signatures the workers made equal those the archive makes itself.
        signatures = sorted(strip(r) for r in conn.execute(
            "SELECT url, hex(signature), (SELECT count(*) FROM signature_bands b WHERE b.url = s.url) "
            "FROM article_signatures s"))
        assert len(signatures) == len(articles)
        return articles, failures, pages, signatures
    finally:
        conn.close()


def _crawl(target: Path | None, db: Path, workers: int, *args: str) -> tuple[list, list, int, list]:
    site = LocalSite(target or DEMO_SITES / "rentsh")
    with site:
        where = [site.url + "/"] if target else ["rentsh", "--start-url", site.url + "/"]
        result = run_cli("crawl", *where, "--db", str(db), *args, *FAST,
                         "-s", f"PARKNEWS_EXTRACT_WORKERS={workers}")
        assert result.returncode == 0, result.stderr
        return _records(db, site.url)


@pytest.mark.parametrize("name", [*SITES, "rentsh"])
def test_workers_archive_exactly_what_in_process_extraction_archives(tmp_path: Path, name: str) -> None:
    target = None if name == "rentsh" else CMSSITES / name
    inline = _crawl(target, tmp_path / "inline.db", 0)
    pooled = _crawl(target, tmp_path / "pooled.db", 2)
    assert inline[0], "the crawl archived nothing"
    assert pooled == inline
    if name == "rentsh":  # the demo site's 404, 500 and empty-body page come out the same way too
        assert len(inline[1]) == 2
        assert any('"body"' in (row[13] or "") for row in inline[0])


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (by /proc/*/stat: a child started by any of its threads)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry))
    return found


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start_slow_crawl(site: LocalSite, db: Path) -> subprocess.Popen:
    slow = ["-s", "DOWNLOAD_DELAY=0.15", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "PARKNEWS_EXTRACT_WORKERS=2"]
    return subprocess.Popen([sys.executable, "-m", "parknews.cli", "crawl", "rentsh", "--start-url", site.url + "/",
                             "--db", str(db), *slow], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_articles(db: Path, proc: subprocess.Popen, at_least: int = 1) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(db)
            n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            conn.close()
        except sqlite3.Error:
            n = 0
        if n >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError("the crawl archived nothing within a minute")


def test_a_crawl_killed_with_sigkill_leaves_no_extraction_process(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        proc = _start_slow_crawl(site, db)
        try:
            _wait_for_articles(db, proc)
            helpers = _descendants(proc.pid)
            assert len(helpers) >= 3, "expected a fork server and two extraction workers"
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and any(_alive(p) for p in helpers):
                time.sleep(0.1)
            assert not [p for p in helpers if _alive(p)], "extraction processes outlived the crawl"
        finally:
            if proc.poll() is None:
                proc.kill()


def test_an_extraction_worker_killed_mid_crawl_costs_no_article(tmp_path: Path) -> None:
    """What the OOM killer does to a worker: the pool replaces it, and the pages it held are
    extracted again; the archive ends as complete as a crawl nobody disturbed."""
    db, calm = tmp_path / "a.db", tmp_path / "calm.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        proc = _start_slow_crawl(site, db)
        try:
            _wait_for_articles(db, proc)
            workers = [w for child in _children(proc.pid) for w in _children(child)]  # the fork server's
            assert workers, "no extraction worker found"
            os.kill(workers[0], signal.SIGKILL)
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert "Traceback" not in err
        finally:
            if proc.poll() is None:
                proc.kill()
        origin = site.url
        done = _records(db, origin)
    undisturbed = _crawl(None, calm, 0)
    assert done[0] == undisturbed[0]
    assert done[1] == undisturbed[1]
    assert done[3] == undisturbed[3]



def test_a_launcher_without_a_main_guard_crawls_once_with_its_workers(tmp_path: Path) -> None:
    """A wrapper script that calls parknews' main at import: workers never import it (they
    would run the crawl again), so the crawl runs once, extracted by its workers."""
    launcher = tmp_path / "launch.py"
    launcher.write_text("from parknews.cli import main\n\nmain()\n", "utf-8")
    db = tmp_path / "a.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        result = subprocess.run([sys.executable, str(launcher), "crawl", "rentsh", "--start-url", site.url + "/",
                                 "--db", str(db), *FAST, "-s", "PARKNEWS_EXTRACT_WORKERS=2"],
                                capture_output=True, text=True, timeout=300)
        requests = dict(site.requests)
    assert result.returncode == 0, result.stderr
    assert "could not start" not in result.stderr
    articles, failures, *_ = _records(db, site.url)
    assert len(articles) == 15 and len(failures) == 2
    assert not [f for f in failures if "crashed" in f[2]]
    assert requests["/index.php/post/11584.html"] == 1  # one crawl, not one per worker

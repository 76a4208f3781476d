"""Nothing lost: kill -9 a crawl at many points, run it again ONCE, get the uninterrupted archive.

The site is the synthetic Z-BlogPHP park-news site of benchmarks/synthsite.py (2 sections of
20-post pages, Z-BlogPHP pagebar, feed, sitemap) on 127.0.0.1; benchmarks/crash.py is the
randomized version of the same harness. Each case compares the set of archived articles after
the kill and one plain re-run with what the site holds, and checks the archive is sound and
the frontier empty.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT))
from benchmarks.crash import articles, crawl, killed_crawl, query, sound  # noqa: E402
from benchmarks.synthsite import SiteServer, SyntheticSite  # noqa: E402

POSTS = 100  # 3 listing pages in each of 2 sections
NEW = 45  # new posts before a second run: more than a listing page in each section


def _posts(site: SyntheticSite) -> set[str]:
    return {f"index.php/post/{n}.html" for n in range(1, site.total + 1)}


def _recovered(db: Path, server: SiteServer, site: SyntheticSite) -> None:
    after = crawl(db, server.url)
    assert after.returncode == 0, after.stderr
    assert "Traceback" not in after.stderr
    assert _posts(site) - articles(db) == set(), "articles missing after one plain re-run"
    assert sound(db)
    assert query(db, "SELECT count(*) FROM frontier") == [(0,)]
    reasons = [r for (r,) in query(db, "SELECT finish_reason FROM runs ORDER BY id")]
    assert reasons[-1] == "finished" and set(reasons[:-1]) <= {"abandoned", "finished"}


@pytest.mark.parametrize("after_articles", [0, 1, 7, 20, 41, 77])
def test_kill_9_during_a_first_crawl_then_one_plain_run_completes_the_archive(tmp_path: Path, after_articles: int) -> None:
    site = SyntheticSite(POSTS)
    with SiteServer(site) as server:
        db = tmp_path / "archive.db"
        archived = killed_crawl(db, server.url, after_articles=after_articles)
        assert archived < POSTS, "the crawl finished before it could be killed"
        assert sound(db)
        _recovered(db, server, site)


@pytest.mark.parametrize("after_new", [0, 3, 21, 38])
def test_kill_9_during_an_incremental_run_after_new_posts(tmp_path: Path, after_new: int) -> None:
    """The case that lost articles: the killed run archived the newest posts (page 1 of each
    section), so a stop-at-a-page-with-nothing-new rule would never reach page 2 again."""
    site = SyntheticSite(POSTS)
    with SiteServer(site) as server:
        db = tmp_path / "archive.db"
        assert crawl(db, server.url).returncode == 0
        site.add_articles(NEW)
        archived = killed_crawl(db, server.url, after_articles=after_new)
        assert archived < NEW
        assert sound(db)
        _recovered(db, server, site)


def test_three_kills_in_a_row_then_one_plain_run(tmp_path: Path) -> None:
    site = SyntheticSite(POSTS)
    with SiteServer(site) as server:
        db = tmp_path / "archive.db"
        for after in (5, 15, 25):
            killed_crawl(db, server.url, after_articles=after)
            assert sound(db)
        assert len(articles(db)) < POSTS
        _recovered(db, server, site)


@pytest.mark.parametrize("after_articles", [10, 20, 40])
def test_resume_after_kill_9_continues_the_same_run(tmp_path: Path, after_articles: int) -> None:
    """--resume continues the killed run's row, and its walk: a listing page whose posts the
    killed part of the same run archived is still fresh to it, as it was to that run."""
    site = SyntheticSite(POSTS)
    with SiteServer(site) as server:
        db = tmp_path / "archive.db"
        killed_crawl(db, server.url, after_articles=after_articles)
        [(run_id,)] = query(db, "SELECT id FROM runs")
        resumed = crawl(db, server.url, "--resume")
        assert resumed.returncode == 0, resumed.stderr
        assert query(db, "SELECT id, finish_reason FROM runs") == [(run_id, "finished")]
        assert _posts(site) == articles(db)
        assert query(db, "SELECT count(*) FROM frontier") == [(0,)]


def test_two_archives_in_one_folder_share_no_crawl_state(tmp_path: Path) -> None:
    """A killed crawl into a.db leaves nothing that a crawl of b.db beside it picks up."""
    site = SyntheticSite(POSTS)
    with SiteServer(site) as server:
        killed_crawl(tmp_path / "a.db", server.url, after_articles=10)
        result = crawl(tmp_path / "b.db", server.url)
        assert result.returncode == 0, result.stderr
        assert articles(tmp_path / "b.db") == _posts(site)
    assert not (tmp_path / "jobs").exists()


@pytest.mark.parametrize("how", ["--resume", "plain"])
def test_after_a_kill_the_walk_continues_past_a_section_page_whose_posts_the_killed_run_archived(
        tmp_path: Path, how: str) -> None:
    """The Z-Blog fixture's home page shows a section's newest posts. A run killed after it
    archived those posts, before it stored the section's first listing page, leaves that page in
    the frontier; the next run (resumed or plain) must find the page fresh (its posts are news
    of the interrupted run) and walk on to page 2, as the uninterrupted run does."""
    import signal
    import subprocess
    import time

    from parknews.crawl.localsite import LocalSite

    fixture = ROOT / "tests" / "fixtures" / "cmssites" / "zblog"
    db = tmp_path / "a.db"
    one_at_a_time = ["-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.3", "-s", "AUTOTHROTTLE_ENABLED=False",
                     "-s", "PARKNEWS_BATCH_SIZE=1"]
    with LocalSite(fixture) as site:
        url = site.url + "/"
        name = site.url.removeprefix("http://").replace(":", "-")
        sites = tmp_path / "sites"
        sites.mkdir()
        init = subprocess.run([sys.executable, "-m", "parknews.cli", "profile", "init", url, "-o",
                               str(sites / f"{name}.toml"), "-s", "DOWNLOAD_DELAY=0"],
                              capture_output=True, text=True, timeout=300)
        assert init.returncode == 0, init.stderr
        where = [str(sites / f"{name}.toml"), "--db", str(db)]
        proc = subprocess.Popen([sys.executable, "-m", "parknews.cli", "crawl", *where, *one_at_a_time],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(articles(db)) >= 10:  # the home page's posts, fetched before any listing page
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert 10 <= len(articles(db)) < 23, "not killed between the home page's posts and the rest"
        assert query(db, "SELECT count(*) FROM frontier WHERE kind = 'listing'")[0][0] >= 1
        again = ["--resume"] if how == "--resume" else []
        resumed = subprocess.run([sys.executable, "-m", "parknews.cli", "crawl", *where, *again,
                                  "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
                                 capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr
    import tomllib

    expected = tomllib.loads((fixture / "expected.toml").read_text("utf-8"))["articles"]
    assert {"/" + p for p in articles(db)} == set(expected)


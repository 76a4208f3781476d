"""Every CMS fixture site crawled from its home page with no profile.

The sites (tests/fixtures/cmssites/*, see its README) look like real installs of their CMS:
nav menus, tag and archive pages, sidebars, 404 links, pagination, an about page with long
text. Each is crawled twice from its bare home URL: the first run discovers the profile and
must archive exactly the site's articles (none of its listing, tag, home, about or 404 pages);
the second reuses the stored profile and fetches no article again.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import FAST, run_cli
from parknews.crawl.localsite import LocalSite

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CMSSITES = Path(__file__).resolve().parent / "fixtures" / "cmssites"
SITES = sorted(p.parent.name for p in CMSSITES.glob("*/expected.toml"))


def _truth(name: str) -> dict:
    return tomllib.loads((CMSSITES / name / "expected.toml").read_text("utf-8"))


def _archived(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return sorted(re.sub(r"^https?://[^/]+", "", u) for (u,) in conn.execute("SELECT url FROM articles"))
    finally:
        conn.close()


def test_there_are_cms_fixture_sites() -> None:
    assert {"zblog", "dedecms", "wordpress", "trs"} <= set(SITES)


@pytest.mark.parametrize("name", SITES)
def test_a_cms_site_from_its_home_page_archives_exactly_its_articles(tmp_path: Path, name: str) -> None:
    truth = _truth(name)
    db = tmp_path / "a.db"
    with LocalSite(CMSSITES / name) as site:
        first = run_cli("crawl", site.url + "/", "--db", str(db), *FAST)
        assert first.returncode == 0, first.stderr
        archived = _archived(db)
        assert archived == sorted(truth["articles"])
        for path in truth.get("non_articles", []) + truth.get("listings", []) + truth.get("not_found", []):
            assert path not in archived, path
        conn = sqlite3.connect(db)
        report = json.loads(conn.execute("SELECT report FROM site_profiles").fetchone()[0])
        conn.close()
        assert report["cms"] == truth["cms"], report["cms_clues"]
        # Articles only reachable from a listing's later pages were found by walking pagination.
        for path in truth.get("deep_articles", []):
            assert path in archived, path
        # Discovery and crawl alike obey robots.txt.
        robots = CMSSITES / name / "robots.txt"
        disallowed = [line.split(":", 1)[1].strip() for line in robots.read_text("utf-8").splitlines()
                      if line.lower().startswith("disallow:") and line.split(":", 1)[1].strip()] if robots.exists() else []
        assert not [p for p in site.requests if any(p.startswith(d) for d in disallowed)]
        fetched = {p: n for p, n in site.requests.items() if p in truth["articles"]}
        second = run_cli("crawl", site.url + "/", "--db", str(db), *FAST)
        assert second.returncode == 0, second.stderr
        again = {p: n for p, n in site.requests.items() if p in truth["articles"]}
        assert again == fetched, "the second run fetched archived articles again"
        assert _archived(db) == sorted(truth["articles"])


def test_profile_check_of_a_discovered_site_shows_script_pagination_and_previews(tmp_path: Path) -> None:
    """TRS portals write their pagination in a createPageHTML(...) call: the dry run says where
    the next page is, sorts the page's links by pattern (off-site ones apart) and extracts three."""
    db = tmp_path / "a.db"
    with LocalSite(CMSSITES / "trs") as site:
        assert run_cli("crawl", site.url + "/", "--db", str(db), *FAST).returncode == 0
        name = site.url.removeprefix("http://").replace(":", "-")
        listing = next(p for p in _truth("trs")["listings"] if p.endswith("/") and p.count("/") > 2)
        check = run_cli("profile", "check", name, "--db", str(db), "--url", site.url + listing, *FAST)
    assert check.returncode == 0, check.stderr
    assert "the profile calls it a listing" in check.stdout
    assert re.search(r"next page written by a script: \S+/index_1\.html", check.stdout)
    assert re.search(r"^\s+article\s+\d+\s+/", check.stdout, re.M)
    off_site = re.search(r"^\s+off-site\s+(\d+)", check.stdout, re.M)
    assert off_site and "127.0.0.1" not in check.stdout.split("off-site", 1)[1].splitlines()[0]
    assert check.stdout.count("\n  title:") == 3


def test_sigterm_stops_every_site_of_a_run_and_resume_completes_them_all(tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    names = ["zblog", "dedecms", "wordpress"]
    db = tmp_path / "a.db"
    sites = [LocalSite(CMSSITES / n).start() for n in names]
    try:
        urls = [s.url + "/" for s in sites]
        slow = ["-s", "DOWNLOAD_DELAY=0.2", "-s", "AUTOTHROTTLE_ENABLED=False"]
        proc = subprocess.Popen([sys.executable, "-m", "parknews.cli", "crawl", *urls, "--db", str(db), *slow],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the crawls have begun: every site has archived something
            try:
                conn = sqlite3.connect(db)
                started = conn.execute("SELECT count(DISTINCT site) FROM articles").fetchone()[0]
                conn.close()
            except sqlite3.Error:
                started = 0
            if started == len(names):
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
        assert "Traceback" not in err
        conn = sqlite3.connect(db)
        reasons = [r for (r,) in conn.execute("SELECT finish_reason FROM runs")]
        conn.close()
        assert len(reasons) == 3 and "shutdown" in reasons, reasons
        resumed = run_cli("crawl", *urls, "--db", str(db), "--resume", *FAST)
        assert resumed.returncode == 0, resumed.stderr
        conn = sqlite3.connect(db)
        runs = conn.execute("SELECT count(*), min(finish_reason), max(finish_reason) FROM runs").fetchone()
        conn.close()
        assert runs == (3, "finished", "finished")  # the same three run rows, continued
        archived = _archived(db)
        assert len(archived) == sum(len(_truth(n)["articles"]) for n in names)
    finally:
        for s in sites:
            s.stop()

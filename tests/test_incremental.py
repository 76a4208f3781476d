"""A site that changes between runs: new articles, an edit, a deletion, a listing page down for a while.

Each run is judged by what the server saw (requests per path) and what the archive holds.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from parknews.crawl.localsite import DEMO_SITES, LocalSite

FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
LISTING = "index.php/category-2.html"
EDITED = "/index.php/post/11210.html"
DELETED = "/index.php/post/8123.html"
NEW_IDS = (13001, 13002, 13003)


def _query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _article_fetches(requests: dict[str, int]) -> dict[str, int]:
    return {path: n for path, n in requests.items() if "/post/" in path}


def _publish_new_articles(root: Path) -> None:
    """Three new posts at the top of category 2's first listing page, as the CMS would add them."""
    template = (root / "index.php/post/11210.html").read_text("utf-8")
    listing = (root / LISTING).read_text("utf-8")
    items = []
    for n, post_id in enumerate(NEW_IDS):
        title = f"临港新片区第{n + 1}批重点产业项目集中签约"
        page = re.sub(r"<h1 class=\"article-title\">.*?</h1>", f'<h1 class="article-title">{title}</h1>', template, flags=re.S)
        page = page.replace("<title>", f"<title>{title} - ", 1)
        (root / f"index.php/post/{post_id}.html").write_text(page, "utf-8")
        items.append(f'<div class="post-item"><h2><a href="/index.php/post/{post_id}.html">{title}</a></h2>'
                     f'<p class="post-excerpt">　　临港新片区重点产业项目集中签约……</p></div>\n')
    listing = listing.replace('<div class="post-list">', '<div class="post-list">\n' + "".join(items), 1)
    (root / LISTING).write_text(listing, "utf-8")


def _edit_article(root: Path) -> str:
    path = root / EDITED.lstrip("/")
    page = path.read_text("utf-8")
    marker = "（更正：签约项目总数由此前报道的12个调整为13个。）"
    page = page.replace("</p>", marker + "</p>", 1)
    path.write_text(page, "utf-8")
    return marker


@pytest.fixture()
def site_copy(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITES / "rentsh", root)
    return root


def test_runs_over_a_changing_site(site_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with LocalSite(site_copy) as site:
        crawl = ("crawl", "rentsh", "--db", str(db), "--start-url", site.url + "/", *FAST)

        # Run 1: everything is new.
        first = run_cli(*crawl)
        assert first.returncode == 0, first.stderr
        first_fetches = _article_fetches(site.requests)
        assert len(first_fetches) == 17  # 15 articles (one with an empty body) + 404 and 500
        articles = _query(db, "SELECT count(*) FROM articles")[0][0]
        assert articles == 15

        # Run 2, nothing changed: the listings it needs, zero article pages but the server error.
        site.requests.clear()
        second = run_cli(*crawl)
        assert second.returncode == 0, second.stderr
        assert _article_fetches(site.requests) == {"/index.php/post/99500.html": 3}  # 5xx is retried
        assert "/index.php/category-2_2.html" not in site.requests

        # The site changes: three new posts, one edit, one deletion, one listing page down.
        _publish_new_articles(site_copy)
        marker = _edit_article(site_copy)
        (site_copy / DELETED.lstrip("/")).unlink()
        site.status["/index.php/category-5.html"] = 500

        # Run 3, with --recheck: new posts fetched, the edit becomes a revision, the deletion is marked,
        # and the failing listing page makes the run warn and exit non-zero (cron mails it).
        site.requests.clear()
        third = run_cli(*crawl, "--recheck", "100000")
        assert third.returncode == 1
        assert "listing page(s) that answered before failed" in third.stderr
        fetched = _article_fetches(site.requests)
        for post_id in NEW_IDS:
            assert fetched[f"/index.php/post/{post_id}.html"] == 1
        assert fetched[EDITED] == 1 and fetched[DELETED] == 1
        new, updated, deleted, listing_failed = _query(
            db, "SELECT articles_new, articles_updated, articles_deleted, listing_failed FROM runs ORDER BY id DESC LIMIT 1")[0]
        assert (new, updated, deleted) == (3, 1, 1)
        assert listing_failed == 1
        revisions = _query(db, "SELECT url, changed, old_body FROM revisions")
        assert len(revisions) == 1
        url, changed, old_body = revisions[0]
        assert url.endswith(EDITED) and changed == '["body"]' and marker not in old_body
        assert marker in _query(db, "SELECT body FROM articles WHERE url = ?", (url,))[0][0]
        gone = _query(db, "SELECT url, deleted_at FROM articles WHERE deleted_at IS NOT NULL")
        assert len(gone) == 1 and gone[0][0].endswith(DELETED)  # marked, not dropped
        assert _query(db, "SELECT count(*) FROM articles")[0][0] == 18

        # Run 4: the listing page is back; nothing else changed, so no article is fetched.
        del site.status["/index.php/category-5.html"]
        site.requests.clear()
        fourth = run_cli(*crawl)
        assert fourth.returncode == 0, fourth.stderr
        assert _article_fetches(site.requests) == {"/index.php/post/99500.html": 3}

        # Run 5: a recheck of an unchanged site costs no bodies (304 Not Modified).
        site.requests.clear()
        fifth = run_cli(*crawl, "--recheck", "100000")
        assert fifth.returncode == 0, fifth.stderr
        not_modified, unchanged = _query(
            db, "SELECT pages_not_modified, articles_unchanged FROM runs ORDER BY id DESC LIMIT 1")[0]
        assert not_modified == 17 and unchanged == 17  # every live article answered 304
    assert _query(db, "SELECT count(*) FROM revisions") == [(1,)]
    assert _query(db, "PRAGMA integrity_check") == [("ok",)]


def test_an_article_only_in_the_feed_is_discovered(site_copy: Path, tmp_path: Path) -> None:
    """Z-BlogPHP's feed.php (with the real site's absolute URLs) is a discovery source too."""
    db = tmp_path / "archive.db"
    with LocalSite(site_copy) as site:
        crawl = ("crawl", "rentsh", "--db", str(db), "--start-url", site.url + "/", *FAST)
        assert run_cli(*crawl).returncode == 0
        # A post that no listing page links to yet, announced only in the feed.
        template = (site_copy / "index.php/post/11210.html").read_text("utf-8")
        (site_copy / "index.php/post/13100.html").write_text(template.replace("普陀区", "浦东新区"), "utf-8")
        feed = (site_copy / "feed.php").read_text("utf-8")
        item = ("<item><title>浦东新区举办产业政策宣介会</title>"
                "<link>http://rent.sh.cn/index.php/post/13100.html</link>"
                "<guid>http://rent.sh.cn/index.php/post/13100.html</guid></item>")
        (site_copy / "feed.php").write_text(feed.replace("<item>", item + "<item>", 1), "utf-8")
        site.requests.clear()
        result = run_cli(*crawl)
        assert result.returncode == 0, result.stderr
        assert site.requests["/index.php/post/13100.html"] == 1
        assert site.requests["/feed.php"] == 1
    urls = [u for (u,) in _query(db, "SELECT url FROM articles WHERE url LIKE '%13100%'")]
    assert urls == [site.url + "/index.php/post/13100.html"]  # moved from rent.sh.cn to the mirror


def test_field_coverage_below_the_profile_threshold_fails_the_run(tmp_path: Path) -> None:
    """A redesign that breaks bylines: the profile wants a byline on every new article."""
    profile = (ROOT / "parknews" / "sites" / "rentsh.toml").read_text("utf-8")
    profile = profile.replace("[thresholds]\n", "[thresholds]\nbyline = 1.0\n", 1)
    path = tmp_path / "strict.toml"
    path.write_text(profile, "utf-8")
    db = tmp_path / "archive.db"
    with LocalSite(DEMO_SITES / "rentsh") as site:
        result = run_cli("crawl", str(path), "--db", str(db), "--start-url", site.url + "/", *FAST)
    assert result.returncode == 1
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warning) == 1 and "of 15 new articles have a byline (profile threshold 100%)" in warning[0]
    coverage, warnings = _query(db, "SELECT coverage, warnings FROM runs")[0]
    assert '"byline":' in coverage and "byline" in warnings
